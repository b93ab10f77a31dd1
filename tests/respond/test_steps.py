"""The survey in steps, as a phone without JavaScript sees it: one section per step, the
answers kept on the server between steps, stored exactly once at the end."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from survey.responses import steps
from survey.responses.models import Answer, Submission, SurveyDraft
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
    data = {**form_fields(page), "step": str(_step(page)), "nav": nav, **step_answers}
    return client.post(url, data=data)


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


def test_the_steps_keep_answers_check_each_section_and_store_once(client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id, B4="1", PA1="5", PA2="4", PA3="3")
    first = client.get("/p/sxd-1").get_data(as_text=True)
    token = form_fields(first)["form_token"]

    # A required answer missing: this step again, its error only, nothing kept.
    refused = _post(client, first, _of(answers, ["A2"]))
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert _step(text) == 1
    assert "Câu 1:" in text, "the missing question, by its number"
    assert "Câu 7:" not in text, "later steps are not judged yet"
    assert _count(db, SurveyDraft) == 0

    second = _post(client, first, _of(answers, SECTIONS[1]))
    assert second.status_code == 200
    page = second.get_data(as_text=True)
    assert (_step(page), _items(page)) == (2, list(SECTIONS[2]))
    assert form_fields(page)["form_token"] == token, "one form, one key, all the way"

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

    sent = _post(client, fourth, {"E10": "Nhanh gọn"}, nav="send")
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("/thanks")
    twice = _post(client, fourth, {"E10": "Nhanh gọn"}, nav="send")
    assert twice.status_code == 303, "a second press of Send thanks again"
    assert _count(db, Submission) == 1
    assert _count(db, SurveyDraft) == 0, "the draft goes with the sending"
    stored = dict(db.session.execute(select(Answer.item_code, Answer.value_int)).all())
    assert stored["A2"] == 3
    assert stored["B2"] == 1, "the answer given when the step was sent again"
    assert stored["PA3"] == 3
    submission = db.session.scalar(select(Submission))
    assert submission.duration_seconds is not None, "timed from the first step"


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
    switched = client.post("/p/sxd-1?lang=en", data=data).get_data(as_text=True)
    assert "Step 2 of 4" in switched
    assert 'checked id="B2-1"' in switched
    assert _count(db, Submission) == 0


def test_a_step_that_is_not_one_is_refused(client, open_campaign, db):
    page = client.get("/p/sxd-1").get_data(as_text=True)
    for step in ("0", "5", "x", "²"):
        data = {**form_fields(page), "step": step, "nav": "next"}
        assert client.post("/p/sxd-1", data=data).status_code == 400
    assert _count(db, SurveyDraft) == 0


def test_a_draft_names_nothing_and_expires(app, client, open_campaign, db):
    _, agency, _ = open_campaign
    answers = complete_answers(agency.services[0].id)
    page = client.get("/p/sxd-1").get_data(as_text=True)
    _post(client, page, _of(answers, SECTIONS[1]))
    draft = db.session.scalar(select(SurveyDraft))
    assert form_fields(page)["form_token"] not in draft.key
    assert set(draft.values) == set(SECTIONS[1])
    assert draft.updated_at.minute == 0, "kept to the hour"
    draft.updated_at -= steps.DRAFT_MAX_AGE + timedelta(hours=1)
    db.session.commit()
    assert steps.purge_expired() == 1
    assert _count(db, SurveyDraft) == 0
