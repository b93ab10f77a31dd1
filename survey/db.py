"""Shared column helpers. All times are stored as naive UTC and shown in Vietnam time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def one_of(column: str, values: Sequence[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps an enumeration column inside its values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or column)


def enum_column(values: Sequence[str], **kwargs):
    """A short string column for an enumeration (paired with `one_of` on the table)."""
    return mapped_column(String(max(len(v) for v in values)), **kwargs)
