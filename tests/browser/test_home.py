import re


def test_home_page_renders_on_a_phone_and_switches_language(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Người dân hài lòng đến mức nào với dịch vụ công?"
    # Nothing overflows a 360 px wide phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Named by the year most of its period falls in (the demo runs around today).
    assert re.search(r"Khảo sát SIPAS năm 20\d\d", page.locator("main").inner_text())

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "How satisfied are citizens with public services?"


def test_the_codebook_page_keeps_the_language_and_lists_the_criteria(page):
    page.goto("/?lang=en")
    page.get_by_role("link", name="Read the questionnaires").click()
    page.get_by_role("link", name="Citizen satisfaction survey on the service").click()
    assert "The civil servant is polite and respectful." in page.locator("main").inner_text()
    page.get_by_role("link", name="Tiếng Việt").click()
    assert "Công chức có thái độ giao tiếp lịch sự" in page.locator("main").inner_text()


def test_the_skip_link_is_the_first_stop_for_keyboard_users(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
