"""Dossier records from the one-stop-shop system (received, due, returned, result).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=7), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('counter', 'online', 'post')", name=op.f("ck_dossier_record_channel")
        ),
        sa.CheckConstraint(
            "due_on >= received_on", name=op.f("ck_dossier_record_due_after_received")
        ),
        sa.CheckConstraint(
            "returned_on IS NULL OR returned_on >= received_on",
            name=op.f("ck_dossier_record_returned_after_received"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_dossier_record_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_dossier_record_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_record")),
        sa.UniqueConstraint("dossier_code", name=op.f("uq_dossier_record_dossier_code")),
    )
    with op.batch_alter_table("dossier_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_record_agency_id"), ["agency_id"])
        batch_op.create_index(batch_op.f("ix_dossier_record_service_id"), ["service_id"])
        batch_op.create_index(batch_op.f("ix_dossier_record_returned_on"), ["returned_on"])


def downgrade():
    op.drop_table("dossier_record")
