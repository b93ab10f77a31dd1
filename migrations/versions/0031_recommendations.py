"""Citizens' recommendations to agencies, their replies and contacts, and each
campaign's reply deadline in working days.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 01:35:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

CAMPAIGN_CODE_INDEX = "uq_campaign_code_any_case"


def upgrade():
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_field_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=5), nullable=False),
        sa.Column("theme_chosen", sa.String(length=32), nullable=True),
        sa.Column("theme", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("publication", sa.String(length=9), nullable=False),
        sa.Column("withheld_reason", sa.Text(), nullable=True),
        sa.Column("reply_sent_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "publication <> 'withheld' OR withheld_reason IS NOT NULL",
            name=op.f("ck_recommendation_withheld_why"),
        ),
        sa.CheckConstraint(
            "publication IN ('pending', 'published', 'withheld')",
            name=op.f("ck_recommendation_publication"),
        ),
        sa.CheckConstraint("source IN ('web', 'paper')", name=op.f("ck_recommendation_source")),
        sa.CheckConstraint(
            "(reply IS NULL) = (replied_on IS NULL)",
            name=op.f("ck_recommendation_reply_and_its_day"),
        ),
        sa.CheckConstraint(
            "due_on >= received_on", name=op.f("ck_recommendation_due_after_received")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_recommendation_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_recommendation_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["service_field_id"],
            ["service_field.id"],
            name=op.f("fk_recommendation_service_field_id_service_field"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
    )
    for column in ("agency_id", "campaign_id", "received_on"):
        op.create_index(f"ix_recommendation_{column}", "recommendation", [column])
    op.create_table(
        "recommendation_contact",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.CheckConstraint(
            "phone IS NOT NULL OR email IS NOT NULL",
            name=op.f("ck_recommendation_contact_phone_or_email"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_contact_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", name=op.f("pk_recommendation_contact")),
    )
    # SQLite adds a CHECK only by copying the table, which cannot carry the unique index
    # on lower(code) (0029): it is dropped and made again around the copy.
    op.drop_index(CAMPAIGN_CODE_INDEX, table_name="campaign")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reply_working_days", sa.Integer(), server_default="10", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_campaign_reply_working_days"),
            "reply_working_days >= 1 AND reply_working_days <= 60",
        )
    op.create_index(CAMPAIGN_CODE_INDEX, "campaign", [sa.text("lower(code)")], unique=True)


def downgrade():
    op.drop_index(CAMPAIGN_CODE_INDEX, table_name="campaign")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_reply_working_days"), type_="check")
        batch_op.drop_column("reply_working_days")
    op.create_index(CAMPAIGN_CODE_INDEX, "campaign", [sa.text("lower(code)")], unique=True)
    op.drop_table("recommendation_contact")
    for column in ("received_on", "campaign_id", "agency_id"):
        op.drop_index(f"ix_recommendation_{column}", table_name="recommendation")
    op.drop_table("recommendation")
