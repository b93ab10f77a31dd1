"""The survey answered in steps keeps its answers between steps in survey_draft.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_draft",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_survey_draft")),
    )
    with op.batch_alter_table("survey_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_draft_updated_at"), ["updated_at"])


def downgrade():
    op.drop_table("survey_draft")
