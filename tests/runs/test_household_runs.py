"""A household campaign's run: interviews weighted 1/(π₁π₂), adjusted for nonresponse
within their village, estimated on the two-stage design the draw made (villages within
communes, households within villages), the sizes recorded with the run."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlalchemy import select

from analysis import estimate_indices
from survey.db import utcnow
from survey.field import services as field
from survey.households import frames, sampling
from survey.households.models import DrawnVillage
from survey.paper.models import SurveyorAssignment
from survey.runs import extract
from survey.runs.design import make_design
from survey.runs.services import run as analyse
from survey.users.services import create_user
from tests import factories

FRAME = (
    b"commune_code,village_code,village_name,households\n"
    b"XA-A,T1,T1,50\nXA-A,T2,T2,80\nXA-A,T3,T3,40\nXA-A,T4,T4,60\nXA-A,T5,T5,90\n"
    b"XA-B,T1,T1,30\nXA-B,T2,T2,70\nXA-B,T3,T3,45\nXA-B,T4,T4,55\n"
)
ASKED = ["CS11", "CS12", "CS21", "CS22", "CS31", "CS32", "DV11", "DV12", "DV21", "DV22", "HL"]


@pytest.fixture
def household_campaign(db):
    communes = [
        factories.agency(code=c, kind="commune", ranking_group="communes") for c in ("XA-A", "XA-B")
    ]
    campaign = factories.campaign(
        agencies=communes, status="open", design="household",
        questionnaire_version=factories.questionnaire_version("sipas-household.yaml"),
    )  # fmt: skip
    frames.import_frame(FRAME, actor="t")
    sampling.draw_villages(campaign, villages=2, households=4, actor="t", random=random.Random(4))
    surveyor, _password = create_user(
        username="dt1", role="surveyor", password="correct horse battery", actor="t"
    )
    for commune in communes:
        db.session.add(SurveyorAssignment(campaign_id=campaign.id, agency_id=commune.id,
                                          user_id=surveyor.id, created_by="t"))  # fmt: skip
    db.session.flush()
    phone = field.device(field.assignment(surveyor, campaign)["token"])
    rng = random.Random(9)
    visits, listings = [], []
    for n, drawn in enumerate(db.session.scalars(select(DrawnVillage)).all()):
        listed = 8 + 2 * n
        listings.append({"key": f"listing-{n}".ljust(20, "x"), "village_id": drawn.village_id,
                         "descriptions": [f"Nhà {i}" for i in range(listed)],
                         "drawn": rng.sample(range(1, listed + 1), 4)})  # fmt: skip
        outcomes = ["complete", "complete", "refusal", "not_eligible"] if n == 0 else (
            ["complete"] * 3 + ["non_contact"])  # fmt: skip
        for number, outcome in zip(listings[-1]["drawn"], outcomes, strict=True):
            answers = {"A1": 1, "A2": 2, "A3": 2, "A4": 2,
                       **{c: rng.choice([2, 3, 4, 5]) for c in ASKED}}  # fmt: skip
            visits.append({"key": f"visit-{n}-{number}".ljust(20, "x"),
                           "village_id": drawn.village_id, "household": number,
                           "outcome": outcome, "answers": answers})  # fmt: skip
    result = field.sync(phone, {"listings": listings, "visits": visits})
    assert not result.refused, result.refused
    return campaign


def test_weights_are_inverse_probabilities_adjusted_within_each_village(household_campaign, db):
    campaign = household_campaign
    definitions = extract.definitions_of(campaign, utcnow())
    data = extract.load(campaign.id, definitions, utcnow())
    made = make_design(campaign, data)
    weights = made.design.weights
    assert (data.channel == "household").all()
    # Per village, by hand: (N_h/n_h)·(listed/drawn)·(drawn − not eligible), over its
    # interviews; n_h = 2 of 5 (XA-A) or 4 (XA-B) villages, 4 households drawn of 8+2k.
    expected = {}
    for drawn in db.session.scalars(select(DrawnVillage)):
        listed = drawn.listed
        not_eligible = 1 if drawn.listed == 8 else 0
        expected[str(drawn.village_id)] = (
            (1 / drawn.probability) * (listed / 4) * (4 - not_eligible)
        )
    for village, total in expected.items():
        assert weights[made.psu == village].sum() == pytest.approx(total)
    parameters = made.parameters
    assert (parameters["kind"], parameters["psu"], parameters["ssu"]) == (
        "household", "village", "household")  # fmt: skip
    assert made.design.stage_two is not None


def test_a_run_estimates_on_both_stages_and_records_the_sizes(household_campaign, db):
    campaign = household_campaign
    stored = analyse(campaign, actor="test")
    db.session.flush()
    assert set(stored.results["agencies"]) == {"XA-A", "XA-B"}
    assert stored.parameters["design"]["kind"] == "household"
    villages = stored.parameters["design"]["villages"]
    assert len(villages) == 4
    assert {v["drawn"] for v in villages.values()} == {4}
    # The run's overall index equals the library's on the same rows and design.
    definitions = extract.definitions_of(campaign, stored.cutoff_at)
    data = extract.load(campaign.id, definitions, stored.cutoff_at)
    made = make_design(campaign, data)
    scheme = definitions[campaign.questionnaire_version_id].index.scheme
    table = estimate_indices(made.design, data.answers, scheme, data.agency)
    for agency in ("XA-A", "XA-B"):
        entry = stored.results["agencies"][agency][scheme.code]
        ours = table.get(agency, scheme.code)
        assert entry["estimate"] == pytest.approx(ours.estimate)
        if entry["se"] is not None and not np.isnan(ours.se):
            assert entry["se"] == pytest.approx(ours.se)


def test_answers_not_from_a_drawn_household_stop_the_run(household_campaign, db):
    from survey.runs.services import RunError

    agency = household_campaign.agencies[0]
    factories.submission(campaign=household_campaign, agency=agency, answers={"CS11": 4})
    with pytest.raises(RunError, match="did not come from a drawn household"):
        analyse(household_campaign, actor="test")


def test_the_run_data_rebuild_the_two_stage_design(household_campaign, db):
    """The export carries village, household and both stages' sizes, and the design it
    describes gives the run's own standard errors."""
    import csv
    import io

    from analysis import Design
    from survey.runs.microdata import run_data

    stored = analyse(household_campaign, actor="test")
    db.session.flush()
    text, description = run_data(stored)
    assert "ids = ~psu + household" in description["r"]
    assert "fpc = ~fpc + fpc2" in description["r"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"psu", "household", "fpc", "fpc2", "weight"} <= set(rows[0])
    column = lambda name: np.array([r[name] for r in rows])  # noqa: E731
    design = Design.from_columns(
        strata=column("stratum"), psu=column("psu"), weights=column("weight").astype(float),
        fpc=column("fpc").astype(float), ssu=column("household"),
        fpc2=column("fpc2").astype(float),
    )  # fmt: skip
    scheme = extract.definitions_of(household_campaign, stored.cutoff_at)[
        household_campaign.questionnaire_version_id
    ].index.scheme
    answers = {c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in scheme.items}
    table = estimate_indices(design, answers, scheme, column("agency"))
    for agency in ("XA-A", "XA-B"):
        entry = stored.results["agencies"][agency][scheme.code]
        assert table.get(agency, scheme.code).estimate == pytest.approx(entry["estimate"])
        if entry["se"] is not None:
            assert table.get(agency, scheme.code).se == pytest.approx(entry["se"])
