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
    page.get_by_role("navigation", name="Cán bộ").get_by_role("link", name="Điểm tiếp nhận").click()
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
    page.get_by_label("Cơ quan").select_option(label="SXD · Sở Xây dựng")
    offered = page.locator("#point_id option:not([hidden])").all_inner_texts()
    assert len(offered) > 1
    assert all(text.startswith("sxd-") for text in offered[1:]), offered
    page.get_by_label("Cơ quan").select_option(label="STP · Sở Tư pháp")
    offered = page.locator("#point_id option:not([hidden])").all_inner_texts()
    assert all(text.startswith("stp-") for text in offered[1:]), offered
    page.screenshot(path=str(tmp_path / "batch-form.png"), full_page=True)
