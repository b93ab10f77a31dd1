"""Accounts: create, authenticate with throttling, change passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.db import utcnow
from survey.extensions import db
from survey.users.models import ROLES, SignInFailure, User

WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_CLIENT_FAILURES = 20
MIN_PASSWORD_LENGTH = 10
# Checked when the account does not exist, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class AccountError(Exception):
    """A user-facing problem with an account operation; the message is safe to show."""


class Throttled(AccountError):
    pass


@dataclass(frozen=True)
class Credentials:
    login: str
    password: str
    client: str  # the client address; only its salted hash is stored


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _key(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def authenticate(credentials: Credentials) -> User | None:
    """The active user these credentials belong to, or None; raises Throttled.

    The same None for an unknown account and a wrong password: messages never reveal
    which accounts exist.
    """
    account, client = _key(credentials.login), _key(credentials.client)
    since = utcnow() - WINDOW
    failures = db.session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.account_key == account, SignInFailure.occurred_at >= since)
    )
    client_failures = db.session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.client_key == client, SignInFailure.occurred_at >= since)
    )
    if failures >= MAX_ACCOUNT_FAILURES or client_failures >= MAX_CLIENT_FAILURES:
        raise Throttled("too many failed attempts")
    login = credentials.login.strip()
    user = db.session.scalar(
        select(User).where(or_(User.username == login, func.lower(User.email) == login.lower()))
    )
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, credentials.password)
    if user is None or not valid or not user.active:
        db.session.add(SignInFailure(account_key=account, client_key=client))
        return None
    db.session.execute(delete(SignInFailure).where(SignInFailure.account_key == account))
    user.last_login_at = utcnow()
    return user


def check_password_strength(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("at least %(count)s characters", count=MIN_PASSWORD_LENGTH))
    if username and username.lower() in password.lower():
        raise AccountError(_("must not contain the user name"))


def create_user(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str | None = None,
    agency_code: str | None = None,
    actor: str,
    user_id: int | None = None,
) -> tuple[User, str]:
    """Create an account; returns it with its password (generated when not given)."""
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"user name {username!r} is taken")
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise AccountError(f"no agency with code {agency_code!r}")
    if role == "agency-viewer" and agency is None:
        raise AccountError("an agency viewer needs an agency (--agency CODE)")
    password = password or secrets.token_urlsafe(12)
    check_password_strength(password, username)
    user = User(
        username=username,
        email=email or None,
        role=role,
        agency=agency,
        password_hash=hash_password(password),
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, actor=actor, user_id=user_id, after=snapshot(user))
    return user, password


def set_password(user: User, password: str, *, actor: str, user_id: int | None) -> None:
    """Set a new password and end the account's other sessions."""
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    audit.record("user.password", "user", user.id, actor=actor, user_id=user_id)


def load_user(identifier: str) -> User | None:
    """Flask-Login's loader: the id carries the session token, so old sessions die."""
    user_id, _, token = identifier.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "agency": user.agency.code if user.agency else None,
        "active": user.active,
    }
