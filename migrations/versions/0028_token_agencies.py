"""An integration token may be given agencies: it writes and reads only their records.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "integration_token_agency",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_integration_token_agency_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["integration_token.id"],
            name=op.f("fk_integration_token_agency_token_id_integration_token"),
        ),
        sa.PrimaryKeyConstraint("token_id", "agency_id", name=op.f("pk_integration_token_agency")),
    )


def downgrade():
    op.drop_table("integration_token_agency")
