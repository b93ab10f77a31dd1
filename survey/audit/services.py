"""Record audit events in the caller's transaction, so a write and its record commit together."""

from __future__ import annotations

from typing import Any

from survey.audit.models import AuditEvent
from survey.db import insert_rows, utcnow
from survey.extensions import db


def record(
    action: str,
    entity_type: str,
    entity_id: object | None,
    *,
    actor: str,
    user_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        actor=actor,
        user_id=user_id,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def record_many(events: list[dict[str, Any]], *, actor: str, user_id: int | None) -> None:
    """Record many events at once (an import's records), in one statement: each a dict of
    action, entity_type, entity_id, before and after."""
    if not events:
        return
    now = utcnow()
    # Straight to the table (COPY on PostgreSQL): through SQLAlchemy, parameter
    # processing and JSON encoding per row cost seconds at 100,000 rows.
    columns = ("occurred_at", "user_id", "actor", "action", "entity_type", "entity_id")
    insert_rows(
        db.session,
        AuditEvent.__tablename__,
        (*columns, "before", "after"),
        (
            (now, user_id, actor, e["action"], e["entity_type"], e["entity_id"],
             e["before"], e["after"])
            for e in events
        ),
    )  # fmt: skip
