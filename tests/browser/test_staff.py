import io

from pypdf import PdfReader


def _sign_in(page, username="quantri", password="khao-sat-2026"):
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def test_admin_creates_a_service_point_and_downloads_its_poster(page, tmp_path):
    _sign_in(page)
    menu = page.get_by_role("navigation", name="Cán bộ")
    menu.get_by_text("Danh mục").click()  # the staff's pages come in groups by task
    menu.get_by_role("link", name="Điểm tiếp nhận").click()
    page.get_by_role("link", name="Thêm mới").click()
    page.get_by_label("Mã").fill("sxd-kiosk")
    page.get_by_label("Cơ quan").select_option("SXD")
    page.get_by_label("Tên (tiếng Việt)").fill("Ki-ốt tự phục vụ")
    page.get_by_label("Tên (tiếng Anh)").fill("Self-service kiosk")
    page.get_by_role("button", name="Lưu").click()
    assert "Đã lưu sxd-kiosk." in page.locator("main").inner_text()

    page.get_by_label("Tìm kiếm", exact=True).fill("sxd-kiosk")
    page.get_by_role("button", name="Tìm kiếm").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Áp phích mã QR (PDF)").click()
    path = tmp_path / "poster.pdf"
    download_info.value.save_as(path)
    text = PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text()
    assert "Sở Xây dựng" in text
    assert "/p/sxd-kiosk" in text
    page.screenshot(path=str(tmp_path / "service-points.png"), full_page=True)


def test_a_surveyor_is_refused_the_administration(page):
    _sign_in(page, "dieutra")
    response = page.goto("/admin/agencies/")
    assert response.status == 403
    assert "Bạn không có quyền truy cập trang này." in page.locator("main").inner_text()


def test_a_new_batch_offers_only_the_chosen_agencys_points(page, tmp_path):
    _sign_in(page, "danhgia")
    page.goto("/paper/batches/new")
    page.get_by_label("Cơ quan").select_option(label="Sở Xây dựng (SXD)")
    offered = page.locator("#point_id option:not([hidden])").all_inner_texts()
    assert len(offered) > 1
    assert all("(sxd-" in text for text in offered[1:]), offered
    page.get_by_label("Cơ quan").select_option(label="Sở Tư pháp (STP)")
    offered = page.locator("#point_id option:not([hidden])").all_inner_texts()
    assert all("(stp-" in text for text in offered[1:]), offered
    page.screenshot(path=str(tmp_path / "batch-form.png"), full_page=True)


def test_reloading_a_new_tokens_page_makes_no_second_token(page, live_server):
    """Post/Redirect/Get: the page showing a new token's secret is read with GET, so a
    reload neither re-posts nor makes a second active token."""
    from sqlalchemy import func, select

    from survey.extensions import db
    from survey.integrations.models import IntegrationToken

    def active() -> int:
        with live_server.app.app_context():
            count = db.session.scalar(
                select(func.count())
                .select_from(IntegrationToken)
                .where(IntegrationToken.revoked_at.is_(None))
            )
            db.session.remove()
            return count

    before = active()
    _sign_in(page)
    page.goto("/admin/integrations/")
    page.locator("#name").fill("Hệ thống một cửa thử")
    page.locator("#system").fill("motcua-thu")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo khóa").click()
    secret = page.locator(".secret code").inner_text()
    assert secret.startswith("sks_")
    page.reload()
    assert page.locator(".secret").count() == 0
    assert page.locator("[data-shown-once]").is_visible()
    page.go_back()
    assert active() == before + 1
