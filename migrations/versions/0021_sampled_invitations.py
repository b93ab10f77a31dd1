"""Invitations drawn from the dossier records with known probabilities: sampling plans
and the systematic selection's position per cell; the invitation's probability, the
dossier's channel and timeliness, when it was opened and how it ended; the submission's
probability and dossier timeliness (coded attributes); the campaign's weighting.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:03:57

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sampling_cell",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("service_field_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Float(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_sampling_cell_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_sampling_cell_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["service_field_id"],
            ["service_field.id"],
            name=op.f("fk_sampling_cell_service_field_id_service_field"),
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "agency_id", "service_field_id", name=op.f("pk_sampling_cell")
        ),
    )
    op.create_table(
        "sampling_plan",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("with_phone", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("response_rate", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("planned >= 0", name=op.f("ck_sampling_plan_planned")),
        sa.CheckConstraint(
            "probability > 0 AND probability <= 1", name=op.f("ck_sampling_plan_probability")
        ),
        sa.CheckConstraint(
            "response_rate > 0 AND response_rate <= 1", name=op.f("ck_sampling_plan_response_rate")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_sampling_plan_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_sampling_plan_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "agency_id", name=op.f("pk_sampling_plan")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weighting", sa.String(length=9), server_default="frame", nullable=False)
        )
        batch_op.add_column(sa.Column("invitations_drawn_through", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_campaign_weighting"), "weighting IN ('frame', 'selection')"
        )

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("selection_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("dossier_channel", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("dossier_timeliness", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_invitation_outcome"), "outcome IN ('complete', 'partial', 'breakoff')"
        )
        batch_op.create_check_constraint(
            op.f("ck_invitation_dossier_timeliness"), "dossier_timeliness IN ('on_time', 'late')"
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("selection_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("dossier_timeliness", sa.String(length=7), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_submission_dossier_timeliness"), "dossier_timeliness IN ('on_time', 'late')"
        )


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submission_dossier_timeliness"), type_="check")
        batch_op.drop_column("dossier_timeliness")
        batch_op.drop_column("selection_probability")

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invitation_dossier_timeliness"), type_="check")
        batch_op.drop_constraint(op.f("ck_invitation_outcome"), type_="check")
        batch_op.drop_column("outcome")
        batch_op.drop_column("opened_on")
        batch_op.drop_column("dossier_timeliness")
        batch_op.drop_column("dossier_channel")
        batch_op.drop_column("selection_probability")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_weighting"), type_="check")
        batch_op.drop_column("invitations_drawn_through")
        batch_op.drop_column("weighting")

    op.drop_table("sampling_plan")
    op.drop_table("sampling_cell")
