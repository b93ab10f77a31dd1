import pytest

from tests import factories


def test_home_page_says_what_the_platform_is_in_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)" in page
    assert "Chỉ số cải cách hành chính" in page


def test_the_language_switch_shows_english_and_is_remembered(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "How satisfied are citizens with public services?" in page
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in client.get("/?lang=vi").get_data(as_text=True)


def test_an_unknown_language_falls_back_to_the_default(client):
    assert '<html lang="vi">' in client.get("/?lang=fr").get_data(as_text=True)


def test_home_page_lists_open_campaigns(client, db):
    factories.campaign(name_vi="Khảo sát năm 2026", status="open")
    factories.campaign(name_vi="Khảo sát nháp", status="draft")
    page = client.get("/").get_data(as_text=True)
    assert "Khảo sát năm 2026" in page
    assert "Khảo sát nháp" not in page


def test_published_questionnaires_can_be_read(client, db):
    factories.questionnaire_version()
    listing = client.get("/questionnaires/").get_data(as_text=True)
    assert "Phiếu khảo sát sự hài lòng của người dân" in listing
    page = client.get("/questionnaires/sipas-citizen").get_data(as_text=True)
    assert "Công chức có thái độ giao tiếp lịch sự, tôn trọng đối với người dân." in page
    english = client.get("/questionnaires/sipas-citizen?lang=en").get_data(as_text=True)
    assert "The civil servant is polite and respectful." in english


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/no-such-page", 404, "Không có trang nào ở địa chỉ này."),
        ("/questionnaires/no-such-questionnaire", 404, "Không có trang nào ở địa chỉ này."),
    ],
)
def test_errors_get_a_friendly_page(client, path, status, message):
    response = client.get(path)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_a_wrong_method_is_a_405_page_not_a_500(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Không thể sử dụng trang này theo cách đó." in response.get_data(as_text=True)


def test_health_check_reaches_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_static_files_are_served_by_the_app_itself(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/css/app.css" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    response.close()


def test_csrf_protection_is_on_outside_tests():
    from survey import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert "csrf" in app.extensions


def test_every_administration_page_has_a_menu_entry(client, login_as):
    """Each list an administrator keeps is reachable from the menu, not only by address."""
    login_as("admin")
    page = client.get("/").get_data(as_text=True)
    menu = page[page.index('class="staff-nav"') : page.index("</nav>", page.index("staff-nav"))]
    for path in (
        "/admin/agencies/",
        "/admin/service-fields/",
        "/admin/services/",
        "/admin/service-points/",
        "/admin/users/",
        "/admin/audit/",
    ):
        assert f'href="{path}"' in menu, path
