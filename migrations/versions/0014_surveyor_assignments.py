"""Surveyors assigned to campaigns and agencies issue their own paper batches.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "surveyor_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_surveyor_assignment_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_surveyor_assignment_campaign_id_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_surveyor_assignment_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveyor_assignment")),
        sa.UniqueConstraint(
            "campaign_id",
            "agency_id",
            "user_id",
            name=op.f("uq_surveyor_assignment_campaign_id_agency_id_user_id"),
        ),
    )
    with op.batch_alter_table("surveyor_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveyor_assignment_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_surveyor_assignment_user_id"), ["user_id"], unique=False
        )


def downgrade():
    op.drop_table("surveyor_assignment")
