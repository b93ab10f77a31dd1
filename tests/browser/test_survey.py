"""A citizen answers the demo survey on a phone, with the keyboard only."""

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey.extensions import db
from survey.responses.models import Submission
from tests.respond.conftest import always_asked_criteria

# Item code → which option to pick (1-based position in the group) or text to type.
CHOICES = {"A1": 2, "A2": 3, "A3": 1, "B1": 1, "B2": 2, "B3": 1, "B4": 3}
CHOICES.update(dict.fromkeys(always_asked_criteria(), 4))
CHOICES["CC2"] = 5
TEXT = {"E10": "Cán bộ nhiệt tình"}


def _active(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {name: e.name || '', type: e.type || '', tag: e.tagName}; }"
    )


@pytest.mark.parametrize(
    "address", ["/p/sxd-1/citizen", "/p/sxd-1/citizen?all=1"], ids=["steps", "one page"]
)
def test_the_survey_is_answered_with_the_keyboard_alone(page, live_server, tmp_path, address):
    page.goto(address)
    answered = set()
    started, presses, pages = time.perf_counter(), 0, 1
    for _ in range(400):
        page.keyboard.press("Tab")
        presses += 1
        active = _active(page)
        name = active["name"]
        if active["tag"] == "BUTTON" and active["type"] == "submit":
            if name == "switch_language":  # the language switch, in the header
                continue
            with page.expect_navigation():
                page.keyboard.press("Enter")
            presses += 1
            if page.url.endswith("/thanks"):
                break
            pages += 1
            continue
        if name in answered:
            continue
        if active["type"] == "radio" and name in CHOICES:
            page.keyboard.press("Space")
            for _ in range(CHOICES[name] - 1):
                page.keyboard.press("ArrowRight")
            presses += CHOICES[name]
            answered.add(name)
        elif name in TEXT:
            page.keyboard.type(TEXT[name])
            answered.add(name)
    page.wait_for_url("**/thanks")
    # What a keyboard-only respondent goes through (the machine types instantly: this is
    # the page's own cost, and the count of key presses a person would make).
    seconds = time.perf_counter() - started
    print(f"keyboard-only run ({address}): {pages} pages, {presses} key presses, {seconds:.1f} s")
    assert page.locator("h1").inner_text() == "Cảm ơn ông/bà!"
    page.screenshot(path=str(tmp_path / "thanks.png"))
    assert answered >= set(CHOICES) | set(TEXT)

    with live_server.app.app_context():
        submission = db.session.scalars(
            select(Submission).order_by(Submission.id.desc()).limit(1)
        ).one()
        answers = {a.item_code: a.value for a in submission.answers}
        db.session.remove()
    assert submission.channel == "web-qr"
    assert answers["A1"] == 2
    assert answers["CC2"] == 5
    assert answers["TC1"] == 4
    assert answers["E10"] == "Cán bộ nhiệt tình"
    assert not {"PA1", "PA2", "PA3"} & set(answers), "skipped by the rule on B4"


def test_feedback_items_appear_only_after_feedback(page):
    page.goto("/p/sxd-1/citizen?all=1")
    assert page.locator("#item-PA1").is_hidden()
    page.locator("label[for='B4-0']").click()
    assert page.locator("#item-PA1").is_visible()
    page.locator("label[for='B4-2']").click()
    assert page.locator("#item-PA1").is_hidden()


@pytest.mark.parametrize("address", ["/p/sxd-1", "/p/sxd-1/citizen", "/p/sxd-1/organisation"])
def test_the_survey_page_has_no_serious_accessibility_violations(page, tmp_path, address):
    page.goto(address)
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], v["help"])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_the_qr_code_asks_on_whose_behalf_and_an_organisation_answers_its_form(
    page, live_server, tmp_path
):
    """The demo campaign surveys citizens and organisations: the first page asks on whose
    behalf, with the keyboard as well as a tap; the organisation's form asks about the
    organisation, and its answer is stored as one."""
    page.goto("/p/sxd-1")
    expect(page.locator("h1")).to_have_text("Bạn đến làm thủ tục cho ai?")
    page.screenshot(path=str(tmp_path / "on-behalf.png"), full_page=True)
    choices = page.locator(".on-behalf a")
    expect(choices).to_have_count(2)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent").startswith("Cho tổ chức"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/p/sxd-1/organisation")
    expect(page.locator("h1")).to_contain_text("của tổ chức")
    page.goto("/p/sxd-1/organisation?all=1")
    assert page.locator("#item-A2").count() == 0
    page.locator("label[for='O1-1']").click()
    page.locator("label[for='B1-0']").click()
    page.locator("label[for='B2-0']").click()
    page.locator("label[for='B4-2']").click()
    for code in always_asked_criteria():
        page.locator(f"label[for='{code}-3']").click()
    with page.expect_navigation():
        page.locator("button[type=submit]:not([name])").last.click()
    page.wait_for_url("**/thanks")
    with live_server.app.app_context():
        submission = db.session.scalars(
            select(Submission).order_by(Submission.id.desc()).limit(1)
        ).one()
        answers = {a.item_code: a.value for a in submission.answers}
        kind = submission.respondent_type
        db.session.remove()
    assert kind == "organisation"
    assert answers["O1"] == 2
    assert answers["TC1"] == 4


def test_errors_are_announced_and_linked_to_their_question(page):
    page.goto("/p/sxd-1/citizen")
    expect(page.locator("#progress-label")).to_have_text("Bước 1 / 4")
    page.get_by_role("button", name="Tiếp tục").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    # The summary takes the focus once the page's script has run.
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#A1")


def test_back_and_forward_move_between_steps_and_a_reload_sends_nothing(page, live_server):
    """Each step is a page of its own (Post/Redirect/Get): the phone's Back shows the
    step before with its answers, Forward comes back, a reload re-posts nothing."""
    page.goto("/p/sxd-1/citizen")
    page.locator("label[for='A1-1']").click()
    page.locator("label[for='A2-2']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator("#progress-label")).to_have_text("Bước 2 / 4")
    page.locator("label[for='B1-0']").click()
    page.locator("label[for='B2-1']").click()
    page.locator("label[for='B4-2']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator("#progress-label")).to_have_text("Bước 3 / 4")
    assert page.url.endswith("/p/sxd-1/citizen?step=3")

    page.go_back()
    expect(page.locator("#progress-label")).to_have_text("Bước 2 / 4")
    assert page.url.endswith("/p/sxd-1/citizen?step=2")
    expect(page.locator("#B2-1")).to_be_checked()
    expect(page.locator("#B4-2")).to_be_checked()
    page.go_back()
    expect(page.locator("#progress-label")).to_have_text("Bước 1 / 4")
    expect(page.locator("#A2-2")).to_be_checked()
    page.go_forward()
    page.go_forward()
    expect(page.locator("#progress-label")).to_have_text("Bước 3 / 4")
    page.reload()
    expect(page.locator("#progress-label")).to_have_text("Bước 3 / 4")
    with live_server.app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Submission))
        db.session.remove()
    # Finish the form from here: the answers of the earlier steps were kept.
    for code in always_asked_criteria():
        if page.locator(f"label[for='{code}-3']").count():
            page.locator(f"label[for='{code}-3']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi câu trả lời").click()
    page.wait_for_url("**/thanks")
    page.go_back()  # the last step's address: a thank-you, not a form to send again
    expect(page.locator("h1")).to_have_text("Ông/bà đã trả lời rồi. Xin cảm ơn!")
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == stored + 1
        db.session.remove()


def test_each_step_fits_four_phone_screens(browser, live_server, tmp_path):
    """A rating item is one row of five buttons on a phone: the longest step (17-20 of
    them) is at most four screens of a 390 x 844 phone, and nothing scrolls sideways."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/p/sxd-1/citizen")
    for number in range(1, 5):
        expect(page.locator("#progress-label")).to_have_text(f"Bước {number} / 4")
        height, width = page.evaluate(
            "() => [document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
        )
        page.screenshot(path=str(tmp_path / f"step-{number}.png"), full_page=True)
        assert height <= 4 * 844, (number, height)
        assert width <= 390, (number, width)
        if number == 4:
            break
        for group in page.locator("fieldset").all():
            if group.is_visible() and group.locator("input[type=radio]").count():
                group.locator("label.choice").first.click()
        with page.expect_navigation():
            page.get_by_role("button", name="Tiếp tục").click()
    scale = page.locator("fieldset.scale").first
    assert scale.count() == 0 or scale.locator("input[type=radio]").count() == 5
    context.close()
