"""A campaign may declare the household design (villages within communes, households
within villages), and a household interview's submission names its village (the PSU).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08 02:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

CAMPAIGN_CODE_INDEX = "uq_campaign_code_any_case"
CLUSTER = (
    "(design IN ('element', 'household') AND design_cluster IS NULL) OR "
    "(design = 'clustered' AND design_cluster IS NOT NULL AND design_cluster IN ('day_point'))"
)
OLD_CLUSTER = (
    "(design = 'element' AND design_cluster IS NULL) OR "
    "(design = 'clustered' AND design_cluster IS NOT NULL AND design_cluster IN ('day_point'))"
)


def _campaign_checks(designs: tuple[str, ...], cluster: str, length: int) -> None:
    # SQLite changes a CHECK only by copying the table, which cannot carry the unique
    # index on lower(code) (0029): it is dropped and made again around the copy.
    op.drop_index(CAMPAIGN_CODE_INDEX, table_name="campaign")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_design"), type_="check")
        batch_op.drop_constraint(op.f("ck_campaign_design_cluster"), type_="check")
        batch_op.alter_column(
            "design", existing_type=sa.String(), type_=sa.String(length=length),
            existing_nullable=False, existing_server_default="element",
        )  # fmt: skip
        batch_op.create_check_constraint(op.f("ck_campaign_design"), "design IN " + str(designs))
        batch_op.create_check_constraint(op.f("ck_campaign_design_cluster"), cluster)
    op.create_index(CAMPAIGN_CODE_INDEX, "campaign", [sa.text("lower(code)")], unique=True)


def upgrade():
    _campaign_checks(("element", "clustered", "household"), CLUSTER, 9)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_submission_village_id_village"), "village", ["village_id"], ["id"]
        )


def downgrade():
    op.execute(
        "DELETE FROM answer WHERE submission_id IN "
        "(SELECT id FROM submission WHERE village_id IS NOT NULL)"
    )
    op.execute("DELETE FROM submission WHERE village_id IS NOT NULL")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_submission_village_id_village"), type_="foreignkey")
        batch_op.drop_column("village_id")
    op.execute("UPDATE campaign SET design = 'element' WHERE design = 'household'")
    _campaign_checks(("element", "clustered"), OLD_CLUSTER, 9)
