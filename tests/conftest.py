"""Fixtures compose: app (migrated database) → db (rolled back per test) → client, runner."""

from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager

import flask
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from survey import create_app
from survey.extensions import db as _db
from tests.databases import postgres_url, throwaway_database

TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # Scrypt at a test's strength: hundreds of accounts are made and signed in.
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    # Jobs run at once inside the request; tests/test_jobs.py runs a real worker.
    "SURVEY_JOBS_IMMEDIATE": True,
    # Tests change points and campaigns between requests; tests/respond/test_entries.py
    # turns the cache on to check that what it keeps never decides what is stored.
    "SURVEY_POINT_CACHE_SECONDS": 0,
}


def pytest_configure(config):
    if os.environ.get("SURVEY_TEST_REQUIRE_POSTGRES") == "1" and postgres_url() is None:
        raise pytest.UsageError(
            "SURVEY_TEST_REQUIRE_POSTGRES=1 but SURVEY_TEST_DATABASE_URL is not set"
        )


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + postgres_url() if postgres_url() else 'SQLite'}"


# Tests that never open a database: the PostgreSQL pass would only repeat them.
NO_DATABASE = ("tests/analysis/", "tests/questionnaires/test_definition.py", "tests/test_config.py")
# Walks of every page that check what the pages say and how they read (language, labels,
# accessibility), not what the database does: once is enough (keeps CI under 10 minutes).
PAGES_ONLY = (
    "tests/test_vietnamese_pages.py",
    "tests/browser/test_accessibility.py",
    "tests/browser/test_results_pages.py",
)


# About SQLite's own locking (the zero-setup default): nothing to learn on PostgreSQL.
SQLITE_ONLY = (
    "tests/browser/test_responsive.py",
    "tests/test_serve.py",
    "tests/test_transactions.py",
)


def pytest_collection_modifyitems(config, items):
    if postgres_url() is None:
        skip = pytest.mark.skip(reason="needs PostgreSQL (set SURVEY_TEST_DATABASE_URL)")
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(skip)
    else:
        skip = pytest.mark.skip(reason="uses no database: run in the SQLite pass")
        pages = pytest.mark.skip(reason="checks the pages' words and reading: SQLite pass")
        sqlite = pytest.mark.skip(reason="SQLite's locking: run in the SQLite pass")
        for item in items:
            if item.nodeid.startswith(SQLITE_ONLY):
                item.add_marker(sqlite)
            elif item.nodeid.startswith(NO_DATABASE):
                item.add_marker(skip)
            elif item.nodeid.startswith(PAGES_ONLY):
                item.add_marker(pages)


@pytest.fixture(autouse=True)
def _limits_stay_off():
    """Flask-Limiter has one Limiter for every app, and it keeps `enabled` from the last
    app bound to it: a test that makes an app with limits on would leave them on for the
    session's app, and later tests would be refused with 429 (in whatever order they run)."""
    from survey.extensions import limiter

    enabled = limiter.enabled
    yield
    limiter.enabled = enabled


def make_app(database_url: str, **settings):
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **settings})


@contextmanager
def migrated_app(directory, **settings):
    """An app on a migrated database of its own, where commits are real and other
    connections (threads, a job worker) see them; dropped afterwards."""
    with throwaway_database(directory) as url:
        app = make_app(url, **settings)
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _app_context_id() -> int:
    """One session per app context, as Flask-SQLAlchemy scopes its own: each context has
    its own `g` (public API, unlike the extension's private scope function)."""
    return id(flask.g._get_current_object())


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test.

    Code under test may commit: its session joins this transaction through savepoints.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain Session: Flask-SQLAlchemy's own would route to the engine, not `bind`.
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_context_id,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as production does.

    The `db` fixture keeps an app context pushed for the test's own queries; Flask would
    reuse it for every request and so share `g` (cached locale, signed-in user) between
    requests. An empty contextvars.Context makes each request push a fresh one.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app, db):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client, db):
    """Sign `client` in as a new user with `role`; returns the user."""
    from survey.users.services import create_user
    from tests import factories

    def sign_in(role: str = "admin", **values):
        if role == "agency-viewer" and "agency_code" not in values:
            values["agency_code"] = factories.agency().code
        user, password = create_user(
            username=values.pop("username", f"{role.replace('-', '')}{factories._next()}"),
            role=role,
            password="correct horse battery",
            actor="test",
            **values,
        )
        db.session.commit()
        # Whoever was signed in before signs out: the sign-in page sends a signed-in user
        # on without asking.
        client.post("/sign-out")
        response = client.post("/sign-in", data={"login": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


def download(client, url: str):
    """A download that may be made by a job: follow the job page to its file.

    Jobs run at once in tests, so the job page of a 303 already offers the file."""
    response = client.get(url)
    if response.status_code != 303 or "/jobs/" not in response.headers["Location"]:
        return response
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/jobs/[0-9a-f]{32}/file)"', page)
    assert link, f"the job of {url} did not finish with a file"
    return client.get(link[1])
