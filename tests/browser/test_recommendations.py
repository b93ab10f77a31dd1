"""A citizen's recommendation goes round the loop in the browser: left with a phone after
the survey on a phone, answered and published by the agency on a phone, shown on the
public page without the phone, and counted in the league the next run records."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.recommendations.models import Recommendation, RecommendationContact
from survey.runs.services import run
from tests.browser.test_staff import _sign_in
from tests.respond.conftest import always_asked_criteria

WRITTEN = "Đề nghị trả kết quả hồ sơ xây dựng đúng hẹn, gọi tôi 0912 345 678"


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _answer_the_survey(page) -> None:
    page.goto("/p/sxd-1/citizen")
    page.locator("label[for='A1-1']").click()
    page.locator("label[for='A2-2']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    page.locator("label[for='B1-0']").click()
    page.locator("label[for='B2-1']").click()
    page.locator("label[for='B4-2']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    for code in always_asked_criteria():
        if page.locator(f"label[for='{code}-3']").count():
            page.locator(f"label[for='{code}-3']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếp tục").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi câu trả lời").click()
    page.wait_for_url("**/thanks")


def test_a_recommendation_goes_round_the_loop(browser, live_server, tmp_path):
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    citizen = phone.new_page()
    _answer_the_survey(citizen)
    citizen.get_by_role("link", name="Gửi kiến nghị").click()
    expect(citizen.locator("h1")).to_have_text("Kiến nghị tới Sở Xây dựng")
    citizen.get_by_label("Kiến nghị của bạn").fill(WRITTEN)
    citizen.get_by_label("Nội dung kiến nghị về (không bắt buộc)").select_option(
        label="Hồ sơ trễ hạn"
    )
    citizen.get_by_label("Tôi muốn nhận trả lời qua tin nhắn hoặc e-mail").check()
    citizen.get_by_label("Số điện thoại nhận trả lời").fill("0912 345 679")
    _fits(citizen, 390)
    citizen.screenshot(path=str(tmp_path / "citizen-recommendation.png"), full_page=True)
    serious = [
        v["id"] for v in Axe().run(citizen).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]  # fmt: skip
    assert not serious
    citizen.get_by_role("button", name="Gửi kiến nghị").click()
    expect(citizen.locator("h1")).to_have_text("Kiến nghị của bạn đã được gửi. Xin cảm ơn!")
    citizen.go_back()  # the form again: gone, nothing to send twice
    expect(citizen.locator("h1")).to_contain_text("sau khi trả lời phiếu khảo sát")
    phone.close()
    with live_server.app.app_context():
        stored = db.session.scalars(
            select(Recommendation).where(Recommendation.text.contains("đúng hẹn"))
        ).all()
        assert len(stored) == 1
        assert "0912 345 678" not in stored[0].text
        assert db.session.get(RecommendationContact, stored[0].id).phone == "0912345679"
        recommendation_id = stored[0].id
        db.session.remove()

    # The agency's viewer answers on their phone.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    staff = phone.new_page()
    staff.goto("/sign-in")
    staff.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("xem.sxd")
    staff.get_by_label("Mật khẩu").fill("khao-sat-2026")
    staff.get_by_role("button", name="Đăng nhập").click()
    staff.wait_for_url("**/agencies/SXD**")
    staff.goto("/staff/recommendations/")
    _fits(staff, 390)
    staff.screenshot(path=str(tmp_path / "agency-inbox-phone.png"), full_page=True)
    staff.locator(f"a[href$='/staff/recommendations/{recommendation_id}']").click()
    expect(staff.locator("main")).to_contain_text("[số điện thoại]")
    staff.locator("#reply").fill("Hồ sơ của ông/bà đã có kết quả ngày hôm nay.")
    staff.get_by_role("button", name="Lưu trả lời").click()
    expect(staff.locator(".alert-success")).to_have_text("Đã lưu nội dung trả lời.")
    staff.get_by_role("button", name="Công khai trên trang của cơ quan").click()
    expect(staff.locator(".alert-success")).to_contain_text("Đã công khai")
    _fits(staff, 390)
    staff.screenshot(path=str(tmp_path / "agency-reply-phone.png"), full_page=True)
    staff.reload()  # a reload after the post re-posts nothing (Post/Redirect/Get)
    phone.close()

    # The public page shows it, without the phone.
    public = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    reader = public.new_page()
    reader.goto("/recommendations/SXD")
    expect(reader.locator("main")).to_contain_text("Hồ sơ của ông/bà đã có kết quả")
    assert "0912" not in reader.content()
    _fits(reader, 390)
    reader.screenshot(path=str(tmp_path / "public-page-phone.png"), full_page=True)
    public.close()

    # The next run records the reply rate; the evaluator sees it in the league.
    with live_server.app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        run(campaign, actor="test")
        db.session.commit()
        db.session.remove()
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    evaluator = desk.new_page()
    _sign_in(evaluator, "danhgia")
    evaluator.goto("/results/demo")
    header = evaluator.locator("table.league thead").first
    expect(header).to_contain_text("Kiến nghị trả lời đúng hạn")
    cell = evaluator.locator("tr", has_text="Sở Xây dựng").locator("[data-replies]").first
    expect(cell).to_have_text(re.compile(r"^\d+%"))
    evaluator.screenshot(path=str(tmp_path / "league-replies.png"), full_page=True)
    evaluator.goto("/results/demo/dossiers")
    expect(evaluator.locator("#replies")).to_have_text("Kiến nghị được trả lời")
    evaluator.screenshot(path=str(tmp_path / "dashboard-replies.png"), full_page=True)
    desk.close()
