"""The household survey in the field: surveyors' phones (a token each, as a hash), the
receipts that make a re-sent interview store nothing twice, the outcome counts of drawn
households per village, and the submission channel "household".

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08 02:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

CHANNELS = ("web-qr", "web-link", "paper", "kiosk", "household")


def upgrade():
    op.create_table(
        "field_receipt",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_field_receipt")),
    )
    op.create_table(
        "field_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_field_device_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_field_device_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_field_device_token_hash")),
    )
    with op.batch_alter_table("field_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_device_user_id"), ["user_id"], unique=False)

    op.create_table(
        "household_outcome",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('complete', 'partial', 'refusal', 'non_contact', 'not_eligible')",
            name=op.f("ck_household_outcome_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_household_outcome_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_household_outcome_village_id_village")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "village_id", "outcome", name=op.f("pk_household_outcome")
        ),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column(
            "channel", existing_type=sa.VARCHAR(length=8), type_=sa.String(length=9),
            existing_nullable=False,
        )  # fmt: skip
        batch_op.drop_constraint(op.f("ck_submission_channel"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_submission_channel"), "channel IN " + str(CHANNELS)
        )


def downgrade():
    op.execute(
        "DELETE FROM answer WHERE submission_id IN "
        "(SELECT id FROM submission WHERE channel = 'household')"
    )
    op.execute("DELETE FROM submission WHERE channel = 'household'")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submission_channel"), type_="check")
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=9), type_=sa.VARCHAR(length=8),
            existing_nullable=False,
        )  # fmt: skip
        batch_op.create_check_constraint(
            op.f("ck_submission_channel"), "channel IN " + str(CHANNELS[:-1])
        )
    op.drop_table("household_outcome")
    with op.batch_alter_table("field_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_device_user_id"))

    op.drop_table("field_device")
    op.drop_table("field_receipt")
