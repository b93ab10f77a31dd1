"""Write many submissions and answers fast: COPY on PostgreSQL, executemany on SQLite.

The ORM costs about a millisecond per row; a demo province or a benchmark needs millions
of answer rows, so this module writes straight through the session's connection, inside
the caller's transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select, text

from survey.extensions import db
from survey.responses.models import Submission

SUBMISSION_COLUMNS = (
    "id",
    "campaign_id",
    "questionnaire_version_id",
    "agency_id",
    "service_id",
    "service_point_id",
    "channel",
    "respondent_type",
    "submitted_at",
    "duration_seconds",
    "coded_answers",
)
ANSWER_COLUMNS = ("submission_id", "item_code", "position", "value_int", "value_text")


def reserve_submission_ids(count: int) -> int:
    """Lock the table and return the first of `count` consecutive free ids."""
    if _dialect() == "postgresql":
        db.session.execute(text("LOCK TABLE submission IN SHARE ROW EXCLUSIVE MODE"))
    last = db.session.scalar(select(func.max(Submission.id))) or 0
    return last + 1


def write(submissions: Sequence[tuple], answers: Iterable[tuple]) -> None:
    """Insert submission rows (SUBMISSION_COLUMNS order) and answer rows (ANSWER_COLUMNS)."""
    if _dialect() == "postgresql":
        _copy("submission", SUBMISSION_COLUMNS, submissions)
        _copy("answer", ANSWER_COLUMNS, answers)
        # Ids were given explicitly, so move the sequence past them for later inserts.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('submission', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM submission))"
            )
        )
    else:
        connection = db.session.connection().connection.driver_connection
        _executemany(connection, "submission", SUBMISSION_COLUMNS, submissions)
        _executemany(connection, "answer", ANSWER_COLUMNS, answers)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _executemany(connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    connection.executemany(sql, (tuple(_sqlite_value(v) for v in row) for row in rows))


def _sqlite_value(value):
    # The exact text SQLAlchemy's SQLite DATETIME writes, so values sort and compare alike.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _copy(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for chunk in _copy_text(rows):
            copy.write(chunk)


def _copy_text(rows: Iterable[tuple], lines_per_chunk: int = 50_000) -> Iterator[str]:
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
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)
