"""The evaluator's results at the size of the province (115 agencies, 20,000 answers):
every page of a campaign's results answers within a second of a run and is no endless
scroll, and an agency's page fits a phone (no sideways scrolling, no serious axe finding,
every table either fitting or scrolling in a box that takes the keyboard focus)."""

from __future__ import annotations

import statistics
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey.extensions import db
from tests.browser.conftest import LiveServer
from tests.conftest import make_app
from tests.databases import throwaway_database

RESULTS_PAGES = ("", "/satisfaction", "/small-areas", "/dossiers", "/responses")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """A server with the demo province answered 20,000 times and analysed."""
    with throwaway_database(tmp_path_factory.mktemp("province")) as url:
        app = make_app(url, WTF_CSRF_ENABLED=True)
        with app.app_context():
            upgrade()
            seeded = app.test_cli_runner().invoke(
                args=["demo", "seed", "--responses", "20000", "--analyse"]
            )
            assert seeded.exit_code == 0, seeded.output
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            server.shutdown()
            thread.join()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _signed_in(browser, province, username, width):
    context = browser.new_context(
        base_url=province.url, viewport={"width": width, "height": 844 if width < 500 else 900}
    )
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill(username)
    page.get_by_label("Mật khẩu").fill("khao-sat-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    return context, page


def _server_seconds(page) -> float:
    """From the request leaving the browser to the page's last byte: the server's time."""
    return page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return (n.responseEnd - n.requestStart) / 1000; }"
    )


def test_every_results_page_answers_within_a_second_and_stays_readable(browser, province, tmp_path):
    context, page = _signed_in(browser, province, "danhgia", 1280)
    figures = {}
    for path in RESULTS_PAGES:
        times = []
        for _ in range(3):
            response = page.goto(f"/results/demo{path}")
            assert response.status == 200, path
            times.append(_server_seconds(page))
        height = page.evaluate("() => document.documentElement.scrollHeight")
        figures[path or "/"] = (statistics.median(times), height)
        page.screenshot(path=str(tmp_path / f"results{path.replace('/', '-')}.png"))
    print("results pages (median seconds, height px):", figures)
    for path, (seconds, height) in figures.items():
        assert seconds < 1.0, (path, seconds)
        assert height <= 20_000, (path, height)
    context.close()


@pytest.mark.parametrize("agency", ["SXD", "PBUONMATHUOT"], ids=["department", "ward"])
def test_an_agency_page_fits_a_phone(browser, province, tmp_path, agency):
    context, page = _signed_in(browser, province, "danhgia", 390)
    assert page.goto(f"/results/demo/agencies/{agency}").status == 200
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "agency-390.png"), full_page=True)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # A table wider than the phone scrolls in a box that the keyboard can reach.
    boxes = page.evaluate(
        "() => Array.from(document.querySelectorAll('.table-wrap'))"
        ".filter(b => b.scrollWidth > b.clientWidth).map(b => b.tabIndex)"
    )
    assert all(index >= 0 for index in boxes), boxes
    context.close()


def test_the_results_pages_on_a_phone_scroll_no_page_sideways(browser, province):
    context, page = _signed_in(browser, province, "danhgia", 390)
    for path in RESULTS_PAGES:
        page.goto(f"/results/demo{path}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        serious = [
            v["id"]
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], (path, serious)
    context.close()
