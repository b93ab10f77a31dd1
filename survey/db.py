"""Shared column helpers. All times are stored as naive UTC and shown in Vietnam time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in the province's time zone (the one Babel shows times in)."""
    from flask import current_app

    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def one_of(column: str, values: Sequence[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps an enumeration column inside its values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or column)


def enum_column(values: Sequence[str], **kwargs):
    """A short string column for an enumeration (paired with `one_of` on the table)."""
    return mapped_column(String(max(len(v) for v in values)), **kwargs)
