"""Paper questionnaires: batches, numbered forms, entries, resolutions; double-entry share.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paper_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("surveyor_id", sa.Integer(), nullable=True),
        sa.Column("service_point_id", sa.Integer(), nullable=True),
        sa.Column("service_numbers", sa.JSON(), nullable=False),
        sa.Column("returned_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "returned_count IS NULL OR returned_count >= 0", name=op.f("ck_paper_batch_returned")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_paper_batch_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_paper_batch_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_point.id"],
            name=op.f("fk_paper_batch_service_point_id_service_point"),
        ),
        sa.ForeignKeyConstraint(
            ["surveyor_id"],
            ["user_account.id"],
            name=op.f("fk_paper_batch_surveyor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_batch")),
    )
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paper_batch_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_paper_batch_surveyor_id"), ["surveyor_id"], unique=False
        )

    op.create_table(
        "paper_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("verify", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("duplicate_attempts", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('issued', 'keyed', 'adjudication', 'verified')",
            name=op.f("ck_paper_form_status"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["paper_batch.id"], name=op.f("fk_paper_form_batch_id_paper_batch")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_paper_form_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_paper_form_submission_id_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_form")),
        sa.UniqueConstraint("campaign_id", "serial", name=op.f("uq_paper_form_campaign_id_serial")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_paper_form_submission_id")),
    )
    with op.batch_alter_table("paper_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_form_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("keyer_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("field_count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"], ["paper_form.id"], name=op.f("fk_paper_entry_form_id_paper_form")
        ),
        sa.ForeignKeyConstraint(
            ["keyer_id"], ["user_account.id"], name=op.f("fk_paper_entry_keyer_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_entry")),
        sa.UniqueConstraint("form_id", "keyer_id", name=op.f("uq_paper_entry_form_id_keyer_id")),
    )
    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_entry_form_id"), ["form_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_paper_entry_keyer_id"), ["keyer_id"], unique=False)

    op.create_table(
        "paper_resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("first_value", sa.String(length=2000), nullable=True),
        sa.Column("second_value", sa.String(length=2000), nullable=True),
        sa.Column("paper_value", sa.String(length=2000), nullable=True),
        sa.Column("first_wrong", sa.Boolean(), nullable=False),
        sa.Column("second_wrong", sa.Boolean(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"], ["paper_form.id"], name=op.f("fk_paper_resolution_form_id_paper_form")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_paper_resolution_resolved_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_resolution")),
        sa.UniqueConstraint(
            "form_id", "item_code", name=op.f("uq_paper_resolution_form_id_item_code")
        ),
    )
    with op.batch_alter_table("paper_resolution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_resolution_form_id"), ["form_id"], unique=False)

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        # Campaigns that exist already keep every paper form keyed twice.
        batch_op.add_column(
            sa.Column("paper_verify_share", sa.Float(), nullable=False, server_default="1")
        )
        batch_op.create_check_constraint(
            "ck_campaign_paper_verify_share", "paper_verify_share >= 0 AND paper_verify_share <= 1"
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint("ck_campaign_paper_verify_share", type_="check")
        batch_op.drop_column("paper_verify_share")

    with op.batch_alter_table("paper_resolution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_resolution_form_id"))

    op.drop_table("paper_resolution")
    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_entry_keyer_id"))
        batch_op.drop_index(batch_op.f("ix_paper_entry_form_id"))

    op.drop_table("paper_entry")
    with op.batch_alter_table("paper_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_form_batch_id"))

    op.drop_table("paper_form")
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_batch_surveyor_id"))
        batch_op.drop_index(batch_op.f("ix_paper_batch_campaign_id"))

    op.drop_table("paper_batch")
