"""Invitations drawn from the dossier records with known probabilities: the plan, the
systematic draw (simulated: every dossier's chance is the planned π), draws that continue
where the last stopped, the coded attributes a link passes to its answers, response
outcomes, and a run weighted by 1/π."""

import itertools
import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from analysis import selection
from survey.audit.models import AuditEvent
from survey.campaigns import invitations, link_use
from survey.campaigns.models import Invitation, LinkUse, SamplingCell, SamplingPlan
from survey.dossiers import sampling
from survey.dossiers.models import DossierRecord
from survey.local_time import today
from survey.responses.models import Submission
from tests import factories
from tests.respond.conftest import complete_answers, form_fields


@pytest.fixture
def commune(db):
    """A commune with land (DD) and civil status (HT) services, in an open campaign."""
    xa = factories.agency(code="XA-EAKAR", kind="commune", ranking_group="communes")
    dd, ht = factories.service_field(code="DD"), factories.service_field(code="HT")
    land = factories.service(agency=xa, field=dd, code="DD-01")
    civil = factories.service(agency=xa, field=ht, code="HT-01")
    factories.service_point(code="xa-1", agency=xa)
    campaign = factories.campaign(agencies=[xa], status="open")
    db.session.commit()
    return campaign, xa, land, civil


def _records(db, service, count: int, *, start: int, days_ago: int, late_every: int = 4):
    """`count` returned dossiers with a phone, returned `days_ago` days ago."""
    returned = today() - timedelta(days=days_ago)
    for i in range(count):
        late = i % late_every == 0
        db.session.add(
            DossierRecord(
                dossier_code=f"{service.code}-{start + i:05d}",
                agency_id=service.agency_id,
                service_id=service.id,
                channel=("counter", "online")[i % 2],
                received_on=returned - timedelta(days=10),
                due_on=returned - timedelta(days=1) if late else returned,
                returned_on=returned,
                result="approved",
                phone=f"09123{start + i:05d}",
            )
        )
    db.session.flush()


def _plan(db, campaign, agency, probability: float):
    db.session.add(
        SamplingPlan(
            campaign_id=campaign.id,
            agency_id=agency.id,
            dossiers=100,
            with_phone=100,
            planned=round(100 * probability),
            response_rate=1.0,
            probability=probability,
        )
    )
    db.session.flush()


def test_every_dossier_is_drawn_with_the_planned_probability_on_its_own(commune, db):
    """Simulated: 400 draws, in two instalments each. Each dossier's share of draws is
    within four binomial standard errors of π, each cell's mean count is πN, and the
    selections are independent: a dossier next to a selected one is selected with
    probability π too (a systematic draw would never select it at π = 0.3, which is how
    one known selection used to give away the others)."""
    campaign, xa, land, civil = commune
    _records(db, land, 23, start=0, days_ago=6)
    _records(db, land, 14, start=100, days_ago=2)
    _records(db, civil, 11, start=0, days_ago=4)
    probability = 0.3
    _plan(db, campaign, xa, probability)
    codes = sorted(db.session.scalars(select(DossierRecord.dossier_code)).all())
    chosen = dict.fromkeys(codes, 0)
    # A drawn link keeps only its dossier's keyed hash.
    code_of = {link_use.dossier_hash(code): code for code in codes}
    neighbours = both = 0
    per_cell = {land.field_id: [], civil.field_id: []}
    repetitions = 400
    for seed in range(repetitions):
        savepoint = db.session.begin_nested()
        rng = random.Random(seed)
        sampling.draw(campaign, today() - timedelta(days=3), actor="test", random=rng)
        sampling.draw(campaign, today(), actor="test", random=rng)
        drawn = {
            code_of[hashed]: pi
            for hashed, pi in db.session.execute(
                select(Invitation.dossier_hash, Invitation.selection_probability)
            )
        }
        assert set(drawn.values()) <= {probability}
        for code in drawn:
            chosen[code] += 1
        for code, following in itertools.pairwise(codes):
            if code in drawn:
                neighbours += 1
                both += following in drawn
        for field, selected in db.session.execute(
            select(SamplingCell.service_field_id, SamplingCell.selected)
        ):
            per_cell[field].append(selected)
        columns = {c.key for c in SamplingCell.__table__.c}
        assert columns == {"campaign_id", "agency_id", "service_field_id", "seen", "selected"}
        savepoint.rollback()
    shares = np.array(list(chosen.values())) / repetitions
    tolerance = 4 * np.sqrt(probability * (1 - probability) / repetitions)
    assert np.all(np.abs(shares - probability) < tolerance), shares
    assert abs(shares.mean() - probability) < 0.01
    after_a_selected = both / neighbours
    assert abs(after_a_selected - probability) < 4 * np.sqrt(0.21 / neighbours), after_a_selected
    assert abs(np.mean(per_cell[land.field_id]) - 37 * probability) < 0.5
    assert abs(np.mean(per_cell[civil.field_id]) - 11 * probability) < 0.3


def test_draws_continue_where_the_last_stopped_and_never_invite_twice(commune, db):
    campaign, xa, land, _ = commune
    _records(db, land, 40, start=0, days_ago=5)
    with pytest.raises(sampling.SamplingError, match="kế hoạch chọn mẫu"):
        sampling.draw(campaign, today(), actor="test")
    _plan(db, campaign, xa, 0.5)
    first = sampling.draw(
        campaign, today() - timedelta(days=1), actor="test", random=random.Random(3)
    )
    assert first.seen == 40
    assert 10 <= first.selected <= 30, "40 × 0.5, give or take"
    _records(db, land, 10, start=500, days_ago=0)
    second = sampling.draw(campaign, today(), actor="test")
    assert second.seen == 10, "only the dossiers returned since"
    assert second.first == today()
    with pytest.raises(sampling.SamplingError, match="Không có gì để chọn"):
        sampling.draw(campaign, today(), actor="test")
    hashes = db.session.scalars(select(Invitation.dossier_hash)).all()
    assert len(hashes) == len(set(hashes)) == first.selected + second.selected
    assert db.session.scalar(select(func.count(Invitation.dossier_code))) == 0, "no code kept"
    assert db.session.scalar(select(func.count(Invitation.phone))) == 0, "no phone kept"
    sms = list(invitations.links(campaign, "https://khaosat.example"))
    assert len(sms) == len(hashes), "the SMS file finds every drawn link's dossier"
    records = dict(
        db.session.execute(select(DossierRecord.dossier_code, DossierRecord.phone)).all()
    )
    assert all(records[line["dossier_code"]] == line["phone"] for line in sms)
    invitation = db.session.scalar(select(Invitation).limit(1))
    assert invitation.dossier_timeliness in ("on_time", "late")
    assert invitation.dossier_channel in ("counter", "online")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "sampling.draw")
    ).all()
    assert len(actions) == 2


def test_the_plan_follows_yamane_or_a_margin_and_the_phone_share(commune, db):
    campaign, _xa, land, civil = commune
    campaign.period_start = today() - timedelta(days=60)
    campaign.period_end = today() - timedelta(days=1)  # over: the plan counts the period
    _records(db, land, 300, start=0, days_ago=10)
    _records(db, civil, 100, start=0, days_ago=40)  # their phones are past retention...
    db.session.execute(
        DossierRecord.__table__.update()
        .where(DossierRecord.service_id == civil.id)
        .values(phone=None)
    )
    planned = sampling.plan(campaign, response_rate=0.5, actor="test")
    (line,) = planned
    assert line.dossiers == 400
    assert line.planned == selection.yamane(400) == 200
    assert line.phone_share == 1.0, "the recent dossiers (land) all have phones"
    assert line.probability == pytest.approx(200 / (400 * 1.0 * 0.5)) == 1.0
    by_margin = sampling.plan(campaign, margin=0.10, response_rate=0.5, actor="test")
    assert by_margin[0].planned == selection.for_margin(400, 0.10) == 78
    assert by_margin[0].probability == pytest.approx(78 / 200)
    assert db.session.scalar(select(func.count()).select_from(SamplingPlan)) == 1
    with pytest.raises(sampling.SamplingError):
        sampling.plan(campaign, response_rate=0, actor="test")


def test_a_drawn_link_passes_its_probability_and_timeliness_not_its_identity(commune, db, client):
    campaign, xa, land, _ = commune
    _records(db, land, 4, start=0, days_ago=3, late_every=1)  # all late
    _plan(db, campaign, xa, 1.0)
    sampling.draw(campaign, today(), actor="test")
    db.session.commit()
    invitation = db.session.scalar(select(Invitation).limit(1))
    page = client.get(f"/s/{invitation.token}?all=1").get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.opened
    data = {**form_fields(page), **complete_answers(land.id)}
    assert client.post(f"/s/{invitation.token}", data=data).status_code == 303
    submission = db.session.scalar(select(Submission))
    assert submission.selection_probability == 1.0
    assert submission.dossier_timeliness == "late"
    code, token = invitation.dossier_code, invitation.token
    db.session.refresh(invitation)
    assert db.session.scalar(select(LinkUse.outcome)) == "complete"
    assert invitation.used
    assert invitation.phone is None
    assert invitation.dossier_code is None
    assert (invitation.service_id, invitation.returned_on, invitation.dossier_timeliness) == (
        None,
        None,
        None,
    ), "a used link forgets its dossier"
    assert invitation.service_field_id == land.field_id, "it keeps its weighting cell"
    stored = {c.key: getattr(submission, c.key) for c in Submission.__table__.c}
    assert code not in {str(v) for v in stored.values()}
    assert token not in {str(v) for v in stored.values()}


def test_after_a_purge_nothing_replays_the_draw_or_names_a_dossier(commune, db, client):
    """The attacker of the purge: every table but the province's own dossier records,
    searched for any dossier code or phone, and the sampling state for anything to replay
    a draw from. The counts stay."""
    from survey.campaigns.erasure import erase_personal_data
    from survey.campaigns.response_rates import response_rates

    campaign, xa, land, civil = commune
    _records(db, land, 30, start=0, days_ago=4)
    _records(db, civil, 12, start=0, days_ago=2)
    _plan(db, campaign, xa, 1.0)
    sampling.draw(campaign, today(), actor="test", random=random.Random(1))
    db.session.commit()
    links = db.session.scalars(select(Invitation.token).order_by(Invitation.id)).all()
    for token in links[:5]:
        page = client.get(f"/s/{token}?all=1").get_data(as_text=True)
        data = {**form_fields(page), **complete_answers(land.id)}
        assert client.post(f"/s/{token}", data=data).status_code == 303
    client.get(f"/s/{links[5]}")  # opened, never answered
    before = response_rates(campaign)
    erase_personal_data(campaign, actor="test", user_id=None)
    db.session.commit()

    after = response_rates(campaign)
    assert [replace(line, open_links=0) for line in before] == after, "the counts stay"
    assert before[-1].complete == 5
    assert before[-1].refused == 1
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == len(links)
    secrets = set()
    for code, phone in db.session.execute(select(DossierRecord.dossier_code, DossierRecord.phone)):
        secrets |= {code, phone}
    for table in db.metadata.sorted_tables:
        if table.name == "dossier_record":
            continue
        for row in db.session.execute(table.select()):
            text = " ".join(str(value) for value in row)
            found = [s for s in secrets if s and s in text]
            assert not found, f"{table.name} still holds {found[:2]}"
    remembered = {
        column: db.session.scalar(select(func.count(getattr(Invitation, column))))
        for column in ("service_id", "returned_on", "dossier_channel", "dossier_timeliness")
    }
    assert remembered == dict.fromkeys(remembered, 0), remembered
    assert len({i.expires_at for i in db.session.scalars(select(Invitation))}) == 1
    assert "position" not in {c.name for c in SamplingCell.__table__.c}
    assert client.get(f"/s/{links[6]}").status_code == 410, "a purged link has expired"


def test_outcome_follows_the_share_of_index_items_answered():
    from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
    from survey.responses.submit import outcome

    definition = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
    items = [q.code for q in definition.satisfaction_items if q.show_if is None]
    everything = dict.fromkeys(items, 4)
    assert outcome(definition, everything) == "complete"
    half = dict.fromkeys(items[: len(items) * 6 // 10], 4)
    assert outcome(definition, half) == "partial"
    assert outcome(definition, dict.fromkeys(items[:2], 4)) == "breakoff"


def test_the_campaign_page_sets_the_plan_and_draws(commune, db, client, login_as):
    campaign, _, land, _ = commune
    campaign.period_start = today() - timedelta(days=60)
    campaign.period_end = today() - timedelta(days=1)  # over: the plan counts the period
    _records(db, land, 40, start=0, days_ago=5)
    db.session.commit()
    login_as("evaluator")
    refused = client.post(f"/admin/dossiers/draw/{campaign.id}", data={"draw-through": "not a day"})
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    planned = client.post(
        f"/admin/dossiers/sampling-plan/{campaign.id}",
        data={"plan-method": "margin", "plan-margin": "20", "plan-response_rate": "50"},
        follow_redirects=True,
    )
    assert "Đã lập kế hoạch chọn mẫu cho 1 cơ quan" in planned.get_data(as_text=True)
    plan = db.session.scalar(select(SamplingPlan))
    assert plan.planned == selection.for_margin(40, 0.20)
    drawn = client.post(
        f"/admin/dossiers/draw/{campaign.id}",
        data={"draw-through": str(today())},
        follow_redirects=True,
    )
    page = drawn.get_data(as_text=True)
    count = db.session.scalar(select(func.count()).select_from(Invitation))
    assert f"Đã chọn {count} lời mời trong 40 hồ sơ" in page
    assert count > 0
