"""The attack of someone who can read the database: pair invitations (phone, dossier
code) with the answers they led to, by any order or time the tables offer.

Fifty citizens answer through their dossier links, in an order unrelated to the links'
import order, interleaved with fifty answers at the counter's QR code, each through the
real HTTP route and committed as in production. The attacker then lines up the used
invitations and the link answers by every ordering available (ids, times, and on
PostgreSQL the row-version ids, xmin) and joins them on every time and row-version
column. A random pairing of 50 gets 1 right on average; the attack must do no better
than chance allows (at most 5: a random permutation has 6 or more fixed points with
probability below 0.001).
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import select, text

from survey.campaigns.models import Invitation
from survey.db import utcnow
from survey.extensions import db
from survey.responses.models import Submission
from tests import factories
from tests.conftest import migrated_app
from tests.respond.conftest import complete_answers, form_fields

PEOPLE = 50
CHANCE_AT_MOST = 5


@pytest.fixture
def province(tmp_path):
    with migrated_app(tmp_path) as app:
        with app.app_context():
            agency = factories.agency(code="SXD")
            service = factories.service(agency=agency)
            factories.service_point(code="sxd-1", agency=agency)
            campaign = factories.campaign(agencies=[agency], status="open")
            for n in range(PEOPLE):
                db.session.add(
                    Invitation(
                        campaign=campaign,
                        agency=agency,
                        service=service,
                        token=f"link{n:03d}".ljust(22, "x"),
                        dossier_code=f"H01.2026.{n:04d}",
                        phone=f"09{n:08d}",
                        expires_at=utcnow() + timedelta(days=30),
                    )
                )
            db.session.commit()
            service_id = service.id
        yield app, service_id


def _answer(app, path: str, service_id: int) -> None:
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    response = client.post(path, data={**form_fields(page), **complete_answers(service_id)})
    assert response.status_code == 303


def _orderings(rows: list[dict], columns: list[str]) -> dict[str, list]:
    """Every way the attacker can sort one side: by each column, both directions."""
    keyed = {}
    for column in columns:
        ordered = sorted(rows, key=lambda r: (r[column] is None, r[column], r["id"]))
        keyed[column] = [r["id"] for r in ordered]
        keyed[column + " desc"] = [r["id"] for r in reversed(ordered)]
    return keyed


def test_no_ordering_or_time_pairs_invitations_with_answers(province):
    app, service_id = province
    order = list(range(PEOPLE))
    random.Random(7).shuffle(order)
    truth = {}  # invitation token -> submission id: what only the test knows
    with app.app_context():
        tokens = dict(
            enumerate(db.session.scalars(select(Invitation.token).order_by(Invitation.id)))
        )
    for n in order:
        _answer(app, "/p/sxd-1", service_id)  # someone at the counter
        _answer(app, f"/s/{tokens[n]}", service_id)  # a citizen from their SMS
        with app.app_context():
            truth[tokens[n]] = db.session.scalar(
                select(Submission.id)
                .where(Submission.channel == "web-link")
                .order_by(Submission.id.desc())
                .limit(1)
            )

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        version = ", xmin::text::bigint AS xmin" if postgresql else ""
        invitations = [
            dict(row._mapping)
            for row in db.session.execute(
                text(
                    "SELECT id, token, created_at, expires_at, used_on"  # noqa: S608 - constant
                    f"{version} FROM invitation WHERE used_on IS NOT NULL"
                )
            )
        ]
        submissions = [
            dict(row._mapping)
            for row in db.session.execute(
                text(
                    f"SELECT id, submitted_at, duration_seconds{version} "  # noqa: S608 - constant
                    "FROM submission WHERE channel = 'web-link'"
                )
            )
        ]
        tables = {
            row[0]
            for row in db.session.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                    if postgresql
                    else "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            )
        }
    assert len(invitations) == len(submissions) == PEOPLE
    assert "participation" not in tables, "no table records who took part beside answers"
    by_id = {row["id"]: row["token"] for row in invitations}

    invitation_columns = ["id", "created_at", "expires_at", "used_on"]
    submission_columns = ["id", "submitted_at", "duration_seconds"]
    if postgresql:
        invitation_columns.append("xmin")
        submission_columns.append("xmin")
    best = 0
    for (i_name, i_order), (s_name, s_order) in product(
        _orderings(invitations, invitation_columns).items(),
        _orderings(submissions, submission_columns).items(),
    ):
        right = sum(truth[by_id[i]] == s for i, s in zip(i_order, s_order, strict=True))
        best = max(best, right)
        assert right <= CHANCE_AT_MOST, f"ordering invitations by {i_name} and answers by {s_name}"

    print(f"best of {len(truth)} pairings by any ordering: {best} right")
    # Joins on equal values: a shared row version (PostgreSQL) or a shared time.
    for i_column, s_column in [("used_on", "submitted_at")] + (
        [("xmin", "xmin")] if postgresql else []
    ):
        for invitation in invitations:
            matches = [s["id"] for s in submissions if s[s_column] == invitation[i_column]]
            if len(matches) == 1:
                assert matches[0] != truth[invitation["token"]], f"joined on {i_column}"
