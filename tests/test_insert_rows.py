"""survey/db.py insert_rows: COPY on PostgreSQL and executemany on SQLite write what the
ORM would, and read back alike."""

from datetime import datetime

from sqlalchemy import select

from survey.audit.models import AuditEvent
from survey.db import insert_rows


def test_rows_written_in_bulk_read_back_as_the_orm_writes_them(db):
    at = datetime(2026, 7, 1, 8, 30, 15, 250_000)
    awkward = 'tab\there, new\nline, back\\slash, \\N, "quotes", Đắk Lắk'
    insert_rows(
        db.session,
        "audit_event",
        ("occurred_at", "user_id", "actor", "action", "entity_type", "entity_id", "before",
         "after"),
        [
            (at, None, "bulk", "x.create", awkward, "1", None, {"name": awkward, "n": [1, 2]}),
            (at, None, "bulk", "x.update", "plain", None, {"on": True}, {"on": False}),
        ],
    )  # fmt: skip
    orm = AuditEvent(
        occurred_at=at, actor="orm", action="x.create", entity_type="plain", after={"n": 1}
    )
    db.session.add(orm)
    db.session.flush()
    db.session.expire_all()
    first, second = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor == "bulk").order_by(AuditEvent.id)
    ).all()
    assert first.entity_type == awkward
    assert first.after == {"name": awkward, "n": [1, 2]}
    assert (first.before, first.user_id, second.entity_id) == (None, None, None)
    assert (second.before, second.after) == ({"on": True}, {"on": False})
    assert first.occurred_at == at
    # Compared in SQL with what the ORM wrote: the same text on SQLite, the same time.
    same_time = select(AuditEvent.actor).where(AuditEvent.occurred_at == at)
    assert sorted(db.session.scalars(same_time)) == ["bulk", "bulk", "orm"]
