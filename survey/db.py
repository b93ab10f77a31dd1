"""Shared column helpers. All times are stored as naive UTC and shown in Vietnam time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def one_of(column: str, values: Sequence[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps an enumeration column inside its values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or column)


def unique_in_any_case(table: str, column: str, *within: str) -> Index:
    """A unique index on lower(column) (after `within` columns): "sxd" beside "SXD" would
    be two records people read as one, and codes are typed and scanned in any case. The
    database holds it, so neither a file with both spellings nor two administrators at
    once can add the second.

    For migrations: SQLite alters a table by copying it and cannot reflect these indexes,
    so a batch_alter_table that copies such a table must drop the index before and create
    it again after (migrations/versions/0030 shows how)."""
    return Index(f"uq_{table}_{column}_any_case", *within, text(f"lower({column})"), unique=True)


def conflict_insert(session, model):
    """An INSERT into `model` that can say what a conflict does (ON CONFLICT DO NOTHING /
    DO UPDATE), in the dialect of the session's database: PostgreSQL's and SQLite's
    take the same clauses."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def enum_column(values: Sequence[str], **kwargs):
    """A short string column for an enumeration (paired with `one_of` on the table)."""
    return mapped_column(String(max(len(v) for v in values)), **kwargs)


def raw_statement(query) -> tuple[str, tuple | dict]:
    """SQL and parameters of a SQLAlchemy query for the driver's own cursor (bulk reads
    skip SQLAlchemy's row objects), with times written as SQLAlchemy stores them."""
    from survey.extensions import db

    dialect = db.session.get_bind().dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if dialect.paramstyle == "pyformat":  # psycopg: %(name)s placeholders
        return str(compiled), compiled.params
    params = (compiled.params[name] for name in compiled.positiontup)
    return str(compiled), tuple(
        p.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(p, datetime) else p for p in params
    )
