"""Accounts: create, authenticate with throttling, change passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.db import utcnow
from survey.extensions import db
from survey.users import passwords, sessions, throttle
from survey.users.models import ROLES, User

# Checked when the account does not exist, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class AccountError(Exception):
    """A user-facing problem with an account operation; the message is safe to show.
    `field`: the form field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Throttled(AccountError):
    def __init__(self, wait_seconds: int):
        super().__init__(f"wait {wait_seconds} seconds")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class Credentials:
    login: str
    password: str
    client: str  # the client address; only its salted hash is stored


def hash_password(password: str) -> str:
    # Werkzeug's scrypt (2^15 rounds, ~50 ms). Only the test suite lowers the cost, through
    # the PASSWORD_HASH_METHOD setting, which no SURVEY_* variable reaches.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def authenticate(credentials: Credentials) -> User | None:
    """The active user these credentials belong to, or None; raises Throttled.

    The same None for an unknown account and a wrong password: messages never reveal
    which accounts exist. The attempt is claimed (and committed) before the password is
    checked, so parallel guesses cannot outrun the throttle.
    """
    refused = throttle.claim(credentials.login, credentials.client)
    if refused is not None:
        raise Throttled(refused.wait_seconds)
    login = credentials.login.strip()
    user = db.session.scalar(
        select(User).where(or_(User.username == login, func.lower(User.email) == login.lower()))
    )
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, credentials.password)
    if user is None or not valid or not user.active:
        return None
    throttle.succeeded(credentials.login, credentials.client)
    user.last_login_at = utcnow()
    return user


def check_password_strength(password: str, username: str, current_hash: str | None = None) -> None:
    try:
        passwords.check(password, username, current_hash)
    except passwords.WeakPassword as weak:
        raise AccountError(str(weak)) from None


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
        raise AccountError(
            _("The role %(role)s is not one of %(roles)s.", role=role, roles=", ".join(ROLES))
        )
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(_("The user name %(name)s is taken.", name=username))
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise AccountError(_("There is no agency with the code %(code)s.", code=agency_code))
    if role == "agency-viewer" and agency is None:
        raise AccountError(_("An agency viewer needs an agency: choose the agency they see."))
    generated = password is None
    password = password or secrets.token_urlsafe(15)
    check_password_strength(password, username)
    user = User(
        username=username,
        email=email or None,
        role=role,
        agency=agency,
        password_hash=hash_password(password),
        # A generated password is read off a screen and handed over: its owner changes it.
        must_change_password=generated,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, actor=actor, user_id=user_id, after=snapshot(user))
    return user, password


def update_user(
    user: User,
    *,
    username: str,
    email: str | None,
    role: str,
    agency: Agency | None,
    active: bool,
    editor: User,
    actor: str,
    user_id: int | None,
) -> None:
    """Change an account as an administrator's form says, audited; AccountError (with
    the field it is about) when the change is not allowed. The caller commits."""
    taken = db.session.scalar(select(User).where(User.username == username, User.id != user.id))
    if taken is not None:
        raise AccountError(_("%(value)s is already used.", value=username), field="username")
    if role == "agency-viewer" and agency is None:
        raise AccountError(_("An agency viewer needs an agency."), field="agency_code")
    if user.id == editor.id and (role != "admin" or not active):
        raise AccountError(_("You cannot take away your own administrator rights."), field="role")
    if user.role == "admin" and user.active and (role != "admin" or not active):
        others = [admin for admin in lock_administrators() if admin != user.id]
        if not others:
            raise AccountError(
                _(
                    "%(user)s is the last active administrator: make someone else an "
                    "administrator first.",
                    user=user.username,
                ),
                field="role",
            )
    before = snapshot(user)
    user.username, user.email = username, email or None
    user.role, user.agency, user.active = role, agency, active
    audit.record(
        "user.update",
        "user",
        user.id,
        before=before,
        after=snapshot(user),
        actor=actor,
        user_id=user_id,
    )


def lock_administrators() -> list[int]:
    """The active administrators' ids, their rows locked until the transaction ends.

    Two administrators demoting each other at once would each see the other still there
    and leave none. Whoever locks the rows second waits for the first to commit and then
    sees what it changed (PostgreSQL re-reads locked rows; SQLite writes one transaction
    at a time). All of them are locked, in id order, so that two changes never wait for
    each other in a circle."""
    return list(
        db.session.scalars(
            select(User.id)
            .where(User.role == "admin", User.active)
            .order_by(User.id)
            .with_for_update()
        )
    )


def set_password(
    user: User, password: str, *, temporary: bool = False, actor: str, user_id: int | None
) -> None:
    """Set a new password and end the account's other sessions (all of them when an
    administrator resets someone else's). `temporary`: someone other than the owner knows
    it (an administrator's reset): the owner must change it at the next sign-in."""
    check_password_strength(password, user.username, user.password_hash)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    sessions.end_others(user)
    audit.record("user.password", "user", user.id, actor=actor, user_id=user_id)


def snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "agency": user.agency.code if user.agency else None,
        "active": user.active,
    }
