"""An evaluator runs the analysis, keeps a flagged form with a reason, and the next run
honours the decision; the pages say what each flag and decision is, in Vietnamese."""

from sqlalchemy import select, update

from survey.extensions import db
from survey.responses.models import Submission
from tests.browser.test_staff import _sign_in


def _run_analysis(page) -> str:
    page.goto("/results/demo")
    page.get_by_role("button", name="Chạy phân tích ngay").click()
    page.wait_for_load_state()
    # The run leads to its results; the screening is on the page of the responses.
    contents = page.get_by_role("navigation", name="Kết quả của đợt khảo sát")
    contents.get_by_role("link", name="Phiếu trả lời").click()
    return page.locator("ul.screening").inner_text()


def _plant_a_speeder(app) -> int:
    """A web form finished in five seconds: the speeder rule flags it."""
    with app.app_context():
        submission = db.session.scalar(
            select(Submission.id).where(Submission.channel == "web-qr").order_by(Submission.id)
        )
        db.session.execute(
            update(Submission).where(Submission.id == submission).values(duration_seconds=5)
        )
        db.session.commit()
        return submission


def test_a_kept_form_stays_in_every_later_run(page, live_server, tmp_path):
    planted = _plant_a_speeder(live_server.app)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, "danhgia")
    first = _run_analysis(page)
    assert "trả lời quá nhanh" in first  # the rule's label, never "speeder"
    page.get_by_role("link", name="Xem lại các phiếu bị gắn cờ").click()
    row = page.locator("tbody tr", has=page.locator(f"td:text-is('{planted}')"))
    number = str(planted)
    row.get_by_placeholder("Lý do").fill("Đã gọi xác minh, người dân quen phiếu")
    row.get_by_role("button", name="Giữ dù bị gắn cờ").click()
    assert f"Phiếu {number} được giữ trong mọi lần phân tích." in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "kept.png"), full_page=True)

    for _ in range(2):
        later = _run_analysis(page)
        assert "được người đánh giá giữ lại dù bị gắn cờ: 1" in later
    page.goto("/admin/submissions/?review=kept")
    assert number in page.locator("tbody").inner_text()
    page.get_by_role("button", name="Rút lại quyết định").click()
    assert f"Đã rút lại quyết định về phiếu {number}." in page.locator("main").inner_text()
    assert "được người đánh giá giữ lại dù bị gắn cờ: 0" in _run_analysis(page)
