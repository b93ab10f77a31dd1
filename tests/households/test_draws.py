"""The household survey's frame and its two-stage draw: villages per commune (simple
random or proportional to households), households from each drawn village's listing,
each unit with the probability it was drawn with, checked by simulation."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from analysis import selection
from survey.audit.models import AuditEvent
from survey.csv_files import CsvError
from survey.households import frames, sampling
from survey.households.models import DrawnVillage, ListedHousehold, Village
from tests import factories

FRAME = (
    "commune_code,village_code,village_name,households\n"
    "XA-A,T1,Thôn 1,120\nXA-A,T2,Thôn 2,40\nXA-A,T3,Buôn Ea Tung,300\nXA-A,T4,Thôn 4,15\n"
    "XA-A,T5,Thôn 5,80\nXA-B,TDP1,Tổ dân phố 1,900\nXA-B,TDP2,Tổ dân phố 2,60\n"
)


@pytest.fixture
def communes(db):
    a = factories.agency(code="XA-A", kind="commune", ranking_group="communes")
    b = factories.agency(code="XA-B", kind="ward", ranking_group="communes")
    campaign = factories.campaign(agencies=[a, b])
    frames.import_frame(FRAME.encode(), actor="test")
    return campaign


@pytest.mark.parametrize(
    ("method", "sizes", "k"),
    [("srs", [1] * 7, 3), ("pps", [120, 40, 300, 15, 80, 900, 60, 200], 3)],
)
def test_each_unit_is_drawn_as_often_as_its_probability_says(method, sizes, k):
    """20,000 draws: every village's share of draws lies within 4.5 binomial standard
    errors of its π, and every draw takes exactly k villages."""
    rng, draws = random.Random(7), 20_000
    counts = [0] * len(sizes)
    for _ in range(draws):
        if method == "pps":
            chosen, probabilities = selection.systematic_pps(sizes, k, rng)
        else:
            chosen, probability = selection.simple_random(len(sizes), k, rng)
            probabilities = [probability] * len(sizes)
        assert len(chosen) == k
        for i in chosen:
            counts[i] += 1
    assert sum(probabilities) == pytest.approx(k)
    for count, p in zip(counts, probabilities, strict=True):
        spread = (p * (1 - p) / draws) ** 0.5
        assert abs(count / draws - p) <= 4.5 * spread + 1e-12, (count / draws, p)
    if method == "pps":
        assert probabilities[5] == 1.0, "a village of 900 of 1,715 households is certain"


def test_the_frame_is_imported_whole_and_updated_by_code(communes, db):
    assert db.session.scalar(select(func.count()).select_from(Village)) == 7
    outcome = frames.import_frame(FRAME.replace("Thôn 1,120", "Thôn Một,125").encode(), actor="t")
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 6)


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("XA-C,T1,Thôn,10", "commune_code"),
        ("XA-A,T 9,Thôn,10", "village_code"),
        ("XA-A,T9,,10", "village_name"),
        ("XA-A,T9,Thôn,0", "households"),
        ("XA-A,T9,Thôn,mười", "households"),
        ("XA-A,t1,Thôn,10", "village_code"),
    ],
)
def test_a_bad_frame_row_is_named_and_nothing_changes(communes, db, line, column):
    with pytest.raises(CsvError) as raised:
        frames.import_frame((FRAME + line + "\n").encode(), actor="t")
    problem = raised.value.problems[0]
    assert (problem.row, problem.column) == (9, column)
    assert db.session.scalar(select(Village.households).where(Village.code == "T1")) == 120


def test_villages_are_drawn_per_commune_with_their_probabilities(communes, db):
    drawn = sampling.draw_villages(
        communes, villages=2, households=5, method="srs", actor="t", random=random.Random(1)
    )
    by_commune: dict[str, list[DrawnVillage]] = {}
    for row in drawn:
        by_commune.setdefault(row.village.agency.code, []).append(row)
    assert {c: len(rows) for c, rows in by_commune.items()} == {"XA-A": 2, "XA-B": 2}
    assert {r.probability for r in by_commune["XA-A"]} == {2 / 5}
    assert {r.probability for r in by_commune["XA-B"]} == {1.0}  # both of its two
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "households.draw_villages")
    ).one()
    assert event.after["villages_drawn"] == 4
    assert "seed" not in str(event.after)
    assert "start" not in str(event.after)
    with pytest.raises(sampling.DrawError, match="đã được chọn"):
        sampling.draw_villages(communes, villages=2, households=5, actor="t")


def test_pps_draws_a_big_village_for_certain(communes, db):
    drawn = sampling.draw_villages(
        communes, villages=2, households=5, method="pps", actor="t", random=random.Random(3)
    )
    big = next(r for r in drawn if r.village.code == "T3")  # 300 of 555 households
    assert big.probability == 1.0
    other = next(r for r in drawn if r.village.agency.code == "XA-A" and r is not big)
    assert other.probability == pytest.approx(other.village.households / 255)


def test_households_are_drawn_from_the_listing(communes, db):
    sampling.draw_villages(communes, villages=2, households=5, actor="t", random=random.Random(1))
    village = (
        db.session.scalars(select(DrawnVillage).where(DrawnVillage.campaign_id == communes.id))
        .first()
        .village
    )
    listing = [f"Nhà số {n}, đường Y Jút" for n in range(1, 21)]
    drawn = sampling.draw_households(communes, village, listing, actor="t", random=random.Random(2))
    assert len(drawn) == 5
    assert {h.probability for h in drawn} == {5 / 20}
    stored = db.session.scalars(
        select(ListedHousehold).where(ListedHousehold.village_id == village.id)
    ).all()
    assert len(stored) == 20
    assert db.session.get(DrawnVillage, (communes.id, village.id)).listed == 20
    with pytest.raises(sampling.DrawError, match="đã được lập danh sách"):
        sampling.draw_households(communes, village, listing, actor="t")
    undrawn = db.session.scalar(
        select(Village).where(Village.id.not_in(select(DrawnVillage.village_id)))
    )
    with pytest.raises(sampling.DrawError, match="không được chọn"):
        sampling.draw_households(communes, undrawn, listing, actor="t")


def test_the_command_line_imports_draws_and_lists(runner, communes, db, tmp_path):
    frame = tmp_path / "frame.csv"
    frame.write_text(FRAME, encoding="utf-8")
    result = runner.invoke(args=["households", "frame", "import", str(frame)])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 7 unchanged" in result.output
    result = runner.invoke(
        args=["households", "draw", "--campaign", communes.code, "--villages", "1",
              "--households", "3", "--method", "pps"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 villages drawn (pps)" in result.output
    drawn = db.session.scalars(select(DrawnVillage)).all()
    listing = tmp_path / "listing.csv"
    listing.write_text(
        "commune_code,village_code,description\n"
        + "".join(
            f"{d.village.agency.code},{d.village.code},Nhà {n}\n" for d in drawn for n in range(8)
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        args=["households", "listing", "--campaign", communes.code, str(listing)]
    )
    assert result.exit_code == 0, result.output
    assert "2 villages listed, 6 households drawn" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("commune_code,village_code,description\nXA-A,T404,Nhà 1\n", encoding="utf-8")
    result = runner.invoke(args=["households", "listing", "--campaign", communes.code, str(bad)])
    assert result.exit_code != 0
    assert "không có thôn T404" in result.output


def test_a_closed_campaigns_listing_forgets_its_addresses(communes, db):
    from survey.households.retention import erase_closed_listings

    sampling.draw_villages(communes, villages=1, households=2, actor="t", random=random.Random(1))
    village = db.session.scalars(select(DrawnVillage)).first().village
    sampling.draw_households(communes, village, ["Nhà 1", "Nhà 2", "Nhà 3"], actor="t")
    assert erase_closed_listings() == 0, "an open campaign's surveyors still need them"
    communes.status = "closed"
    db.session.flush()
    assert erase_closed_listings() == 3
    kept = db.session.scalars(select(ListedHousehold)).all()
    assert {h.description for h in kept} == {""}
    assert sorted(h.probability is not None for h in kept) == [False, True, True]
    assert erase_closed_listings() == 0


def test_a_household_survey_runs_beside_the_post_service_survey(client, db):
    """The same commune in both, open the same days: its counter's QR code still leads to
    the post-service survey."""
    from survey.campaigns import services as campaign_services

    commune = factories.agency(code="XA-Q", kind="commune", ranking_group="communes")
    factories.service(agency=commune)
    factories.service_point(code="xaq-1", agency=commune)
    exit_survey = factories.campaign(agencies=[commune], status="open", code="exit")
    household = factories.campaign(
        agencies=[commune], status="open", code="hgd", design="household",
        questionnaire_version=factories.questionnaire_version("sipas-household.yaml"),
        # Begun first: without the rule, the point would take the earliest campaign.
        period_start=exit_survey.period_start - timedelta(days=1),
    )  # fmt: skip
    campaign_services._refuse_overlap(household)
    campaign_services._refuse_overlap(exit_survey)
    db.session.commit()
    page = client.get("/p/xaq-1").get_data(as_text=True)
    assert "Phiếu khảo sát sự hài lòng của người dân" in page or "/p/xaq-1/" in page
    assert "hộ gia đình" not in page


def test_the_frame_and_the_draw_from_the_campaigns_page(client, db, login_as):
    """The same as the commands, from the campaign's page: Post/Redirect/Get, errors
    named, the draw once."""
    a = factories.agency(code="XA-A", kind="commune", ranking_group="communes")
    factories.agency(code="XA-B", kind="ward", ranking_group="communes")
    campaign = factories.campaign(agencies=[a], design="household")
    db.session.commit()
    login_as("evaluator")
    page = client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Khảo sát hộ gia đình: thôn và việc chọn mẫu" in page
    bad = client.post(
        f"/admin/campaigns/{campaign.id}/households/frame",
        data={"villages-file": (io.BytesIO(b"commune_code,village_code,village_name,households\n"
                                           b"XA-A,T1,Thon,0\n"), "v.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad.status_code == 400
    assert "households" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Village)) == 0
    good = client.post(
        f"/admin/campaigns/{campaign.id}/households/frame",
        data={"villages-file": (io.BytesIO(FRAME.encode()), "v.csv")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    drawn = client.post(
        f"/admin/campaigns/{campaign.id}/households/draw",
        data={"households-villages": "2", "households-households": "6",
              "households-method": "pps"},
    )  # fmt: skip
    assert drawn.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(DrawnVillage)) == 2
    page = client.get(drawn.headers["Location"]).get_data(as_text=True)
    assert "Đã chọn 2 thôn." in page
    assert "tỷ lệ với số hộ" in page
    again = client.post(
        f"/admin/campaigns/{campaign.id}/households/draw",
        data={"households-villages": "2", "households-households": "6",
              "households-method": "srs"},
    )  # fmt: skip
    assert "đã được chọn" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DrawnVillage)) == 2
