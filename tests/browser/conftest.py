"""A live server on a throwaway database, and a real headless Chromium driven by Playwright.

Browser tests skip when Chromium is missing, unless SURVEY_TEST_REQUIRE_BROWSER=1 (CI),
where a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey.extensions import db
from tests.conftest import make_app
from tests.databases import throwaway_database

CHROMIUM = os.environ.get("SURVEY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("SURVEY_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; browser tests are required here")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served over HTTP from a thread, with the demo province seeded."""
    with throwaway_database(tmp_path_factory.mktemp("live")) as url:
        app = make_app(url, WTF_CSRF_ENABLED=True)
        with app.app_context():
            upgrade()
            result = app.test_cli_runner().invoke(args=["demo", "seed", "--responses", "50"])
            assert result.exit_code == 0, result.output
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


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()
