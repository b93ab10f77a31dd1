"""Runs apply the finite-population correction from the frame counts: a campaign says
whether (finite_population 'frame', the default) or not ('none').

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "finite_population", sa.String(length=5), server_default="frame", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_campaign_finite_population"), "finite_population IN ('frame', 'none')"
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_finite_population"), type_="check")
        batch_op.drop_column("finite_population")
