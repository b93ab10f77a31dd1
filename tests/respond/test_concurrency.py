"""Concurrent posts store exactly one submission, with real connections and commits.

Every thread first loads the way in (all of them see the link unused), then all store at
once: only the database's atomic claim and unique key can keep it to one.
"""

import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from survey.campaigns.models import Invitation
from survey.db import utcnow
from survey.extensions import db
from survey.responses import submit
from survey.responses.entries import at_point, by_link
from survey.responses.models import Submission
from survey.responses.public import _definition
from tests import factories
from tests.conftest import migrated_app
from tests.respond.conftest import complete_answers, form_fields

THREADS = 8
TOKEN = "c" * 22


@pytest.fixture
def committed_app(tmp_path):
    """An app on its own database, where commits are real and other connections see them."""
    with migrated_app(tmp_path) as app:
        with app.app_context():
            agency = factories.agency(code="SXD")
            service = factories.service(agency=agency)
            factories.service_point(code="sxd-1", agency=agency)
            campaign = factories.campaign(agencies=[agency], status="open")
            db.session.add(
                Invitation(
                    campaign=campaign,
                    agency=agency,
                    service=service,
                    token=TOKEN,
                    dossier_code="H1",
                    expires_at=utcnow() + timedelta(days=3),
                )
            )
            db.session.commit()
            service_id = service.id
        yield app, service_id


def _store_at_once(app, load_entry, nonce_of):
    barrier = threading.Barrier(THREADS)
    results = []

    def store(index):
        with app.test_request_context():
            entry = load_entry()
            definition = _definition(entry.version_key)
            answers = {"A1": 1, "A2": 2, "B2": 1, "B4": 3, "TC1": 4}
            # End the reading transaction (SQLite would hold its lock across the wait),
            # keeping what was read: every thread has seen the link unused.
            db.session.commit()
            barrier.wait()
            stored = submit.record(
                entry, definition, answers, nonce=nonce_of(index), started_at=None, client=None
            )
            results.append(stored is not None)
            db.session.remove()

    threads = [threading.Thread(target=store, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count()).select_from(Submission)),
            db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.used)),
        )
        db.session.remove()
    return results, counts


def test_one_link_posted_from_many_pages_at_once_is_stored_once(committed_app):
    app, _ = committed_app
    results, counts = _store_at_once(
        app, lambda: by_link(TOKEN), lambda i: secrets.token_urlsafe(16)
    )
    assert len(results) == THREADS
    assert results.count(True) == 1
    assert counts == (1, 1)


def test_one_page_posted_many_times_at_once_is_stored_once(committed_app):
    app, _ = committed_app
    nonce = secrets.token_urlsafe(16)
    results, counts = _store_at_once(app, lambda: at_point("sxd-1"), lambda i: nonce)
    assert results.count(True) == 1
    assert counts == (1, 0), "one submission; the link was not used"


def test_concurrent_http_posts_all_get_the_thank_you_page(committed_app):
    app, service_id = committed_app
    page = app.test_client().get("/s/" + TOKEN).get_data(as_text=True)
    barrier = threading.Barrier(THREADS)
    statuses = []

    def post():
        client = app.test_client()
        data = {**form_fields(page), **complete_answers(service_id)}
        barrier.wait()
        statuses.append(client.post("/s/" + TOKEN, data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        db.session.remove()
