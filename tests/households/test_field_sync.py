"""The field app's server side: the assignment a phone downloads, and sends stored
exactly once, refused where they do not fit the draw, each household counted once."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from survey.households import frames, sampling
from survey.households.models import DrawnVillage, HouseholdOutcome, ListedHousehold
from survey.paper.models import SurveyorAssignment
from survey.responses.models import Answer, Submission
from tests import factories

LISTING = [f"Nhà số {n}" for n in range(1, 11)]


@pytest.fixture
def field(db, client, login_as):
    commune = factories.agency(code="XA-A", kind="commune", ranking_group="communes")
    campaign = factories.campaign(
        agencies=[commune], status="open",
        questionnaire_version=factories.questionnaire_version("sipas-household.yaml"),
    )  # fmt: skip
    frames.import_frame(
        b"commune_code,village_code,village_name,households\n"
        b"XA-A,T1,Thon 1,50\nXA-A,T2,Thon 2,70\n",
        actor="t",
    )
    sampling.draw_villages(campaign, villages=1, households=3, actor="t", random=random.Random(2))
    surveyor = login_as("surveyor")
    db.session.add(SurveyorAssignment(campaign_id=campaign.id, agency_id=commune.id,
                                      user_id=surveyor.id, created_by="t"))  # fmt: skip
    db.session.commit()
    assignment = client.get("/field/api/assignment").get_json()
    return campaign, assignment


def _send(client, token, **payload):
    return client.post(
        "/field/api/sync", json=payload, headers={"Authorization": f"Bearer {token}"}
    )


def _answers():
    # The household form's questions every household is asked (no health or school).
    codes = ["CS11", "CS12", "CS21", "CS22", "CS31", "CS32", "DV11", "DV12", "DV21", "DV22", "HL"]
    return {"A1": 1, "A2": 3, "A3": 2, "A4": 2, **dict.fromkeys(codes, 4)}


def test_the_assignment_names_the_drawn_villages_the_questionnaire_and_a_token(field):
    campaign, assignment = field
    assert assignment["campaign"]["code"] == campaign.code
    assert assignment["households_per_village"] == 3
    assert assignment["questionnaire"]["code"] == "sipas-household"
    assert len(assignment["villages"]) == 1
    assert assignment["villages"][0]["listed"] is None
    assert len(assignment["token"]) >= 40


def test_sends_are_stored_once_and_each_household_counts_once(field, client, db):
    _campaign, assignment = field
    token, village = assignment["token"], assignment["villages"][0]["id"]
    listing = {"key": "l" * 20, "village_id": village, "descriptions": LISTING, "drawn": [2, 5, 9]}
    visits = [
        {"key": "v1" * 10, "village_id": village, "household": 2, "outcome": "non_contact",
         "answers": {}, "previous": None},
        {"key": "v2" * 10, "village_id": village, "household": 5, "outcome": "complete",
         "answers": _answers(), "seconds": 600, "interviewed_on": "2026-12-08"},
    ]  # fmt: skip
    result = _send(client, token, listings=[listing], visits=visits).get_json()
    assert sorted(result["stored"]) == sorted([listing["key"], *(v["key"] for v in visits)])
    # Sent again (a cut before the phone heard back): stored, and nothing twice.
    again = _send(client, token, listings=[listing], visits=visits).get_json()
    assert sorted(again["stored"]) == sorted(result["stored"])
    submissions = db.session.scalars(select(Submission)).all()
    assert len(submissions) == 1
    stored = submissions[0]
    assert stored.channel == "household"
    drawn = db.session.scalar(select(DrawnVillage))
    assert stored.selection_probability == pytest.approx(drawn.probability * 3 / 10)
    assert str(stored.interviewed_on) == "2026-12-08"
    assert stored.duration_seconds == 600
    assert db.session.scalar(select(func.count()).select_from(Answer)) == len(_answers())
    # Household 2, no one at home, then interviewed at a later visit: counted once.
    later = {"key": "v3" * 10, "village_id": village, "household": 2, "outcome": "complete",
             "answers": _answers(), "previous": "non_contact"}  # fmt: skip
    assert _send(client, token, visits=[later]).get_json()["stored"] == [later["key"]]
    counts = {o.outcome: o.count for o in db.session.scalars(select(HouseholdOutcome))}
    assert counts == {"complete": 2, "non_contact": 0}
    # An interviewed household is not interviewed again.
    twice = {**later, "key": "v4" * 10, "previous": "complete"}
    assert (
        "interviewed already"
        in _send(client, token, visits=[twice]).get_json()["refused"][twice["key"]]
    )
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 2
    # The household's number is not on the submission; the listing keeps no outcome.
    assert "household" not in {c.name for c in Submission.__table__.columns}
    assert "outcome" not in {c.name for c in ListedHousehold.__table__.columns}


@pytest.mark.parametrize(
    ("visit", "reason"),
    [
        ({"household": 1}, "not a drawn household"),
        ({"village_id": 10**6}, "not a village of this surveyor"),
        ({"outcome": "gone"}, "unknown outcome"),
        ({"answers": {"CS11": 7}}, "item CS11"),
    ],
)
def test_a_visit_that_does_not_fit_the_draw_is_refused_and_stores_nothing(
    field, client, db, visit, reason
):
    _campaign, assignment = field
    token, village = assignment["token"], assignment["villages"][0]["id"]
    listing = {"key": "l" * 20, "village_id": village, "descriptions": LISTING, "drawn": [2, 5, 9]}
    record = {"key": "k" * 20, "village_id": village, "household": 5, "outcome": "complete",
              "answers": _answers(), **visit}  # fmt: skip
    result = _send(client, token, listings=[listing], visits=[record]).get_json()
    assert reason in result["refused"][record["key"]]
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_listing_must_draw_as_many_as_the_plan_says(field, client, db):
    _campaign, assignment = field
    token, village = assignment["token"], assignment["villages"][0]["id"]
    for drawn in ([1, 2], [1, 1, 2], [0, 4, 5], [4, 5, 11]):
        listing = {"key": f"l{drawn}".ljust(20, "x"), "village_id": village,
                   "descriptions": LISTING, "drawn": drawn}  # fmt: skip
        assert listing["key"] in _send(client, token, listings=[listing]).get_json()["refused"]
    assert db.session.scalar(select(func.count()).select_from(ListedHousehold)) == 0


def test_without_a_valid_token_nothing_is_taken(field, client):
    assert client.post("/field/api/sync", json={}).status_code == 401
    response = _send(client, "not-a-token", visits=[])
    assert response.status_code == 401


def test_the_progress_page_counts_outcomes_and_response_rates(field, client, db, login_as):
    """Hand-worked: 3 households drawn; one interviewed, one vacant, one not visited.
    RR1 = 1 / (3 − 1) = 50%; RR3 = 1 / (1 + e·1) with e = 1/2 of the known = 66.7%."""
    campaign, assignment = field
    token, village = assignment["token"], assignment["villages"][0]["id"]
    listing = {"key": "l" * 20, "village_id": village, "descriptions": LISTING, "drawn": [2, 5, 9]}
    visits = [
        {"key": "a" * 20, "village_id": village, "household": 2, "outcome": "complete",
         "answers": _answers(), "seconds": 540},
        {"key": "b" * 20, "village_id": village, "household": 5, "outcome": "not_eligible"},
    ]  # fmt: skip
    assert not _send(client, token, listings=[listing], visits=visits).get_json()["refused"]
    login_as("surveyor")
    assert client.get(f"/field/progress/{campaign.code}").status_code == 403
    login_as("evaluator")
    page = client.get(f"/field/progress/{campaign.code}").get_data(as_text=True)
    assert "50,0%" in page
    assert "66,7%" in page
    assert ">9<" in page  # the median interview: 540 s, 9 minutes
    assert client.get("/field/progress/no-such-campaign").status_code == 404


def test_the_app_shell_its_worker_and_manifest_in_either_language(client, login_as):
    login_as("surveyor")
    english = client.get("/field/?lang=en").get_data(as_text=True)
    assert "Download my assignment" in english
    assert "Tải phân công" not in english
    assert "Tải phân công về máy" in client.get("/field/?lang=vi").get_data(as_text=True)
    worker = client.get("/field/sw.js")
    assert worker.mimetype == "text/javascript"
    assert "/api/" in worker.get_data(as_text=True)  # calls to the server are never cached
    manifest = client.get("/field/manifest.webmanifest").get_json()
    assert (manifest["start_url"], manifest["display"]) == ("/field/", "standalone")
