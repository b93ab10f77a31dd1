"""Record audit events in the caller's transaction, so a write and its record commit together."""

from __future__ import annotations

from typing import Any

from survey.audit.models import AuditEvent
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
