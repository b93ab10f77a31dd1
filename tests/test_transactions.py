"""SQLite transactions: readers never take the write lock, and a GET that has to write
after reading is run once more, writing from the start (survey/transactions.py)."""

from __future__ import annotations

import sqlite3
import threading

from flask import g
from sqlalchemy import text

from survey import transactions
from survey.extensions import db
from survey.permissions import public
from tests.conftest import make_app


def test_a_get_that_reads_then_writes_is_run_again_when_someone_wrote_between(tmp_path):
    database = tmp_path / "province.sqlite3"
    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        db.session.execute(text("CREATE TABLE scratch (who TEXT)"))
        db.session.commit()
    attempts, modes = [], []
    wrote_between = threading.Event()

    @app.get("/_reads-then-writes")
    @public
    def reads_then_writes():
        attempts.append(1)
        modes.append(transactions.begin_statement())
        db.session.execute(text("SELECT count(*) FROM scratch")).scalar()
        if len(attempts) == 1:
            # Another connection writes while this one holds its read snapshot.
            other = sqlite3.connect(database, isolation_level=None)
            other.execute("INSERT INTO scratch VALUES ('other')")
            other.close()
            wrote_between.set()
        db.session.execute(text("INSERT INTO scratch VALUES ('page')"))
        db.session.commit()
        return "ok"

    response = app.test_client().get("/_reads-then-writes")
    assert response.status_code == 200
    assert wrote_between.is_set()
    # Deferred first (a reader); the second time it takes the write lock from the start.
    assert modes == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"]
    with sqlite3.connect(database) as check:
        rows = sorted(who for (who,) in check.execute("SELECT who FROM scratch"))
    assert rows == ["other", "page"]
    # The request's mode does not outlive it.
    with app.test_request_context("/", method="POST"):
        assert transactions.begin_statement() == "BEGIN IMMEDIATE"
        assert "reading" not in g


def test_posts_take_the_write_lock_and_gets_read(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'province.sqlite3'}")
    seen = {}

    @app.route("/_mode", methods=["GET", "POST"])
    @public
    def mode():
        from flask import request

        seen[request.method] = transactions.begin_statement()
        return "ok"

    client = app.test_client()
    client.get("/_mode")
    client.post("/_mode")
    assert seen == {"GET": "BEGIN DEFERRED", "POST": "BEGIN IMMEDIATE"}
