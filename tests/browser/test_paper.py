"""Paper entry in a real browser: two surveyors key the same form with the keyboard only,
one planted difference goes to adjudication, and the supervisor's value is what counts."""

from playwright.sync_api import expect
from sqlalchemy import select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper import entry, issuing
from survey.paper.assignments import assign
from survey.paper.models import Batch, PaperForm
from survey.questionnaires.types import PaperContext
from survey.responses.models import Answer, Submission
from survey.users.models import User
from survey.users.services import create_user

PASSWORD = "khao-sat-2026"


def _issue_forms(app, count=1, respondent_type=None) -> tuple[int, list[str]]:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        agency = db.session.scalar(select(Agency).where(Agency.code == "SXD"))
        second = db.session.scalar(select(User).where(User.username == "dieutra.hai"))
        if second is None:
            second, _ = create_user(
                username="dieutra.hai", role="surveyor", password=PASSWORD, actor="test"
            )
            # The demo assigns dieutra to SXD; the second keyer is assigned too.
            assign(campaign, agency, second, actor="test", user_id=None)
        batch = issuing.create_batch(
            campaign, agency, count, respondent_type=respondent_type, actor="test", user_id=None
        )
        db.session.commit()
        return batch.id, [form.serial for form in batch.forms]


def _signed_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    return context, page


def _keystrokes(definition, paper, answers):
    """What a surveyor types, item by item, reading the paper: codes move on by themselves
    when no longer code starts with them; Enter moves on otherwise."""
    strokes = []
    given = {}
    for question in definition.items:
        if question.show_if is not None and not question.show_if.is_met(given):
            continue  # greyed out: the cursor never stops there
        value = answers.get(question.code, "")
        codes = question.paper_codes(paper)
        if codes is None or question.multiple:
            strokes.append((value, True))
        else:
            longer = any(str(c) != value and str(c).startswith(value) for c in codes)
            strokes.append((value, longer))
        if value and value != str(paper.no_answer_code) and codes is not None:
            given[question.code] = int(value.split()[0])
    return strokes


def _key_form(page, batch_id, serial, strokes, written_date=""):
    page.goto(f"/paper/batches/{batch_id}/entry")
    page.wait_for_selector("form.paper-entry[data-ready]")
    page.keyboard.type(serial)
    page.keyboard.press("Enter")
    if written_date:
        page.keyboard.type(written_date)
    page.keyboard.press("Enter")  # an empty date: none written on this form
    for value, needs_enter in strokes:
        if value:
            page.keyboard.type(value)
        if needs_enter or not value:
            page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.wait_for_selector(".alert-success, .alert-error")
    errors = page.locator(".alert-error, .field-errors").all_inner_texts()
    assert page.locator(".alert-error").count() == 0, [e for e in errors if e.strip()]
    return page.locator(".alert-success").inner_text()


def test_two_keyers_one_difference_adjudicated(browser, live_server, tmp_path):
    batch_id, (serial,) = _issue_forms(live_server.app)
    with live_server.app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        definition = campaign.questionnaire_version.definition()
        batch = db.session.get(Batch, batch_id)
        paper = entry.paper_context(batch, definition)
    answers = _paper(definition, paper)
    first_context, first = _signed_in(browser, live_server, "dieutra")
    message = _key_form(first, batch_id, serial, _keystrokes(definition, paper, answers))
    assert serial in message
    first.screenshot(path=str(tmp_path / "paper-entry.png"), full_page=True)
    # The same keyer starts the same form again: refused at the serial, cursor kept there.
    first.keyboard.type(serial)
    first.keyboard.press("Enter")
    expect(first.locator("#serial-error")).to_contain_text("đã nhập phiếu")
    expect(first.locator("#serial")).to_be_focused()
    first.screenshot(path=str(tmp_path / "paper-entry-refused-serial.png"), full_page=True)
    first_context.close()

    second_context, second = _signed_in(browser, live_server, "dieutra.hai")
    planted = {**answers, "TC1": "5"}  # the paper says 4
    message = _key_form(second, batch_id, serial, _keystrokes(definition, paper, planted))
    assert serial in message
    second_context.close()

    supervisor_context, supervisor = _signed_in(browser, live_server, "danhgia")
    supervisor.goto("/paper/adjudication")
    supervisor.get_by_role("link", name=serial).click()
    rows = supervisor.locator("table.diff-table tbody tr")
    # expect waits for the page the click opens; count() would read the old one.
    expect(rows).to_have_count(1)
    # Each code with the words printed beside its box on the paper.
    assert rows.first.locator("[data-first]").inner_text() == "4 · Hài lòng"
    assert rows.first.locator("[data-second]").inner_text() == "5 · Rất hài lòng"
    # The paper-value field has the focus once the page is read.
    expect(rows.first.locator("input")).to_be_focused()
    supervisor.keyboard.type("4")
    supervisor.keyboard.press("Enter")
    expect(supervisor.locator(".alert-success")).to_contain_text(serial)
    supervisor_context.close()

    with live_server.app.app_context():
        form = db.session.scalar(select(PaperForm).where(PaperForm.serial == serial))
        assert form.status == "verified"
        stored = dict(
            db.session.execute(
                select(Answer.item_code, Answer.value_int).where(
                    Answer.submission_id == form.submission_id
                )
            ).all()
        )
        assert stored["TC1"] == 4
        assert stored["B4"] == 1
        assert stored["PA1"] == int(answers["PA1"])


def test_dated_forms_with_a_difference_in_the_date_or_in_an_item_are_adjudicated(
    browser, live_server
):
    """Every printed form has a date line: two dated forms, one whose entries differ in
    the date, one whose entries differ in an item, both settled by the supervisor."""
    batch_id, (by_date, by_item) = _issue_forms(live_server.app, count=2)
    with live_server.app.app_context():
        batch = db.session.get(Batch, batch_id)
        definition = batch.definition()
        paper = entry.paper_context(batch, definition)
    answers = _paper(definition, paper)
    strokes = _keystrokes(definition, paper, answers)
    planted = _keystrokes(definition, paper, {**answers, "TC1": "2"})
    first_context, first = _signed_in(browser, live_server, "dieutra")
    _key_form(first, batch_id, by_date, strokes, written_date="05/11/2026")
    _key_form(first, batch_id, by_item, strokes, written_date="0611 2026")
    first_context.close()
    second_context, second = _signed_in(browser, live_server, "dieutra.hai")
    _key_form(second, batch_id, by_date, strokes, written_date="15/11/2026")
    _key_form(second, batch_id, by_item, planted, written_date="06/11/2026")
    second_context.close()

    supervisor_context, supervisor = _signed_in(browser, live_server, "danhgia")
    supervisor.goto("/paper/adjudication")
    supervisor.get_by_role("link", name=by_date).click()
    rows = supervisor.locator("table.diff-table tbody tr")
    # expect waits for the page the click opens; count() would read the old one.
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-first]")).to_have_text("05/11/2026")
    expect(rows.first.locator("[data-second]")).to_have_text("15/11/2026")
    expect(rows.first.locator("input")).to_be_focused()
    supervisor.keyboard.type("05/11/2026")
    supervisor.keyboard.press("Enter")
    expect(supervisor.locator(".alert-success")).to_contain_text(by_date)

    supervisor.get_by_role("link", name=by_item).click()
    rows = supervisor.locator("table.diff-table tbody tr")
    expect(rows, "the date agrees: only the item is asked").to_have_count(1)
    expect(rows.first.locator("[data-second]")).to_have_text("2 · Không hài lòng")
    expect(rows.first.locator("input")).to_be_focused()
    supervisor.keyboard.type("4")
    supervisor.keyboard.press("Enter")
    expect(supervisor.locator(".alert-success")).to_contain_text(by_item)
    supervisor_context.close()

    with live_server.app.app_context():
        for serial, day, tc1 in ((by_date, "2026-11-05", 4), (by_item, "2026-11-06", 4)):
            form = db.session.scalar(select(PaperForm).where(PaperForm.serial == serial))
            assert form.status == "verified", serial
            submission = db.session.get(Submission, form.submission_id)
            assert submission.interviewed_on.isoformat() == day
            stored = db.session.scalar(
                select(Answer.value_int).where(
                    Answer.submission_id == form.submission_id, Answer.item_code == "TC1"
                )
            )
            assert stored == tc1


def _paper(definition, paper: PaperContext) -> dict[str, str]:
    """What is written on the paper form: B4 = 1 so the feedback items are asked."""
    answers = {}
    for question in definition.items:
        kind = question.type_name
        if kind == "satisfaction":
            answers[question.code] = "4"
        elif kind in ("single_choice", "service"):
            answers[question.code] = "1"
        elif kind == "multiple_choice":
            answers[question.code] = "1 2"
        elif kind == "number":
            answers[question.code] = str(question.min or 1)
        else:
            answers[question.code] = ""
    answers["TC2"] = "9"  # left blank on the paper
    return answers


def test_the_serial_is_checked_when_typed_and_the_phone_width_holds(browser, live_server):
    """However the keyer leaves the serial (Tab here), it is checked at once: a wrong
    check digit, then a serial keyed already by them (organisations' forms, whose serials
    carry a T). At 390 px the keying page does not scroll sideways."""
    batch_id, (serial, other) = _issue_forms(live_server.app, 2, "organisation")
    assert "-T" in serial
    context, page = _signed_in(browser, live_server, "dieutra")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/paper/batches/{batch_id}/entry")
    page.wait_for_selector("form.paper-entry[data-ready]")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    wrong = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    page.keyboard.type(wrong)
    page.keyboard.press("Tab")
    expect(page.locator("#serial-error")).to_contain_text("Không phải số phiếu")
    page.locator("#serial").fill("")
    page.locator("#serial").focus()
    page.keyboard.type(serial.lower())  # a complete, valid serial: asked without leaving
    expect(page.locator("#serial")).to_have_value(serial)
    expect(page.locator("#serial-error")).to_have_text("")
    context.close()

    with live_server.app.app_context():
        batch = db.session.get(Batch, batch_id)
        definition = batch.definition()
        paper = entry.paper_context(batch, definition)
    context, page = _signed_in(browser, live_server, "dieutra")
    _key_form(page, batch_id, other, _keystrokes(definition, paper, _paper(definition, paper)))
    page.locator("#serial").focus()
    page.keyboard.type(other)
    page.keyboard.press("Tab")
    expect(page.locator("#serial-error")).to_contain_text("đã nhập phiếu")
    expect(page.locator("#serial")).to_be_focused()
    context.close()
