"""Every submission carries its coded answers: the ones stored before 0006 get theirs from
their answer rows, and the column becomes NOT NULL.

The answer rows stay the record; the coded text is derived from them (two digits per
coded item in the version's order, "--" where there is none; see responses/coded.py), so
the runs and exports read answers one way only.

Which items are coded is written here as it stood at this revision (satisfaction levels
and single choices), so that the history does not move when the code does.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 23:50:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CODED_TYPES = ("satisfaction", "single_choice")
BATCH = 5000


def _coded_items(content) -> list[str]:
    if isinstance(content, str):  # SQLite hands JSON back as text
        content = json.loads(content)
    return [
        item["code"]
        for section in content["sections"]
        for item in section["items"]
        if item["type"] in CODED_TYPES
    ]


def _backfill(bind) -> None:
    # PostgreSQL compares no json values: the versions first, then their content.
    versions = bind.scalars(
        sa.text(
            "SELECT DISTINCT questionnaire_version_id FROM submission WHERE coded_answers IS NULL"
        )
    ).all()
    for version_id in versions:
        content = bind.scalar(
            sa.text("SELECT content FROM questionnaire_version WHERE id = :v"), {"v": version_id}
        )
        codes = _coded_items(content)
        column = {code: j for j, code in enumerate(codes)}
        texts: dict[int, list[str]] = {
            sid: ["--"] * len(codes)
            for (sid,) in bind.execute(
                sa.text(
                    "SELECT id FROM submission WHERE coded_answers IS NULL "
                    "AND questionnaire_version_id = :v"
                ),
                {"v": version_id},
            )
        }
        rows = bind.execute(
            sa.text(
                "SELECT a.submission_id, a.item_code, a.value_int FROM answer a "
                "JOIN submission s ON s.id = a.submission_id "
                "WHERE s.coded_answers IS NULL AND s.questionnaire_version_id = :v "
                "AND a.position = 0 AND a.value_int IS NOT NULL"
            ),
            {"v": version_id},
        )
        for sid, code, value in rows:
            if code in column:
                texts[sid][column[code]] = f"{value:02d}"
        updates = [{"id": sid, "text": "".join(parts)} for sid, parts in texts.items()]
        statement = sa.text("UPDATE submission SET coded_answers = :text WHERE id = :id")
        for start in range(0, len(updates), BATCH):
            bind.execute(statement, updates[start : start + BATCH])


def upgrade():
    _backfill(op.get_bind())
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("coded_answers", existing_type=sa.Text(), nullable=False)


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("coded_answers", existing_type=sa.Text(), nullable=True)
