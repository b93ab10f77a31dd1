"""Screening signals on submissions: completion time, client hash, one-time form key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_hash", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_submission_client_hash"), ["client_hash"])
        batch_op.create_unique_constraint(batch_op.f("uq_submission_form_key"), ["form_key"])


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_submission_form_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_submission_client_hash"))
        batch_op.drop_column("form_key")
        batch_op.drop_column("client_hash")
        batch_op.drop_column("duration_seconds")
