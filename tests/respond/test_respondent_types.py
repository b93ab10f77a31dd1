"""Citizens and organisations in one campaign: the ways in (QR, link, paper), the
validation of the pair of questionnaires, and the imports that carry the applicant type."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from survey.campaigns import services as campaign_services
from survey.campaigns.invitations import import_invitations
from survey.campaigns.models import FrameCount
from survey.csv_files import CsvError
from survey.dossiers.importing import import_records
from survey.dossiers.models import DossierRecord
from survey.paper import entry, issuing
from survey.paper.serials import is_well_formed, respondent_type_of
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.services import import_definition
from survey.responses.models import Answer, Submission
from tests import factories
from tests.paper.conftest import make_user, paper_answers
from tests.respond.conftest import always_asked_criteria, form_fields


@pytest.fixture
def both(db):
    """An open campaign surveying citizens and organisations at one agency."""
    agency = factories.agency(code="SCT", name_vi="Sở Công Thương")
    field = factories.service_field(code="CT")
    service = factories.service(agency=agency, field=field, name_vi="Cấp giấy phép kinh doanh")
    point = factories.service_point(code="sct-1", agency=agency)
    campaign = factories.campaign(agencies=[agency], status="open")
    organisation = factories.questionnaire_version("sipas-organisation.yaml")
    campaign.set_versions({"citizen": campaign.questionnaire_version, "organisation": organisation})
    db.session.commit()
    return campaign, agency, point, service


def organisation_answers(service_id: int) -> dict[str, str]:
    answers = {"O1": "2", "A1": "1", "B1": str(service_id), "B2": "1", "B4": "3"}
    answers.update(dict.fromkeys(always_asked_criteria(), "4"))
    return answers


def test_the_qr_code_asks_on_whose_behalf_then_gives_that_form(client, both, db):
    campaign, _agency, _point, service = both
    page = client.get("/p/sct-1").get_data(as_text=True)
    assert "Bạn đến làm thủ tục cho ai?" in page
    assert 'href="/p/sct-1/citizen"' in page
    assert 'href="/p/sct-1/organisation"' in page
    assert "Cho tổ chức" in page
    assert "Cho bản thân hoặc gia đình" in page
    assert 'name="TC1"' not in page, "no form before the respondent chose"
    # Posting to the chooser is refused, not stored under a guessed type.
    assert client.post("/p/sct-1", data={"TC1": "4"}).status_code == 400

    form = client.get("/p/sct-1/organisation?all=1").get_data(as_text=True)
    assert "Loại hình tổ chức" in form
    assert 'name="O1"' in form
    assert 'name="A2"' not in form, "an organisation is not asked its age"
    response = client.post(
        "/p/sct-1/organisation", data={**form_fields(form), **organisation_answers(service.id)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = db.session.scalar(select(Submission))
    assert stored.respondent_type == "organisation"
    assert stored.questionnaire_version_id == campaign.version_for("organisation").id
    assert {a.item_code for a in stored.answers} >= {"O1", "TC1"}

    citizen = client.get("/p/sct-1/citizen?again=1&all=1").get_data(as_text=True)
    assert 'name="A2"' in citizen
    assert 'name="O1"' not in citizen


def test_a_respondent_type_the_campaign_does_not_survey_is_not_found(client, open_campaign):
    assert client.get("/p/sxd-1/organisation").status_code == 404
    assert client.get("/p/sxd-1/business").status_code == 404
    # A campaign of citizens only goes straight to its form, as before.
    assert 'name="A2"' in client.get("/p/sxd-1?all=1").get_data(as_text=True)


def test_a_link_opens_the_form_of_its_dossiers_applicant(client, both, db):
    campaign, agency, _point, service = both
    link = factories.invitation(campaign, agency, applicant_type="organisation")
    db.session.commit()
    form = client.get(f"/s/{link.token}?all=1").get_data(as_text=True)
    assert 'name="O1"' in form
    assert 'name="A2"' not in form
    response = client.post(
        f"/s/{link.token}", data={**form_fields(form), **organisation_answers(service.id)}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Submission.respondent_type)) == "organisation"


def test_a_link_whose_applicant_has_no_form_in_the_campaign_is_gone(client, open_campaign, db):
    campaign, agency, _point = open_campaign
    link = factories.invitation(campaign, agency, applicant_type="organisation")
    db.session.commit()
    assert client.get(f"/s/{link.token}").status_code == 410


def test_paper_forms_for_organisations_say_so_in_their_serial_and_key_that_form(both, db):
    campaign, agency, _point, _service = both
    first, second = make_user("keyer.a"), make_user("keyer.b")
    citizens = issuing.create_batch(campaign, agency, 2, actor="test", user_id=None)
    organisations = issuing.create_batch(
        campaign, agency, 2, respondent_type="organisation", actor="test", user_id=None
    )
    assert [f.serial[:6] for f in citizens.forms] == ["SCT-00", "SCT-00"]
    serial = organisations.forms[0].serial
    assert serial.startswith("SCT-T00000")
    assert is_well_formed(serial)
    assert respondent_type_of(serial) == "organisation"
    assert respondent_type_of(citizens.forms[0].serial) == "citizen"
    assert organisations.definition().code == "sipas-organisation"
    typed = paper_answers(organisations.definition(), O1="3")
    for keyer in (first, second):
        keyed = entry.record_entry(
            organisations, serial, typed, keyer=keyer, started_at=None, interview_date=""
        )
    stored = db.session.get(Submission, keyed.form.submission_id)
    assert stored.respondent_type == "organisation"
    assert stored.questionnaire_version_id == campaign.version_for("organisation").id
    assert (
        db.session.scalar(
            select(Answer.value_int).where(
                Answer.submission_id == stored.id, Answer.item_code == "O1"
            )
        )
        == 3
    )


def test_a_campaign_of_citizens_only_prints_no_organisation_forms(open_campaign, db):
    campaign, agency, _point = open_campaign
    with force_locale("en"), pytest.raises(Exception, match="no questionnaire for organisations"):
        issuing.create_batch(
            campaign, agency, 1, respondent_type="organisation", actor="test", user_id=None
        )


def _organisation_variant(db, change):
    """A published organisation questionnaire whose content `change` edits."""
    definition = load_file(QUESTIONNAIRE_DIR / "sipas-organisation.yaml")
    content = copy.deepcopy(dict(definition.content))
    content["code"] = "sipas-organisation-variant"
    change(content)
    from survey.questionnaires.definition import Definition

    variant = Definition.from_content(content)
    return import_definition(variant, "# variant\n", actor="test").version


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda c: c["index"].update(threshold=3), "threshold: 4 ≠ 3"),
        (
            lambda c: c["sections"][2]["items"].pop(0),
            "items of TC",
        ),
        (lambda c: c["index"].update(code="SIPAS2"), "index code: SIPAS ≠ SIPAS2"),
    ],
)
def test_a_pair_measuring_different_indices_is_refused(db, change, found):
    citizen = factories.questionnaire_version()
    other = _organisation_variant(db, change)
    agency = factories.agency()
    with force_locale("en"), pytest.raises(campaign_services.CampaignError) as refused:
        campaign_services.save_campaign(
            None,
            code="pair",
            name_vi="Đợt",
            name_en="Campaign",
            versions={"citizen": citizen, "organisation": other},
            period=(date(2026, 1, 1), date(2026, 12, 31)),
            agencies=[agency],
            actor="test",
            user_id=None,
        )
    assert "do not measure the same index" in str(refused.value)
    assert found in str(refused.value)


def test_a_version_is_refused_for_the_other_respondent_type(db):
    organisation = factories.questionnaire_version("sipas-organisation.yaml")
    with force_locale("en"), pytest.raises(campaign_services.CampaignError, match="not for"):
        campaign_services.check_versions({"citizen": organisation})
    with force_locale("en"), pytest.raises(campaign_services.CampaignError, match="Choose"):
        campaign_services.check_versions({})


def test_the_campaign_form_pins_both_questionnaires(client, login_as, db):
    login_as("admin")
    citizen = factories.questionnaire_version()
    organisation = factories.questionnaire_version("sipas-organisation.yaml")
    agency = factories.agency()
    db.session.commit()
    page = client.get("/admin/campaigns/new").get_data(as_text=True)
    assert "Phiếu cho tổ chức" in page
    assert "Phiếu cho người dân" in page
    data = {
        "code": "both",
        "name_vi": "Đợt",
        "name_en": "Campaign",
        "version_id": str(citizen.id),
        "organisation_version_id": str(organisation.id),
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "agency_ids": [str(agency.id)],
        "design": "element",
        "design_strata": "cell",
        "design_cluster": "",
        "weighting": "frame",
        "league_estimate": "direct",
    }
    response = client.post("/admin/campaigns/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    from survey.campaigns.models import Campaign

    stored = db.session.scalar(select(Campaign).where(Campaign.code == "both"))
    assert {k: v.id for k, v in stored.versions.items()} == {
        "citizen": citizen.id,
        "organisation": organisation.id,
    }
    # Editing shows both pinned versions chosen (Campaign.version_id, a method, once
    # showed the citizens' as "not surveyed", and saving the page unchanged dropped it).
    edit = client.get(f"/admin/campaigns/{stored.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{citizen.id}">' in edit
    assert f'<option selected value="{organisation.id}">' in edit
    # The organisation questionnaire offered as the citizens' one is not a choice.
    wrong = client.post(
        "/admin/campaigns/new", data={**data, "code": "wrong", "version_id": str(organisation.id)}
    )
    assert wrong.status_code == 200
    assert db.session.scalar(select(Campaign).where(Campaign.code == "wrong")) is None


def test_frame_counts_of_a_two_type_campaign_need_the_type_column(both, db):
    campaign, _agency, _point, _service = both
    with force_locale("en"), pytest.raises(CsvError) as refused:
        campaign_services.import_frame_counts(
            campaign, b"agency_code,field_code,dossiers\nSCT,CT,100\n", actor="t", user_id=None
        )
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "respondent_type")
    assert db.session.scalar(select(FrameCount)) is None
    count = campaign_services.import_frame_counts(
        campaign,
        b"agency_code,field_code,respondent_type,dossiers\nSCT,CT,citizen,100\n"
        b"SCT,CT,organisation,300\n",
        actor="t",
        user_id=None,
    )
    assert count == 2
    assert {(f.respondent_type, f.dossiers) for f in campaign.frame_counts} == {
        ("citizen", 100),
        ("organisation", 300),
    }


def test_dossier_records_and_invitations_carry_the_applicant_type(both, db):
    campaign, _agency, _point, service = both
    header = (
        "dossier_code,agency_code,service_code,channel,received_date,due_date,"
        "returned_date,result,phone,applicant_type\n"
    )
    row = f"D1,SCT,{service.code},counter,2026-03-01,2026-03-10,2026-03-06,approved,,"
    with force_locale("en"), pytest.raises(CsvError) as refused:
        import_records((header + row + "company\n").encode(), actor="test")
    assert refused.value.problems[0].column == "applicant_type"
    import_records(
        (header + row + "organisation\n" + row.replace("D1", "D2") + "\n").encode(), actor="test"
    )
    kinds = dict(
        db.session.execute(select(DossierRecord.dossier_code, DossierRecord.applicant_type)).all()
    )
    assert kinds == {"D1": "organisation", "D2": "citizen"}

    links = (
        "dossier_code,agency_code,service_code,returned_date,applicant_type\n"
        f"L1,SCT,{service.code},2026-03-06,organisation\nL2,SCT,{service.code},2026-03-06,\n"
    )
    import_invitations(campaign, links.encode(), valid_days=30, actor="test", user_id=None)
    from survey.campaigns.models import Invitation

    assert dict(
        db.session.execute(select(Invitation.dossier_code, Invitation.applicant_type)).all()
    ) == {
        "L1": "organisation",
        "L2": "citizen",
    }
