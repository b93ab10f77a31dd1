"""Record audit events in the caller's transaction, so a write and its record commit together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from survey.audit.models import AuditEvent
from survey.db import utcnow
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
    db.session.execute(
        insert(AuditEvent),
        [{**event, "actor": actor, "user_id": user_id, "occurred_at": now} for event in events],
    )
