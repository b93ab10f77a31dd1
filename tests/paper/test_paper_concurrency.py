"""Keyers racing on the same form, with real connections and commits: however many finish
at once, a form keeps at most its two entries and becomes one submission."""

import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from survey.extensions import db
from survey.paper import entry, errors, issuing
from survey.paper.models import Batch, PaperEntry, PaperForm
from survey.responses.models import Submission
from tests import factories
from tests.conftest import migrated_app
from tests.paper.conftest import make_user, paper_answers

KEYERS = 6


@pytest.fixture
def racing_app(tmp_path):
    with migrated_app(tmp_path) as app:
        with app.app_context():
            agency = factories.agency(code="SXD")
            factories.service(agency=agency, code="S1")
            campaign = factories.campaign(agencies=[agency], status="open")
            batch = issuing.create_batch(campaign, agency, 1, actor="test", user_id=None)
            keyers = [make_user(f"keyer{n}").id for n in range(KEYERS)]
            db.session.commit()
            batch_id, serial = batch.id, batch.forms[0].serial
        yield app, batch_id, serial, keyers


def test_many_keyers_at_once_store_two_entries_and_one_submission(racing_app):
    app, batch_id, serial, keyers = racing_app
    barrier = threading.Barrier(KEYERS)
    outcomes = []

    def key(user_id):
        with app.app_context(), force_locale("en"):
            from survey.users.models import User

            batch = db.session.get(Batch, batch_id)
            keyer = db.session.get(User, user_id)
            typed = paper_answers(batch.campaign.questionnaire_version.definition())
            db.session.commit()
            barrier.wait()
            try:
                entry.record_entry(batch, serial, typed, keyer=keyer, started_at=None)
                db.session.commit()
                outcomes.append("stored")
            except errors.PaperError as error:
                db.session.commit()  # the counted attempt
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=key, args=(user_id,)) for user_id in keyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        form = db.session.scalar(select(PaperForm).where(PaperForm.serial == serial))
        entries = db.session.scalar(select(func.count()).select_from(PaperEntry))
        submissions = db.session.scalar(select(func.count()).select_from(Submission))
        assert (entries, submissions, form.status) == (2, 1, "verified")
        assert outcomes.count("stored") == 2
        assert form.duplicate_attempts == KEYERS - 2
        assert all("keyed completely" in o for o in outcomes if o != "stored")
