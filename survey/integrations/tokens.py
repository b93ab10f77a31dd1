"""Creating, revoking and checking integration tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.db import utcnow
from survey.extensions import db
from survey.integrations.models import IntegrationToken
from survey.local_time import today

# Tokens start with a fixed tag so that secret scanners and people recognise them.
TAG = "sks_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenError(Exception):
    """A token that cannot be created; the message says why."""


def create(
    name: str,
    system: str,
    *,
    agencies: Sequence[Agency] = (),
    actor: str,
    user_id: int | None,
) -> tuple[IntegrationToken, str]:
    """A new token and its secret, which is never stored and cannot be shown again.

    Two active tokens never share a name (the list names them, and revoking the wrong one
    would cut a system off): TokenError."""
    name = " ".join(name.split())
    taken = db.session.scalar(
        select(IntegrationToken.id).where(
            func.lower(IntegrationToken.name) == name.lower(), IntegrationToken.revoked_at.is_(None)
        )
    )
    if taken is not None:
        raise TokenError(
            _(
                "An active token is already named %(name)s: revoke it first, or choose "
                "another name.",
                name=name,
            )
        )
    secret = TAG + secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=name,
        system=system,
        prefix=secret[:10],
        digest=digest(secret),
        created_by=user_id,
        agencies=list(agencies),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "integration_token.create",
        "integration_token",
        token.id,
        actor=actor,
        user_id=user_id,
        after={
            "name": name,
            "system": system,
            "prefix": token.prefix,
            "agencies": [a.code for a in agencies],
        },
    )
    return token, secret


def revoke(token: IntegrationToken, *, actor: str, user_id: int | None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(
        "integration_token.revoke",
        "integration_token",
        token.id,
        actor=actor,
        user_id=user_id,
        before={"prefix": token.prefix},
    )


def authenticate(header: str | None) -> IntegrationToken | None:
    """The active token an `Authorization: Bearer …` header carries, or None. The scheme's
    name is matched regardless of case (RFC 6750 §2.1, RFC 9110 §11.1)."""
    scheme, _space, secret = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    secret = secret.strip()
    if not secret.startswith(TAG) or len(secret) > 100 or not secret.isascii():
        return None
    token = db.session.scalar(
        select(IntegrationToken).where(IntegrationToken.digest == digest(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.last_used_on != today():
        token.last_used_on = today()
    return token
