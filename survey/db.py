"""Shared column helpers. All times are stored as naive UTC and shown in Vietnam time."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
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


def insert_rows(session, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT many rows fast, inside the session's transaction: COPY on PostgreSQL, the
    driver's executemany on SQLite. SQLAlchemy's own executemany costs tens of
    microseconds a row in parameter processing, which at 100,000 rows (an import, a demo,
    a benchmark) is most of the work. Values are plain: numbers, text, booleans, naive UTC
    datetimes, None (NULL), and dicts or lists for JSON columns."""
    connection = session.connection().connection.driver_connection
    names = ", ".join(columns)
    if session.get_bind().dialect.name == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for chunk in _copy_text(rows):
                copy.write(chunk)
        return
    placeholders = ", ".join("?" for _ in columns)
    connection.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
        (tuple(_sqlite_value(v) for v in row) for row in rows),
    )


def _sqlite_value(value):
    # The exact text SQLAlchemy's SQLite DATETIME and JSON write, so values sort, compare
    # and read back alike.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _copy_text(rows: Iterable[Sequence], lines_per_chunk: int = 50_000) -> Iterator[str]:
    buffer = io.StringIO()
    pending = 0
    for row in rows:
        buffer.write("\t".join(_copy_field(v) for v in row))
        buffer.write("\n")
        pending += 1
        if pending == lines_per_chunk:
            yield buffer.getvalue()
            buffer = io.StringIO()
            pending = 0
    if pending:
        yield buffer.getvalue()


def _copy_field(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)
