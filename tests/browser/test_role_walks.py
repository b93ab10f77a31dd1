"""Each staff role walks its own path on the demo, on the screen it uses: the agency
viewer on a phone, the surveyor at a desk. Screenshots are kept under the test's output."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.runs.models import AnalysisRun
from survey.runs.services import run
from tests.browser.test_staff import _sign_in


def _with_a_run(app) -> None:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        if db.session.scalar(select(AnalysisRun.id).where(AnalysisRun.campaign_id == campaign.id)):
            return
        run(campaign, actor="test")
        db.session.commit()
        db.session.remove()


def _fits(page, width: int) -> None:
    """Nothing makes the page itself scroll sideways (tables and charts scroll in their
    own boxes)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_agency_viewer_reads_their_agency_on_a_phone(page, live_server, tmp_path):
    _with_a_run(live_server.app)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("xem.sxd")
    page.get_by_label("Mật khẩu").fill("khao-sat-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/agencies/SXD**")
    # They land on their own agency, not on the home page.
    expect(page.locator("h1")).to_contain_text("Sở Xây dựng")
    _fits(page, 390)
    page.screenshot(path=str(tmp_path / "agency-viewer-phone.png"), full_page=True)
    # Item texts read as sentences, not a word per line.
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main td, main th')]"
        ".map(e => e.getBoundingClientRect().width))"
    )
    assert widest >= 150
    # A table that can fit (criterion, points, maximum) fits without scrolling.
    overflow = page.evaluate(
        "(() => { const w = document.querySelector('#reform + p + .table-wrap');"
        " return w.scrollWidth - w.clientWidth; })()"
    )
    assert overflow == 0
    # Another agency is not theirs to see.
    other = page.goto("/results/demo/agencies/STP")
    assert other.status in (403, 404)
    page.go_back()
    # The report is a job: its page offers the file once printed (a report printed
    # earlier from the same data is served at once).
    href = page.get_by_role("link", name="Báo cáo của cơ quan (PDF)").get_attribute("href")
    response = page.request.get(href)
    if response.headers["content-type"] != "application/pdf":
        page.goto(response.url)
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile(r"^Tải về .*\.pdf$")).click()
        assert download.value.suggested_filename.endswith(".pdf")
    page.screenshot(path=str(tmp_path / "agency-viewer-report-job.png"), full_page=True)


def test_a_surveyor_issues_a_batch_where_assigned_and_keys_it(page, live_server, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, "dieutra")
    page.get_by_role("link", name="Phiếu giấy").first.click()
    page.get_by_role("link", name="In lô phiếu mới").click()
    agencies = page.locator("#agency_id option:not([hidden])").all_inner_texts()
    # Named, their code after: "Sở Xây dựng (SXD)".
    codes = sorted(re.search(r"\((\w+)\)$", a)[1] for a in agencies)
    assert codes == ["SNNMT", "SXD"], "as assigned"
    assert page.locator("#surveyor_id option").all_inner_texts() == ["dieutra"]
    page.get_by_label("Cơ quan").select_option(label="Sở Xây dựng (SXD)")
    page.get_by_label("Số phiếu").fill("3")
    page.screenshot(path=str(tmp_path / "surveyor-batch.png"), full_page=True)
    page.get_by_role("button", name="Phát số phiếu").click()
    expect(page.locator("main")).to_contain_text("3 phiếu")
    page.get_by_role("link", name="Nhập phiếu").first.click()
    expect(page.get_by_label("Ngày ghi trên phiếu (ngày/tháng/năm)")).to_be_visible()
    page.screenshot(path=str(tmp_path / "surveyor-entry.png"), full_page=True)
