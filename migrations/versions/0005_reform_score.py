"""Reform score: frameworks, the points evaluators enter, and a campaign's framework.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reform_framework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source_yaml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reform_framework")),
        sa.UniqueConstraint(
            "code", "content_hash", name=op.f("uq_reform_framework_code_content_hash")
        ),
    )
    with op.batch_alter_table("reform_framework", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reform_framework_code"), ["code"])
    op.create_table(
        "reform_points",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("self_points", sa.Float(), nullable=True),
        sa.Column("appraised_points", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "appraised_points IS NULL OR appraised_points >= 0",
            name=op.f("ck_reform_points_appraised_not_negative"),
        ),
        sa.CheckConstraint(
            "self_points IS NULL OR self_points >= 0",
            name=op.f("ck_reform_points_self_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_reform_points_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_reform_points_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_reform_points_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "agency_id", "criterion", name=op.f("pk_reform_points")
        ),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("framework_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_framework_id_reform_framework"),
            "reform_framework",
            ["framework_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_framework_id_reform_framework"), type_="foreignkey"
        )
        batch_op.drop_column("framework_id")
    op.drop_table("reform_points")
    with op.batch_alter_table("reform_framework", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reform_framework_code"))
    op.drop_table("reform_framework")
