"""The survey in steps, as a phone without JavaScript sees it: one section per step, the
answers kept on the server between steps, stored exactly once at the end."""

import base64
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from survey.responses import steps
from survey.responses.models import Answer, Submission, SurveyDraft
from tests import factories
from tests.respond.conftest import complete_answers, form_fields

SECTIONS = {
    1: ("A1", "A2", "A3", "A4", "A5", "A6"),
    2: ("B1", "B2", "B3", "B4"),
}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _items(page: str) -> list[str]:
    return re.findall(r'<div class="survey-item[^"]*" id="item-([A-Z0-9]+)"', page)


def _step(page: str) -> int:
    return int(re.search(r'name="step" value="(\d+)"', page).group(1))


def _post(client, page, step_answers, nav="next", url="/p/sxd-1"):
    """Post a step and follow the redirect every post is answered with (PRG): the page
    the respondent then sees, read with GET."""
    data = {**form_fields(page), "step": str(_step(page)), "nav": nav, **step_answers}
    posted = client.post(url, data=data)
    assert posted.status_code == 303, posted.status_code
    return client.get(posted.headers["Location"])


def _of(answers: dict, codes) -> dict:
    return {k: v for k, v in answers.items() if k in codes}


def test_the_first_step_shows_one_section_and_where_it_stands(client, open_campaign):
    page = client.get("/p/sxd-1").get_data(as_text=True)
    assert _items(page) == list(SECTIONS[1])
    assert "Bước 1 / 4" in page
    assert '<progress value="1" max="4"' in page
    assert 'href="/p/sxd-1?all=1"' in page, "one page on request"
    assert "Quay lại" not in page, "nothing to go back to"
    one_page = client.get("/p/sxd-1?all=1").get_data(as_text=True)
    assert len(_items(one_page)) == 40


def test_each_step_has_its_own_address_and_every_post_redirects(client, open_campaign, db):
    """Post/Redirect/Get: a post is answered with 303 to the next step's address, so the
    phone's Back, Forward and reload read pages and never send anything again."""
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id)
    first = client.get("/p/sxd-1").get_data(as_text=True)
    data = {**form_fields(first), "step": "1", "nav": "next", **_of(answers, SECTIONS[1])}
    posted = client.post("/p/sxd-1", data=data)
    assert posted.status_code == 303
    assert posted.headers["Location"] == "/p/sxd-1?step=2"
    second = client.get("/p/sxd-1?step=2").get_data(as_text=True)
    assert _step(second) == 2
    # Back (the browser's): the first step's address shows the answers kept.
    back = client.get("/p/sxd-1").get_data(as_text=True)
    assert _step(back) == 1
    assert 'checked id="A2-2"' in back
    assert form_fields(back)["form_token"] == form_fields(first)["form_token"]
    # Forward, and a reload: the same page, nothing sent, nothing stored.
    assert client.get("/p/sxd-1?step=2").get_data(as_text=True) == second
    assert _count(db, Submission) == 0
    # Another browser has nothing kept: a later step's address leads to the beginning.
    other = client.application.test_client()
    assert other.get("/p/sxd-1?step=3").headers["Location"] == "/p/sxd-1"
    assert client.get("/p/sxd-1?step=9").status_code == 404


def test_the_steps_keep_answers_check_each_section_and_store_once(client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id, B4="1", PA1="5", PA2="4", PA3="3")
    first = client.get("/p/sxd-1").get_data(as_text=True)
    token = form_fields(first)["form_token"]

    # A required answer missing: this step again, its error only, what was typed kept.
    data = {**form_fields(first), "step": "1", "nav": "next", **_of(answers, ["A2"])}
    posted = client.post("/p/sxd-1", data=data)
    assert posted.headers["Location"] == "/p/sxd-1?check=1"
    text = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert _step(text) == 1
    assert "Câu 1:" in text, "the missing question, by its number"
    assert "Câu 7:" not in text, "later steps are not judged yet"
    assert 'checked id="A2-2"' in text, "what was typed is kept"
    assert _count(db, Submission) == 0

    page = _post(client, text, _of(answers, SECTIONS[1])).get_data(as_text=True)
    assert (_step(page), _items(page)) == (2, list(SECTIONS[2]))
    assert form_fields(page)["form_token"] == token, "one form, one key, all the way"
    assert "error-summary" not in page

    # Back keeps what was typed on this step and shows the earlier answers again.
    back = _post(client, page, {"B2": "2"}, nav="back").get_data(as_text=True)
    assert _step(back) == 1
    assert 'checked id="A2-2"' in back, "A2 = 3 is the third option"
    again = _post(client, back, _of(answers, SECTIONS[1])).get_data(as_text=True)
    assert 'checked id="B2-1"' in again, "B2 = 2 was kept"

    third = _post(client, again, _of(answers, SECTIONS[2])).get_data(as_text=True)
    assert _step(third) == 3
    # B4 = 1 (gave feedback) was answered on the step before: the feedback items are
    # simply there, with no rule or note for the browser.
    assert {"PA1", "PA2", "PA3"} <= set(_items(third))
    assert "data-show-if" not in third
    criteria = list(_items(third))
    fourth = _post(client, third, _of(answers, criteria)).get_data(as_text=True)
    assert _step(fourth) == 4
    assert "Gửi câu trả lời" in fourth, "the last step sends"
    assert _count(db, Submission) == 0, "nothing is stored before the end"
    assert _count(db, SurveyDraft) == 1

    data = {**form_fields(fourth), "step": "4", "nav": "send", "E10": "Nhanh gọn"}
    sent = client.post("/p/sxd-1?step=4", data=data)
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("/thanks")
    twice = client.post("/p/sxd-1?step=4", data=data)
    assert twice.status_code == 303, "a second press of Send thanks again"
    assert twice.headers["Location"].endswith("/thanks")
    assert _count(db, Submission) == 1
    assert _count(db, SurveyDraft) == 0, "the draft goes with the sending"
    stored = dict(db.session.execute(select(Answer.item_code, Answer.value_int)).all())
    assert stored["A2"] == 3
    assert stored["B2"] == 1, "the answer given when the step was sent again"
    assert stored["PA3"] == 3
    submission = db.session.scalar(select(Submission))
    assert submission.duration_seconds is not None, "timed from the first step"
    # Back after sending: no form to send again, but a thank-you.
    back = client.get("/p/sxd-1?step=4").get_data(as_text=True)
    assert 'name="form_token"' not in back
    assert "Ông/bà đã trả lời rồi" in back


def test_a_rule_settled_in_an_earlier_step_leaves_its_items_out(client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id)  # B4 = 3: no feedback
    page = client.get("/p/sxd-1").get_data(as_text=True)
    page = _post(client, page, _of(answers, SECTIONS[1])).get_data(as_text=True)
    page = _post(client, page, _of(answers, SECTIONS[2])).get_data(as_text=True)
    assert _step(page) == 3
    assert not {"PA1", "PA2", "PA3"} & set(_items(page))
    assert "HL" in _items(page)


def test_the_language_can_change_between_and_within_steps(client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id)
    page = client.get("/p/sxd-1").get_data(as_text=True)
    page = _post(client, page, _of(answers, SECTIONS[1])).get_data(as_text=True)
    data = {**form_fields(page), "step": "2", "B2": "2", "switch_language": "en"}
    posted = client.post("/p/sxd-1?lang=en", data=data)
    assert posted.headers["Location"] == "/p/sxd-1?step=2"
    switched = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Step 2 of 4" in switched
    assert 'checked id="B2-1"' in switched
    assert "error-summary" not in switched
    assert _count(db, Submission) == 0


def test_a_step_that_is_not_one_is_refused(client, open_campaign, db):
    page = client.get("/p/sxd-1").get_data(as_text=True)
    for step in ("0", "5", "x", "²", "9" * 5000, "٣"):
        data = {**form_fields(page), "step": step, "nav": "next"}
        assert client.post("/p/sxd-1", data=data).status_code == 400
    assert _count(db, SurveyDraft) == 0


def test_a_draft_names_nothing_and_expires(app, client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id)
    page = client.get("/p/sxd-1").get_data(as_text=True)
    _post(client, page, _of(answers, SECTIONS[1]))
    draft = db.session.scalar(select(SurveyDraft))
    cookie = client.get_cookie("session").value
    assert form_fields(page)["form_token"] not in cookie, "the cookie is signed, not plain"
    assert form_fields(page)["form_token"] not in draft.key
    stored = json.dumps(draft.values)
    assert set(draft.values) == {"sealed"}, "sealed with the browser's key"
    blob = base64.b64decode(draft.values["sealed"])
    assert not any(f'"{code}"'.encode() in blob for code in SECTIONS[1]), stored
    assert steps.unseal("some other key", draft.values) == {}
    assert draft.updated_at.minute == 0, "kept to the hour"
    draft.updated_at -= steps.DRAFT_MAX_AGE + timedelta(hours=1)
    db.session.commit()
    assert steps.purge_expired() == 1
    assert _count(db, SurveyDraft) == 0


def test_a_links_service_stays_chosen_on_the_step_that_asks_for_it(client, open_campaign, db):
    from survey.campaigns.models import Invitation
    from survey.db import utcnow

    campaign, agency, _ = open_campaign
    second = factories.service(agency=agency, name_vi="Cấp phép sửa chữa")
    db.session.add(
        Invitation(
            campaign=campaign,
            agency=agency,
            token="s" * 22,
            service=second,
            expires_at=utcnow() + timedelta(days=3),
        )
    )
    db.session.commit()
    url = "/s/" + "s" * 22
    answers = complete_answers(second.id)
    page = client.get(url).get_data(as_text=True)
    step_two = _post(client, page, _of(answers, SECTIONS[1]), url=url).get_data(as_text=True)
    chosen = re.search(r'<input checked id="B1-\d+" name="B1"[^>]*value="(\d+)"', step_two)
    assert chosen, "the dossier's service is chosen on the step that asks for it"
    assert int(chosen.group(1)) == second.id
    # The respondent posts step 2 without touching B1 (a phone sends what is checked).
    step_two_answers = {k: v for k, v in _of(answers, SECTIONS[2]).items() if k != "B1"}
    step_two_answers["B1"] = chosen.group(1)
    third = _post(client, step_two, step_two_answers, url=url).get_data(as_text=True)
    fourth = _post(client, third, _of(answers, _items(third)), url=url).get_data(as_text=True)
    assert _step(fourth) == 4
    data = {**form_fields(fourth), "step": "4", "nav": "send"}
    assert client.post(url + "?step=4", data=data).status_code == 303
    stored = db.session.scalar(select(Submission))
    assert stored is not None
    assert stored.service_id == second.id


def test_an_unanswered_step_is_each_respondents_own_though_rendered_once(
    app, client, open_campaign, db
):
    """A later step nobody has answered yet is the same page for every respondent whose
    earlier answers hide the same items (rendered once, its tokens filled in): one who
    gives feedback (B4 = 1) sees the PA items, one who does not (B4 = 3) does not, and each
    page carries its respondent's own form token."""
    _, agency, _ = open_campaign
    seen = []
    for feedback in ("3", "1", "3"):
        respondent = app.test_client()
        answers = {**complete_answers(agency.services[0].id), "B4": feedback}
        page = respondent.get("/p/sxd-1").get_data(as_text=True)
        token = form_fields(page)["form_token"]
        page = _post(respondent, page, _of(answers, SECTIONS[1])).get_data(as_text=True)
        page = _post(respondent, page, _of(answers, SECTIONS[2])).get_data(as_text=True)
        assert _step(page) == 3
        assert form_fields(page)["form_token"] == token, "the respondent's own form"
        seen.append((feedback, {"PA1", "PA2", "PA3"} <= set(_items(page)), token))
        assert _post(respondent, page, _of(answers, _items(page))).status_code == 200
    assert [(f, shown) for f, shown, _ in seen] == [("3", False), ("1", True), ("3", False)]
    assert len({token for _, _, token in seen}) == 3
