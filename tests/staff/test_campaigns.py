from io import BytesIO

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from survey.campaigns import services
from survey.campaigns.models import Campaign, FrameCount
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.services import import_definition
from tests import factories


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def _form(version, agencies, **values):
    return {
        "code": "sipas-2026",
        "name_vi": "Khảo sát 2026",
        "name_en": "Survey 2026",
        "version_id": str(version.id),
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "agency_ids": [str(a.id) for a in agencies],
        **values,
    }


def test_a_campaign_is_created_as_a_draft_from_a_published_version(client, admin, db):
    version = factories.questionnaire_version()
    agencies = [factories.agency(), factories.agency()]
    response = client.post("/admin/campaigns/new", data=_form(version, agencies))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.status == "draft"
    assert len(campaign.agencies) == 2
    assert campaign.league_estimate == "direct"


def test_the_campaign_chooses_small_area_estimates_for_its_league(client, admin, db):
    version = factories.questionnaire_version()
    data = _form(version, [factories.agency()], league_estimate="small_area")
    assert client.post("/admin/campaigns/new", data=data).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.league_estimate == "small_area"
    page = client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert "ước lượng cho địa bàn nhỏ (Fay–Herriot) nơi có mô hình" in page
    refused = client.post(
        "/admin/campaigns/new", data={**data, "code": "x2", "league_estimate": "best"}
    )
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1


def test_the_campaign_says_whether_runs_correct_for_the_finite_frame(client, admin, db):
    version = factories.questionnaire_version()
    assert client.post("/admin/campaigns/new", data=_form(version, [factories.agency()]))
    campaign = db.session.scalar(select(Campaign))
    assert campaign.finite_population == "frame"  # by default: the frame counts are known
    data = _form(version, [factories.agency()], code="x2", finite_population="none")
    assert client.post("/admin/campaigns/new", data=data).status_code == 302
    other = db.session.scalar(select(Campaign).where(Campaign.code == "x2"))
    assert other.finite_population == "none"
    page = client.get(f"/admin/campaigns/{other.id}").get_data(as_text=True)
    assert "không hiệu chỉnh (coi khung mẫu là vô hạn)" in page
    refused = client.post(
        "/admin/campaigns/new", data={**data, "code": "x3", "finite_population": "half"}
    )
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 2


def test_a_draft_version_cannot_be_chosen(client, admin, db):
    path = QUESTIONNAIRE_DIR / "sipas-organisation.yaml"
    draft = import_definition(
        load_file(path), path.read_text("utf-8"), actor="t", publish=False
    ).version
    response = client.post("/admin/campaigns/new", data=_form(draft, [factories.agency()]))
    assert response.status_code == 200
    assert db.session.scalar(select(Campaign)) is None


def test_the_state_machine_goes_draft_open_closed_only(client, admin, db):
    campaign = factories.campaign(agencies=[factories.agency()])
    url = f"/admin/campaigns/{campaign.id}/status"
    assert client.post(url, data={"status": "closed"}).status_code == 409
    assert client.post(url, data={"status": "open"}).status_code == 302
    assert client.post(url, data={"status": "open"}).status_code == 409
    assert client.post(url, data={"status": "closed"}).status_code == 302
    assert client.post(url, data={"status": "open"}).status_code == 409
    assert client.post(url, data={"status": "archived"}).status_code == 409
    db.session.refresh(campaign)
    assert campaign.status == "closed"
    assert campaign.opened_at is not None
    assert campaign.closed_at is not None


@pytest.mark.parametrize(
    ("status", "accepts"), [("draft", False), ("open", True), ("closed", False)]
)
def test_answers_are_accepted_only_while_open(db, status, accepts):
    assert services.accepting_answers(factories.campaign(status=status)) is accepts


def test_the_version_and_agencies_are_fixed_once_opened(db):
    agency = factories.agency()
    campaign = factories.campaign(agencies=[agency])
    services.change_status(campaign, "open", actor="t", user_id=None)
    path = QUESTIONNAIRE_DIR / "sipas-organisation.yaml"
    other = import_definition(load_file(path), path.read_text("utf-8"), actor="t").version
    with (
        force_locale("en"),
        pytest.raises(services.CampaignError, match="cannot change once a campaign opened"),
    ):
        services.save_campaign(
            campaign,
            code=campaign.code,
            name_vi="x",
            name_en="x",
            version=other,
            period=(campaign.period_start, campaign.period_end),
            agencies=[agency],
            actor="t",
            user_id=None,
        )
    with pytest.raises(services.CampaignError, match="agencies cannot change"):
        services.save_campaign(
            campaign,
            code=campaign.code,
            name_vi="x",
            name_en="x",
            version=campaign.questionnaire_version,
            period=(campaign.period_start, campaign.period_end),
            agencies=[agency, factories.agency()],
            actor="t",
            user_id=None,
        )


def test_two_open_campaigns_may_not_share_an_agency_and_days(db, app):
    """The second would silently take the first one's QR answers."""
    from datetime import timedelta

    shared, other = factories.agency(code="SXD"), factories.agency(code="STP")
    first = factories.campaign(code="first", agencies=[shared, other])
    services.change_status(first, "open", actor="t", user_id=None)
    second = factories.campaign(code="second", agencies=[shared, factories.agency()])
    with (
        app.test_request_context("/?lang=en"),
        pytest.raises(services.CampaignError, match=r"first \(SXD\)"),
    ):
        services.change_status(second, "open", actor="t", user_id=None)
    assert second.status == "draft"
    after = first.period_end + timedelta(days=1)
    later = factories.campaign(
        code="later", agencies=[shared], period_start=after, period_end=after + timedelta(days=90)
    )
    services.change_status(later, "open", actor="t", user_id=None)
    assert later.status == "open", "different days do not clash"


def _campaign_with_services(db):
    agency = factories.agency(code="SXD")
    land = factories.service_field(code="DD")
    factories.service(agency=agency, field=land)
    return factories.campaign(agencies=[agency]), agency, land


def test_frame_counts_are_entered_in_the_table(client, admin, db):
    campaign, agency, land = _campaign_with_services(db)
    page = client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'name="count-{agency.id}-{land.id}-citizen"' in page
    client.post(
        f"/admin/campaigns/{campaign.id}/frame-counts",
        data={f"count-{agency.id}-{land.id}-citizen": "1234"},
    )
    assert db.session.scalar(select(FrameCount.dossiers)) == 1234
    client.post(
        f"/admin/campaigns/{campaign.id}/frame-counts",
        data={f"count-{agency.id}-{land.id}-citizen": "-5"},
    )
    assert db.session.scalar(select(FrameCount.dossiers)) == 1234


def _upload(client, campaign, text):
    return client.post(
        f"/admin/campaigns/{campaign.id}/frame-counts/import",
        data={"file": (BytesIO(text.encode()), "frame.csv")},
        content_type="multipart/form-data",
    )


def test_frame_counts_import_all_or_nothing(client, admin, db):
    campaign, _agency, _land = _campaign_with_services(db)
    bad = _upload(
        client, campaign, "agency_code,field_code,dossiers\nSXD,DD,100\nBMT,DD,5\nSXD,XX,abc\n"
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "dòng 3, cột agency_code: BMT không thuộc đợt khảo sát này" in page
    assert "dòng 4, cột field_code: không có lĩnh vực XX" in page
    assert "dòng 4, cột dossiers: abc không phải số nguyên ≥ 0" in page
    assert db.session.scalar(select(FrameCount)) is None
    good = _upload(client, campaign, "agency_code,field_code,dossiers\nSXD,DD,100\n")
    assert good.status_code == 302
    assert db.session.scalar(select(FrameCount.dossiers)) == 100


def test_invitations_are_imported_from_the_campaign_page(client, admin, db):
    """As the CLI: all rows or none with every bad row named; known dossiers skipped."""
    import io
    from datetime import date

    from survey.campaigns.models import Invitation

    agency = factories.agency(code="SXD")
    service = factories.service(agency=agency)
    campaign = factories.campaign(agencies=[agency], status="open")
    db.session.commit()
    page = client.get(f"/admin/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    assert "Single-use survey links" in page
    header = "dossier_code,agency_code,service_code,returned_date\n"
    good = f"H1,SXD,{service.code},{date.today():%Y-%m-%d}\n"

    def upload(text):
        return client.post(
            f"/admin/campaigns/{campaign.id}/invitations/import?lang=en",
            data={"links-file": (io.BytesIO(text.encode()), "d.csv"), "links-valid_days": "30"},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    bad = upload(header + good + "H2,SXD,,2026-01-01\nH3,XXX,S,2026-01-01\n")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "the service code is empty" in text
    assert "XXX is not an agency of this campaign" in text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert "Created 1 links; skipped 0" in upload(header + good).get_data(as_text=True)
    again = upload(header + good + f"H4,SXD,{service.code},{date.today():%Y-%m-%d}\n")
    assert "Created 1 links; skipped 1" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2
