"""Agency lineage and the province as it is now: which agencies replaced which (merge,
split with shares, rename) from a date; wards as a kind of agency beside communes; the
campaign's choice of direct or small-area estimates for the reform league.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 16:17:21

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('department', 'district', 'commune')"
NEW_KINDS = "kind IN ('department', 'district', 'commune', 'ward')"


def upgrade():
    op.create_table(
        "agency_succession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('merge', 'split', 'rename')", name=op.f("ck_agency_succession_kind")
        ),
        sa.CheckConstraint(
            "predecessor_id <> successor_id", name=op.f("ck_agency_succession_not_itself")
        ),
        sa.CheckConstraint("share > 0 AND share <= 1", name=op.f("ck_agency_succession_share")),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["agency.id"],
            name=op.f("fk_agency_succession_predecessor_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["agency.id"], name=op.f("fk_agency_succession_successor_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_succession")),
        sa.UniqueConstraint(
            "predecessor_id",
            "successor_id",
            name=op.f("uq_agency_succession_predecessor_id_successor_id"),
        ),
    )
    with op.batch_alter_table("agency_succession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_succession_predecessor_id"), ["predecessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agency_succession_successor_id"), ["successor_id"], unique=False
        )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_agency_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_agency_kind"), NEW_KINDS)
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "league_estimate", sa.String(length=10), server_default="direct", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_campaign_league_estimate"), "league_estimate IN ('direct', 'small_area')"
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_league_estimate"), type_="check")
        batch_op.drop_column("league_estimate")
    op.execute("UPDATE agency SET kind = 'commune' WHERE kind = 'ward'")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_agency_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_agency_kind"), OLD_KINDS)
    with op.batch_alter_table("agency_succession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_succession_successor_id"))
        batch_op.drop_index(batch_op.f("ix_agency_succession_predecessor_id"))
    op.drop_table("agency_succession")
