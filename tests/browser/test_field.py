"""The household field app on a phone, offline: a surveyor downloads the assignment,
loses the network, reloads (the app still loads), lists a village, interviews three
households, closes and reopens the browser offline (four records waiting: the listing
and three visits), and sends when the network returns, with a cut in the middle of the
first send: exactly three household submissions are stored, once."""

from __future__ import annotations

import random

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.households import frames, sampling
from survey.paper.models import SurveyorAssignment
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.services import import_definition
from survey.responses.models import Submission
from survey.users.models import User
from survey.users.services import create_user
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

PIN = "246810"
SURVEYOR, PASSWORD = "thuc.dia", "ruộng lúa bên sông 2026"


def _household_campaign(app) -> None:
    """A commune of the test's own with two villages, an open household campaign drawing
    one village and three households, and the demo surveyor assigned to it."""
    with app.app_context():
        if db.session.scalar(select(Campaign).where(Campaign.code == "hgd-test")):
            return
        group = db.session.scalar(select(Agency.ranking_group).where(Agency.kind == "commune"))
        commune = Agency(code="XA-THU", name_vi="UBND xã Thử", name_en="Thu commune",
                         kind="commune", ranking_group=group)  # fmt: skip
        db.session.add(commune)
        db.session.flush()
        frames.import_frame(
            "commune_code,village_code,village_name,households\n"
            "XA-THU,T1,Buôn Ea Thử,40\nXA-THU,T2,Thôn Hai,60\n".encode(),
            actor="test",
        )
        path = QUESTIONNAIRE_DIR / "sipas-household.yaml"
        version = import_definition(
            load_file(path), path.read_text(encoding="utf-8"), actor="test"
        ).version
        demo = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        campaign = Campaign(
            code="hgd-test", name_vi="Khảo sát hộ gia đình (thử)", name_en="Household test",
            period_start=demo.period_start, period_end=demo.period_end, status="open",
        )  # fmt: skip
        campaign.set_versions({"citizen": version})
        campaign.agencies = [commune]
        db.session.add(campaign)
        db.session.flush()
        sampling.draw_villages(
            campaign, villages=1, households=3, actor="test", random=random.Random(5)
        )
        # A surveyor of its own: the demo's surveyor keeps exactly the assignments other
        # walks expect.
        surveyor = db.session.scalar(select(User).where(User.username == SURVEYOR))
        if surveyor is None:
            surveyor, _password = create_user(
                username=SURVEYOR, role="surveyor", password=PASSWORD, actor="test"
            )
        db.session.add(SurveyorAssignment(campaign_id=campaign.id, agency_id=commune.id,
                                          user_id=surveyor.id, created_by="test"))  # fmt: skip
        db.session.commit()
        db.session.remove()


def _stored(app) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(func.count()).select_from(Submission).where(Submission.channel == "household")
        )
        db.session.remove()
    return found


def _phone(browser, live_server, profile):
    return browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        base_url=live_server.url, viewport={"width": 360, "height": 740},
    )  # fmt: skip


def _unlock(page) -> None:
    page.get_by_label("Mã PIN", exact=True).fill(PIN)
    page.get_by_role("button", name="Mở").click()
    expect(page.get_by_role("heading", name="Thôn được chọn cho bạn")).to_be_visible()


def test_a_surveyor_interviews_offline_and_sends_once(browser, live_server, tmp_path):
    _household_campaign(live_server.app)
    profile = tmp_path / "phone"
    phone = _phone(browser, live_server, profile)
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill(SURVEYOR)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    page.goto("/field/")
    page.get_by_role("button", name="Tải phân công về máy").click()
    page.get_by_label("Mã PIN mới (6 chữ số)").fill(PIN)
    page.get_by_label("Nhập lại mã PIN").fill(PIN)
    page.get_by_role("button", name="Lưu mã PIN").click()
    expect(page.locator("#village-list")).to_contain_text("UBND xã Thử")
    # The page and its files are kept for the villages (the service worker serves them).
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready"
    )
    page.wait_for_function(
        "caches.open(document.body.dataset.cache).then(c => c.match('/field/'))"
        ".then(r => r !== undefined)"
    )
    page.screenshot(path=str(tmp_path / "field-villages.png"), full_page=True)

    phone.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Mở khóa")).to_be_visible()
    _unlock(page)
    page.get_by_role("button", name="Lập danh sách hộ").click()
    page.get_by_label("Các hộ trong thôn", exact=False).fill(
        "\n".join(f"Nhà số {n}, đường Y Wang" for n in range(1, 9))
    )
    page.get_by_role("button", name="Lưu danh sách và chọn hộ").click()
    expect(page.locator("#status")).to_contain_text("3 hộ được chọn trên 8")
    # The first household: no one at home, then (a later visit) interviewed; the other
    # two interviewed at the first visit.
    page.get_by_role("button", name="Ghi kết quả").first.click()
    page.locator("label[for='outcome-non_contact']").click()
    page.get_by_role("button", name="Lưu trên máy").click()
    expect(page.locator("#village-list")).to_contain_text("không có ai ở nhà")
    for _ in range(3):
        page.get_by_role("button", name="Ghi kết quả").first.click()
        page.locator("label[for='outcome-complete']").click()
        # Answer every shown question: the fourth option where there is one, else the first.
        page.evaluate(
            """() => { for (const group of document.querySelectorAll('#questions fieldset')) {
                 if (group.hidden) continue;
                 const inputs = group.querySelectorAll('input[type=radio]');
                 const input = inputs[Math.min(3, inputs.length - 1)];
                 if (input) { input.checked = true;
                   input.dispatchEvent(new Event('change', {bubbles: true})); } } }"""
        )
        page.screenshot(path=str(tmp_path / "field-interview.png"), full_page=True)
        page.get_by_role("button", name="Lưu trên máy").click()
        expect(page.locator("#status")).to_have_text("Đã lưu trên máy.")
    # The unsent "no one at home" was replaced: one listing and three visits wait.
    expect(page.locator("#waiting")).to_have_text("4")
    expect(page.get_by_role("button", name="Ghi kết quả")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "field-offline.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    serious = [
        v["id"] for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]  # fmt: skip
    assert not serious
    phone.close()
    assert _stored(live_server.app) == 0

    # The browser closed and opened again, still without a network: all four wait.
    phone = _phone(browser, live_server, profile)
    phone.set_offline(True)
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto("/field/")
    expect(page.locator("#waiting")).to_have_text("4")
    _unlock(page)
    expect(page.locator("#village-list")).to_contain_text("đã phỏng vấn")

    # The network returns; the first send is cut after the server stored it.
    cut = {"done": False}

    def cut_once(route):
        if not cut["done"]:
            cut["done"] = True
            route.fetch()  # reaches the server, which stores the records
            route.abort()  # and the phone never hears back
        else:
            route.continue_()

    page.route("**/field/api/sync", cut_once)
    phone.set_offline(False)
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator("#status")).to_contain_text("Chưa gửi được")
    expect(page.locator("#waiting")).to_have_text("4")
    assert _stored(live_server.app) == 3
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator("#waiting")).to_have_text("0")
    assert _stored(live_server.app) == 3, "stored exactly once"
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator("#status")).to_have_text("Không có gì để gửi.")
    assert _stored(live_server.app) == 3
    assert _outcomes(live_server.app) == {"complete": 3}
    page.screenshot(path=str(tmp_path / "field-sent.png"), full_page=True)
    phone.close()


def _outcomes(app) -> dict[str, int]:
    from survey.households.models import HouseholdOutcome

    with app.app_context():
        found = {o.outcome: o.count for o in db.session.scalars(select(HouseholdOutcome))
                 if o.count}  # fmt: skip
        db.session.remove()
    return found
