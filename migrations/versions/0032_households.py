"""The household survey's frame and two-stage samples: villages with their households,
a campaign's plan, the villages it drew (π₁) and the households listed in them (π₂ for
those drawn).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-08 02:08:05

"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "household_plan",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("villages_per_commune", sa.Integer(), nullable=False),
        sa.Column("households_per_village", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=3), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("method IN ('srs', 'pps')", name=op.f("ck_household_plan_method")),
        sa.CheckConstraint(
            "households_per_village >= 1", name=op.f("ck_household_plan_households_positive")
        ),
        sa.CheckConstraint(
            "villages_per_commune >= 1", name=op.f("ck_household_plan_villages_positive")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_household_plan_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_household_plan")),
    )
    op.create_table(
        "village",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("households >= 1", name=op.f("ck_village_households_positive")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_village_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village")),
        sa.UniqueConstraint("agency_id", "code", name=op.f("uq_village_agency_id_code")),
    )
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_village_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "drawn_village",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("frame_villages", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "probability > 0 AND probability <= 1", name=op.f("ck_drawn_village_probability_range")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_drawn_village_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_drawn_village_village_id_village")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "village_id", name=op.f("pk_drawn_village")),
    )
    op.create_table(
        "listed_household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "probability IS NULL OR (probability > 0 AND probability <= 1)",
            name=op.f("ck_listed_household_probability_range"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_listed_household_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_listed_household_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listed_household")),
        sa.UniqueConstraint(
            "campaign_id",
            "village_id",
            "number",
            name=op.f("uq_listed_household_campaign_id_village_id_number"),
        ),
    )
    with op.batch_alter_table("listed_household", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listed_household_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listed_household_village_id"), ["village_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("listed_household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listed_household_village_id"))
        batch_op.drop_index(batch_op.f("ix_listed_household_campaign_id"))

    op.drop_table("listed_household")
    op.drop_table("drawn_village")
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_agency_id"))

    op.drop_table("village")
    op.drop_table("household_plan")
