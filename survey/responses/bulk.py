"""Write many submissions and answers fast: COPY on PostgreSQL, executemany on SQLite
(survey/db.py insert_rows).

The ORM costs about a millisecond per row; a demo province or a benchmark needs millions
of answer rows, so this module writes straight through the session's connection, inside
the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, text

from survey.db import insert_rows
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
    insert_rows(db.session, "submission", SUBMISSION_COLUMNS, submissions)
    insert_rows(db.session, "answer", ANSWER_COLUMNS, answers)
    if _dialect() == "postgresql":
        # Ids were given explicitly, so move the sequence past them for later inserts.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('submission', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM submission))"
            )
        )


def _dialect() -> str:
    return db.session.get_bind().dialect.name
