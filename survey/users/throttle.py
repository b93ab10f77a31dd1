"""Slowing down password guessing without letting anyone lock a colleague out.

Failures are counted per account *and* client (and per client across accounts, for one
client trying many accounts). After a few free failures each further attempt of that
pair must wait longer (1 s, 2 s, 4 s ... up to 15 minutes), as OWASP advises. A client
that has not failed is never held back, whoever else is guessing at the account, so an
attacker cannot lock an evaluator out.

The client-wide count holds back only the accounts this client has already failed at: a
colleague behind the same office address, whose first try at their own account is right,
signs in however many failures the address has. What a sprayer gains is one guess per
account, against passwords strong enough that one guess is nothing (passwords.py).

An attempt is claimed by one conditional UPDATE before the password is checked: of 40
parallel tries, only those the schedule allows get checked at all.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select, true, update

from survey.db import conflict_insert, utcnow
from survey.extensions import db
from survey.users.models import SignInThrottle

# A whole office may share one address, so the client's allowance is generous.
FREE_ATTEMPTS = {"pair": 3, "client": 50}
LONGEST_WAIT = timedelta(minutes=15)
# Failures older than this are forgotten.
MEMORY = timedelta(hours=1)


@dataclass(frozen=True)
class Refused:
    wait_seconds: int


def _key(kind: str, *parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    text = "|".join(p.strip().lower() for p in (kind, *parts))
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def wait_after(attempts: int, free: int) -> timedelta:
    """How long the next attempt waits once `attempts` have been made."""
    if attempts < free:
        return timedelta(0)
    return min(LONGEST_WAIT, timedelta(seconds=2 ** (attempts - free)))


def claim(login: str, client: str) -> Refused | None:
    """Claim one sign-in attempt for this account and client, or say how long to wait."""
    now = utcnow()
    keys = {"pair": _key("pair", login, client), "client": _key("client", client)}
    failed_before = False  # read from the pair's row, which comes first
    for kind, key in keys.items():
        _ensure_row(key, now)
        free = FREE_ATTEMPTS[kind]
        forgotten = SignInThrottle.last_attempt_at < now - MEMORY
        if kind == "pair":
            failed_before = bool(
                db.session.scalar(
                    select(SignInThrottle.attempts).where(
                        SignInThrottle.key == key, SignInThrottle.last_attempt_at >= now - MEMORY
                    )
                )
            )
        attempts = case((forgotten, 0), else_=SignInThrottle.attempts)
        # The schedule as a CASE over the attempt count: the new allowed_from is known
        # before the row is read, so claiming is a single statement.
        steps = [(attempts == n, now + wait_after(n + 1, free)) for n in range(free + 11)]
        # The client's count holds back only accounts this client has failed at; for the
        # others the attempt is counted (and sets the schedule) but never refused.
        held_back = kind == "pair" or failed_before
        allowed = (SignInThrottle.allowed_from <= now) | forgotten if held_back else true()
        claimed = db.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key == key, allowed)
            .values(
                attempts=attempts + 1,
                last_attempt_at=now,
                allowed_from=case(*steps, else_=now + LONGEST_WAIT),
            )
        ).rowcount
        if claimed != 1:
            allowed_from = db.session.scalar(
                select(SignInThrottle.allowed_from).where(SignInThrottle.key == key)
            )
            db.session.commit()
            return Refused(max(1, int((allowed_from - now).total_seconds()) + 1))
    db.session.commit()
    return None


def succeeded(login: str, client: str) -> None:
    """The right password: this pair starts afresh, and the client's count takes back
    this attempt (it counts failures; one known account must not wipe the failures of a
    client that tries many)."""
    db.session.execute(
        delete(SignInThrottle).where(SignInThrottle.key == _key("pair", login, client))
    )
    db.session.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key == _key("client", client), SignInThrottle.attempts > 0)
        .values(attempts=SignInThrottle.attempts - 1)
    )


def _ensure_row(key: str, now: datetime) -> None:
    values = {"key": key, "attempts": 0, "allowed_from": now, "last_attempt_at": now}
    insert = conflict_insert(db.session, SignInThrottle)
    db.session.execute(insert.values(values).on_conflict_do_nothing())
