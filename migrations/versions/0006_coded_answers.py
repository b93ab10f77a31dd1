"""Submissions carry their coded answers as text (fast analysis) and a dossier-code hash.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 03:00:00

Existing submissions keep coded_answers NULL; the analysis reads those from their answer
rows, so nothing needs back-filling.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dossier_hash", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("coded_answers", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_submission_dossier_hash"), ["dossier_hash"])


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_dossier_hash"))
        batch_op.drop_column("coded_answers")
        batch_op.drop_column("dossier_hash")
