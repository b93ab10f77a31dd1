"""What a citizen sees around the form: the same browser is told it already answered
instead of getting a blank form a second post would store again; errors and skip notes
speak in question numbers, as on paper; codes are read whatever their case; an unknown
address says what to do."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.responses.models import Submission
from tests.respond.conftest import complete_answers, form_fields, refused


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_back_after_thanks_says_already_answered_and_stores_nothing_twice(
    client, open_campaign, db
):
    _, agency, _ = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    answers = complete_answers(agency.services[0].id)
    assert client.post("/p/sxd-1", data={**answers, **form_fields(page)}).status_code == 303
    back = client.get("/p/sxd-1?lang=en").get_data(as_text=True)
    assert "You have already answered" in back
    assert 'name="form_token"' not in back, "no blank form to send a second time"
    # The old page, restored by the browser, posted again: still one submission.
    assert client.post("/p/sxd-1", data={**answers, **form_fields(page)}).status_code == 303
    assert _stored(db) == 1
    # Another service the same day is a new answer, by choice.
    again = client.get("/p/sxd-1?again=1").get_data(as_text=True)
    assert client.post("/p/sxd-1", data={**answers, **form_fields(again)}).status_code == 303
    assert _stored(db) == 2


def test_another_browser_gets_the_form(app, client, open_campaign, db):
    _, agency, _ = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    answers = complete_answers(agency.services[0].id)
    client.post("/p/sxd-1", data={**answers, **form_fields(page)})
    other = app.test_client()
    assert 'name="form_token"' in other.get("/p/sxd-1").get_data(as_text=True)


def test_errors_and_skip_notes_use_the_question_numbers_citizens_see(client, open_campaign, db):
    _, agency, _ = open_campaign
    page = client.get("/p/sxd-1?lang=en&all=1").get_data(as_text=True)
    assert "Answer only if question 10 is 1 (" in page, "the paper form's words, no codes"
    assert "(B4)" not in page
    answers = complete_answers(agency.services[0].id, TC1=None)
    shown = refused(client, client.post("/p/sxd-1?lang=en", data={**answers, **form_fields(page)}))
    text = shown.get_data(as_text=True)
    summary = text[text.index('id="error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert "Question 11:" in summary
    assert "TC1" not in summary.replace('href="#TC1"', "")


def test_required_questions_are_marked(client, open_campaign):
    page = client.get("/p/sxd-1?lang=en&all=1").get_data(as_text=True)
    assert "Questions marked * must be answered." in page
    legend = re.search(r'<fieldset id="TC1".*?<legend>(.*?)</legend>', page, re.S)[1]
    assert 'class="required"' in legend


def test_a_point_code_is_read_whatever_its_case(client, open_campaign):
    assert client.get("/p/SXD-1").status_code == 200
    assert client.get("/p/Sxd-1").status_code == 200


def test_an_unknown_address_says_what_to_do(client, open_campaign):
    response = client.get("/p/nowhere-9?lang=en")
    assert response.status_code == 404
    assert "type the address printed under the code" in response.get_data(as_text=True)


def test_switching_language_keeps_the_answers_given(client, open_campaign, db):
    _, agency, _ = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    assert 'formaction="?lang=en"' in page, "the switch sends the form"
    partial = {"A1": "2", "TC1": "5", "switch_language": "en", **form_fields(page)}
    posted = client.post("/p/sxd-1?lang=en", data=partial)
    assert posted.status_code == 303, "kept, then shown again by GET"
    switched = client.get(posted.headers["Location"])
    text = switched.get_data(as_text=True)
    assert switched.status_code == 200
    assert "Send my answers" in text
    assert re.search(
        r'name="TC1"[^>]*value="5"[^>]*checked|checked[^>]*name="TC1"[^>]*value="5"', text
    )
    assert re.search(
        r'name="A1"[^>]*value="2"[^>]*checked|checked[^>]*name="A1"[^>]*value="2"', text
    )
    assert "error-summary" not in text, "nothing was checked yet"
    assert _stored(db) == 0
    answers = complete_answers(agency.services[0].id)
    assert client.post("/p/sxd-1", data={**answers, **form_fields(text)}).status_code == 303
    assert _stored(db) == 1
