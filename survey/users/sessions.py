"""Staff sessions that end: on sign-out, on a password change, and after idling.

The signed cookie names a session row by its secret; the row decides whether it is
still alive. A copied cookie is therefore worth nothing once its owner signs out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from survey.db import utcnow
from survey.extensions import db
from survey.inputs import whole_number
from survey.users.models import StaffSession, User

# Writing last_seen_at on every request would make every page a write; a minute's
# slack in the idle timeout is harmless.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["SURVEY_IDLE_TIMEOUT_MINUTES"])


def start(user: User) -> None:
    """Open a session for `user`; Flask-Login then keeps its secret in the cookie."""
    secret = secrets.token_urlsafe(32)
    db.session.add(StaffSession(secret_hash=_hash(secret), user_id=user.id))
    user.session_secret = secret


def end(user: User) -> None:
    if user.session_secret:
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.secret_hash == _hash(user.session_secret))
            .values(ended_at=utcnow())
        )


def end_others(user: User) -> None:
    """End every session of the account but the one this request runs in."""
    query = update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.ended_at.is_(None)
    )
    if user.session_secret:
        query = query.where(StaffSession.secret_hash != _hash(user.session_secret))
    db.session.execute(query.values(ended_at=utcnow()))


def load_user(identifier: str) -> User | None:
    """Flask-Login's loader: the user of a live session, or None (signed out)."""
    text, _, secret = identifier.partition(":")
    user_id = whole_number(text)
    if user_id is None or not secret:
        return None
    # Found by the secret's hash, so no comparison of secrets happens here.
    row = db.session.scalar(select(StaffSession).where(StaffSession.secret_hash == _hash(secret)))
    now = utcnow()
    if (
        row is None
        or row.ended_at is not None
        or row.user_id != user_id
        or now - row.last_seen_at > idle_timeout()
    ):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user.session_secret = secret
    return user
