import re
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from survey.campaigns.models import Invitation
from survey.db import utcnow
from survey.local_time import today
from survey.responses import coded
from survey.responses.coded import coded_items
from survey.responses.models import Answer, Submission
from tests.respond.conftest import complete_answers, form_fields, refused


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _service_id(agency):
    return agency.services[0].id


def test_the_qr_code_of_a_point_opens_the_agency_survey(client, open_campaign):
    response = client.get("/p/sxd-1?all=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sở Xây dựng" in page
    assert "Cấp giấy phép xây dựng" in page, "the respondent picks the service used"
    assert '<fieldset id="TC1" class="field scale"' in page
    assert "<legend>" in page
    assert 'name="website"' in page, "the honeypot is there"


def test_a_complete_answer_is_stored_once(client, open_campaign, db):
    _, agency, point = open_campaign
    hidden = form_fields(client.get("/p/sxd-1").get_data(as_text=True))
    data = {**hidden, **complete_answers(_service_id(agency), E10="  Tốt  ")}
    first = client.post("/p/sxd-1", data=data)
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/thanks")
    again = client.post("/p/sxd-1", data=data)
    assert again.status_code == 303, "a refresh or back-button repost shows the thanks page"
    assert _count(db, Submission) == 1
    submission = db.session.scalar(select(Submission))
    assert (submission.channel, submission.service_point_id) == ("web-qr", point.id)
    assert submission.service_id == _service_id(agency)
    assert submission.duration_seconds is not None
    assert len(submission.client_hash) == 32
    answers = {a.item_code: a.value for a in submission.answers}
    assert answers["TC1"] == 4
    assert answers["E10"] == "Tốt"
    assert "B1" not in answers, "the service is on the submission, not an answer"
    assert "PA1" not in answers
    # The coded copy the analysis reads says the same as the answer rows.
    codes = coded_items(submission.questionnaire_version.definition())
    decoded = [item[0] for item in coded.decode(submission.coded_answers.encode(), 1, len(codes))]
    for code, value in zip(codes, decoded, strict=True):
        assert answers.get(code) == (None if np.isnan(value) else int(value)), code
    assert (submission.submitted_at.second, submission.submitted_at.microsecond) == (0, 0), (
        "times are kept to the minute"
    )


def test_skipped_items_are_neither_required_nor_stored(client, open_campaign, db):
    _, agency, _ = open_campaign
    hidden = form_fields(client.get("/p/sxd-1").get_data(as_text=True))
    data = {**hidden, **complete_answers(_service_id(agency), B4="3", PA1="5", PA2="1")}
    assert client.post("/p/sxd-1", data=data).status_code == 303
    stored = set(db.session.scalars(select(Answer.item_code)))
    assert not stored & {"PA1", "PA2", "PA3"}


def test_shown_items_are_required(client, open_campaign, db):
    _, agency, _ = open_campaign
    hidden = form_fields(client.get("/p/sxd-1").get_data(as_text=True))
    response = client.post(
        "/p/sxd-1", data={**hidden, **complete_answers(_service_id(agency), B4="1", TC2=None)}
    )
    page = refused(client, response).get_data(as_text=True)
    assert "Xin vui lòng trả lời câu hỏi này." in page
    assert 'href="#TC2"' in page
    assert 'href="#PA1"' in page, "PA is asked once the respondent gave feedback"
    assert 'checked id="TC1-3"' in page, "answers are kept"
    assert _count(db, Submission) == 0


def test_the_survey_speaks_english_on_request(client, open_campaign):
    page = client.get("/p/sxd-1?lang=en&all=1").get_data(as_text=True)
    assert "The civil servant is polite and respectful." in page
    assert "Very satisfied" in page


@pytest.mark.parametrize(
    ("status", "url_code", "expected"),
    [("draft", "sxd-1", 410), ("closed", "sxd-1", 410), ("open", "nope", 404)],
)
def test_points_without_an_open_survey_get_a_friendly_page(
    client, open_campaign, db, status, url_code, expected
):
    campaign, _, _ = open_campaign
    campaign.status = status
    db.session.commit()
    response = client.get(f"/p/{url_code}")
    assert response.status_code == expected
    assert "<h1>" in response.get_data(as_text=True)


def test_a_point_says_plainly_why_it_leads_to_no_survey(client, open_campaign, db):
    """A point whose agency was never in a campaign does not say "no longer open"; one
    whose campaign opens later says when; one whose campaign closed says it ended."""
    campaign, agency, _ = open_campaign
    campaign.agencies = []
    db.session.commit()
    page = client.get("/p/sxd-1?lang=en").get_data(as_text=True)
    assert "<h1>There is no survey here</h1>" in page
    assert "no longer" not in page
    assert "ended" not in page
    campaign.agencies = [agency]
    campaign.period_start = today() + timedelta(days=3)
    db.session.commit()
    page = client.get("/p/sxd-1?lang=en").get_data(as_text=True)
    assert "has not started yet" in page
    assert (today() + timedelta(days=3)).strftime("%d/%m/%Y") in page
    campaign.period_start = today() - timedelta(days=3)
    campaign.status = "closed"
    db.session.commit()
    page = client.get("/p/sxd-1?lang=vi").get_data(as_text=True)
    assert "Đợt khảo sát tại đây đã kết thúc" in page


def test_a_deactivated_point_is_gone(client, open_campaign, db):
    _, _, point = open_campaign
    point.active = False
    db.session.commit()
    assert client.get("/p/sxd-1").status_code == 410


def _invitation(db, campaign, agency, **values):
    invitation = Invitation(
        campaign=campaign,
        agency=agency,
        token=values.pop("token", "t" * 22),
        dossier_code=values.pop("dossier_code", "H01.2026.001"),
        service=agency.services[0],
        expires_at=values.pop("expires_at", utcnow() + timedelta(days=30)),
        **values,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def test_a_dossier_link_is_single_use(client, open_campaign, db):
    campaign, agency, _ = open_campaign
    invitation = _invitation(db, campaign, agency)
    page = client.get(f"/s/{invitation.token}?all=1").get_data(as_text=True)
    chosen = re.search(r'<input checked id="B1-\d+" name="B1"[^>]*value="(\d+)"', page)
    assert chosen, "the dossier's service is chosen"
    assert int(chosen.group(1)) == _service_id(agency)
    data = {**form_fields(page), **complete_answers(_service_id(agency))}
    assert client.post(f"/s/{invitation.token}", data=data).status_code == 303
    other_tab = {**form_fields(page), **complete_answers(_service_id(agency))}
    assert client.post(f"/s/{invitation.token}", data=other_tab).status_code == 303
    assert _count(db, Submission) == 1
    db.session.refresh(invitation)
    assert invitation.used
    submission = db.session.scalar(select(Submission))
    assert submission.channel == "web-link"
    assert not hasattr(submission, "invitation_id")
    reopened = client.get(f"/s/{invitation.token}")
    assert reopened.status_code == 410
    assert "đã được dùng" in reopened.get_data(as_text=True)


def test_expired_and_unknown_links(client, open_campaign, db):
    campaign, agency, _ = open_campaign
    _invitation(db, campaign, agency, token="e" * 22, expires_at=utcnow() - timedelta(days=1))
    assert client.get("/s/" + "e" * 22).status_code == 410
    assert client.get("/s/" + "x" * 22).status_code == 404


def test_the_honeypot_stores_nothing(client, open_campaign, db):
    _, agency, _ = open_campaign
    hidden = form_fields(client.get("/p/sxd-1").get_data(as_text=True))
    data = {**hidden, **complete_answers(_service_id(agency)), "website": "http://spam"}
    assert client.post("/p/sxd-1", data=data).status_code == 303
    assert _count(db, Submission) == 0


def test_a_forged_form_token_is_refused(client, open_campaign, db):
    _, agency, _ = open_campaign
    data = {"form_token": "forged", **complete_answers(_service_id(agency))}
    assert client.post("/p/sxd-1", data=data).status_code == 400
    assert _count(db, Submission) == 0


def test_a_service_of_another_agency_is_refused(client, open_campaign, db):
    from tests import factories

    other = factories.service()
    db.session.commit()
    hidden = form_fields(client.get("/p/sxd-1").get_data(as_text=True))
    response = client.post("/p/sxd-1", data={**hidden, **complete_answers(other.id)})
    refused(client, response)
    assert _count(db, Submission) == 0


def test_posts_are_rate_limited_per_client(database_url, open_campaign):
    from tests.conftest import make_app

    app = make_app(database_url, RATELIMIT_ENABLED=True, SURVEY_RATE_LIMIT_CLIENT="3/minute")
    client = app.test_client()
    statuses = [client.post("/p/sxd-1", data={}).status_code for _ in range(5)]
    assert statuses[:3] != [429, 429, 429]
    assert statuses[3:] == [429, 429]
    refused = client.post("/p/sxd-1")
    assert "Có quá nhiều yêu cầu" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "60"


@pytest.mark.parametrize("with_text", [True, False])
def test_every_kind_of_answer_is_stored_as_given(open_campaign, db, with_text):
    """Levels, choices, several choices (one row each) and text: PostgreSQL stores them
    with one statement of arrays, SQLite row by row; both must read back the same."""
    from survey.db import utcnow
    from survey.responses.entries import CampaignRef, Named
    from survey.responses.submit import insert_submission

    campaign, agency, point = open_campaign
    values = {"TC1": 5, "A1": 2, "E1": [1, 3, 4]}
    if with_text:
        values["E10"] = "Nhanh hơn, ít giấy tờ hơn"
    submission_id = insert_submission(
        CampaignRef.of(campaign, (("citizen", campaign.questionnaire_version_id, "hash"),)),
        Named(agency.id, agency.name_vi, agency.name_en),
        campaign.questionnaire_version.definition(),
        values,
        channel="web-qr",
        service_id=None,
        service_point_id=point.id,
        started_at=None,
        submitted_at=utcnow(),
        while_open=True,
    )
    rows = db.session.execute(
        select(Answer.item_code, Answer.position, Answer.value_int, Answer.value_text)
        .where(Answer.submission_id == submission_id)
        .order_by(Answer.item_code, Answer.position)
    ).all()
    expected = [("A1", 0, 2, None)]
    expected += [("E1", k, v, None) for k, v in enumerate([1, 3, 4])]
    if with_text:
        expected.append(("E10", 0, None, "Nhanh hơn, ít giấy tờ hơn"))
    expected.append(("TC1", 0, 5, None))
    assert [tuple(r) for r in rows] == expected


def test_each_blank_page_has_its_own_tokens_and_shows_current_names(app, client, open_campaign, db):
    """The blank page is rendered once per point and language, its tokens filled in per
    GET; a renamed point shows its new name once the point view is read again."""
    _, _agency, point = open_campaign
    pages = [app.test_client().get("/p/sxd-1").get_data(as_text=True) for _ in range(2)]
    tokens = [form_fields(page)["form_token"] for page in pages]
    csrf = [re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', p)[1] for p in pages]
    assert tokens[0] != tokens[1]
    assert csrf[0] != csrf[1], "each browser its own session and CSRF token"
    assert pages[0].replace(tokens[0], "").replace(csrf[0], "") == pages[1].replace(
        tokens[1], ""
    ).replace(csrf[1], "")
    assert "slot" not in pages[0]
    point.name_vi = "Quầy mới đặt tên"
    db.session.commit()
    assert "Quầy mới đặt tên" in app.test_client().get("/p/sxd-1").get_data(as_text=True)
