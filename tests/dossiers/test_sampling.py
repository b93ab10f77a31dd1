"""Invitations drawn from the dossier records with known probabilities: the plan, the
systematic draw (simulated: every dossier's chance is the planned π), draws that continue
where the last stopped, the coded attributes a link passes to its answers, response
outcomes, and a run weighted by 1/π."""

import random
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.campaigns.models import Invitation, SamplingCell, SamplingPlan
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


def test_every_dossier_is_drawn_with_the_planned_probability(commune, db):
    """Simulated: 400 draws with fresh random starts, in two instalments each (the second
    continues the first's position). Each dossier's share of draws is within four
    binomial standard errors of π, and each cell gets ⌊πM⌋ or ⌈πM⌉ invitations."""
    campaign, xa, land, civil = commune
    _records(db, land, 23, start=0, days_ago=6)
    _records(db, land, 14, start=100, days_ago=2)
    _records(db, civil, 11, start=0, days_ago=4)
    probability = 0.3
    _plan(db, campaign, xa, probability)
    codes = db.session.scalars(select(DossierRecord.dossier_code)).all()
    chosen = dict.fromkeys(codes, 0)
    repetitions = 400
    for seed in range(repetitions):
        savepoint = db.session.begin_nested()
        rng = random.Random(seed)
        sampling.draw(campaign, today() - timedelta(days=3), actor="test", random=rng)
        sampling.draw(campaign, today(), actor="test", random=rng)
        drawn = db.session.execute(
            select(Invitation.dossier_code, Invitation.selection_probability)
        ).all()
        for code, pi in drawn:
            chosen[code] += 1
            assert pi == probability
        per_cell = dict(
            db.session.execute(select(SamplingCell.service_field_id, SamplingCell.selected)).all()
        )
        assert per_cell[land.field_id] in (11, 12), "37 land dossiers × 0.3 = 11.1"
        assert per_cell[civil.field_id] in (3, 4), "11 civil-status dossiers × 0.3 = 3.3"
        savepoint.rollback()
    shares = np.array(list(chosen.values())) / repetitions
    tolerance = 4 * np.sqrt(probability * (1 - probability) / repetitions)
    assert np.all(np.abs(shares - probability) < tolerance), shares
    assert abs(shares.mean() - probability) < 0.01


def test_draws_continue_where_the_last_stopped_and_never_invite_twice(commune, db):
    campaign, xa, land, _ = commune
    _records(db, land, 40, start=0, days_ago=5)
    with pytest.raises(sampling.SamplingError, match="kế hoạch chọn mẫu"):
        sampling.draw(campaign, today(), actor="test")
    _plan(db, campaign, xa, 0.5)
    first = sampling.draw(campaign, today() - timedelta(days=1), actor="test")
    assert (first.seen, first.selected) == (40, 20)
    _records(db, land, 10, start=500, days_ago=0)
    second = sampling.draw(campaign, today(), actor="test")
    assert second.seen == 10, "only the dossiers returned since"
    assert second.first == today()
    with pytest.raises(sampling.SamplingError, match="Không có gì để chọn"):
        sampling.draw(campaign, today(), actor="test")
    codes = db.session.scalars(select(Invitation.dossier_code)).all()
    assert len(codes) == len(set(codes)) == 25
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
    assert line.planned == sampling.yamane(400) == 200
    assert line.phone_share == 1.0, "the recent dossiers (land) all have phones"
    assert line.probability == pytest.approx(200 / (400 * 1.0 * 0.5)) == 1.0
    by_margin = sampling.plan(campaign, margin=0.10, response_rate=0.5, actor="test")
    assert by_margin[0].planned == sampling.for_margin(400, 0.10) == 78
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
    assert invitation.opened_on == today()
    data = {**form_fields(page), **complete_answers(land.id)}
    assert client.post(f"/s/{invitation.token}", data=data).status_code == 303
    submission = db.session.scalar(select(Submission))
    assert submission.selection_probability == 1.0
    assert submission.dossier_timeliness == "late"
    db.session.refresh(invitation)
    assert invitation.outcome == "complete"
    stored = {c.key: getattr(submission, c.key) for c in Submission.__table__.c}
    assert invitation.dossier_code not in {str(v) for v in stored.values()}
    assert invitation.token not in {str(v) for v in stored.values()}


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
    assert plan.planned == sampling.for_margin(40, 0.20)
    drawn = client.post(
        f"/admin/dossiers/draw/{campaign.id}",
        data={"draw-through": str(today())},
        follow_redirects=True,
    )
    page = drawn.get_data(as_text=True)
    count = db.session.scalar(select(func.count()).select_from(Invitation))
    assert f"Đã chọn {count} lời mời trong 40 hồ sơ" in page
    assert count > 0
