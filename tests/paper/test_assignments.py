"""Surveyors issue paper batches where an administrator assigned them, and only there."""

from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.paper.models import Batch, SurveyorAssignment
from tests import factories
from tests.paper.conftest import make_user


def _batches(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Batch))


def _new_batch(campaign, agency, user, **changes):
    return {
        "campaign_id": campaign.id,
        "agency_id": agency.id,
        "surveyor_id": user.id,
        "point_id": 0,
        "count": 3,
        "language": "vi",
        **changes,
    }


def _sign_in_as(client, username: str) -> None:
    client.post("/sign-out")
    response = client.post(
        "/sign-in", data={"login": username, "password": "correct horse battery"}
    )
    assert response.status_code == 302


def test_a_surveyor_without_an_assignment_is_told_whom_to_ask(client, login_as, paper_campaign, db):
    campaign, agency, _ = paper_campaign
    make_user("quantri.tinh", "admin")
    make_user("cu.quantri", "admin").active = False
    surveyor = login_as("surveyor")
    page = client.get("/paper/batches/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "quantri.tinh" in text, "the administrators are named"
    assert "cu.quantri" not in text, "the active ones"
    assert 'name="count"' not in text, "no form to fill in for nothing"
    posted = client.post("/paper/batches/new", data=_new_batch(campaign, agency, surveyor))
    assert posted.status_code == 200
    assert _batches(db) == 0


def test_an_administrator_assigns_and_the_surveyor_issues_only_there(
    client, login_as, paper_campaign, db
):
    campaign, agency, _ = paper_campaign
    other = factories.agency(code="STC")
    later = factories.campaign(agencies=[other, agency], status="open", code="LATER")
    surveyor = make_user("dieutra.a")
    admin = login_as("admin")
    url = f"/paper/assignments?campaign={campaign.code}"
    assert client.get(url).status_code == 200
    added = client.post(url, data={"surveyor_id": surveyor.id, "agency_id": agency.id})
    assert added.status_code == 302
    again = client.post(url, data={"surveyor_id": surveyor.id, "agency_id": agency.id})
    assert again.status_code == 400
    assert "đã được phân công" in again.get_data(as_text=True)
    not_a_surveyor = client.post(url, data={"surveyor_id": admin.id, "agency_id": agency.id})
    assert not_a_surveyor.status_code == 400
    client.post(
        f"/paper/assignments?campaign={later.code}",
        data={"surveyor_id": surveyor.id, "agency_id": other.id},
    )
    assert db.session.scalar(select(func.count()).select_from(SurveyorAssignment)) == 2
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "surveyor_assignment")
    ).all()
    assert actions == ["paper.assignment.create"] * 2

    login_as("surveyor", username="dieutra.b")  # someone else's assignments are not theirs
    assert 'name="count"' not in client.get("/paper/batches/new").get_data(as_text=True)
    _sign_in_as(client, "dieutra.a")
    page = client.get("/paper/batches/new").get_data(as_text=True)
    assert f'data-campaigns="{later.id}"' in page, "each agency names its campaigns"
    # Assigned to SXD in the first campaign and STC in the later one, not the reverse.
    crossed = client.post(
        "/paper/batches/new", data=_new_batch(campaign, other, surveyor, surveyor_id=surveyor.id)
    )
    assert crossed.status_code == 400
    assert "không được phân công" in crossed.get_data(as_text=True)
    for_someone_else = client.post(
        "/paper/batches/new", data=_new_batch(campaign, agency, surveyor, surveyor_id=admin.id)
    )
    assert for_someone_else.status_code == 400
    assert _batches(db) == 0
    issued = client.post("/paper/batches/new", data=_new_batch(campaign, agency, surveyor))
    assert issued.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert (batch.agency_id, batch.surveyor_id) == (agency.id, surveyor.id)


def test_a_removed_assignment_issues_nothing_more(client, login_as, paper_campaign, db):
    campaign, agency, _ = paper_campaign
    surveyor = make_user("dieutra.c")
    login_as("admin")
    url = f"/paper/assignments?campaign={campaign.code}"
    client.post(url, data={"surveyor_id": surveyor.id, "agency_id": agency.id})
    assignment = db.session.scalar(select(SurveyorAssignment))
    assert client.post(f"/paper/assignments/{assignment.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SurveyorAssignment)) == 0
    _sign_in_as(client, "dieutra.c")
    assert 'name="count"' not in client.get("/paper/batches/new").get_data(as_text=True)
    assert client.post("/paper/assignments", data={}).status_code == 403, "admins only"
