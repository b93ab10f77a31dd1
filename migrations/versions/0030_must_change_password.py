"""A generated or reset password must be changed at the next sign-in.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite has one): a batch would copy the table and lose the
    # unique index on lower(username) (survey/db.py, unique_in_any_case).
    op.add_column(
        "user_account",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # SQLite drops a column by copying the table, and cannot reflect (so copy) the
    # unique index on lower(username) from 0029: it is dropped and made again around it.
    op.drop_index("uq_user_account_username_any_case", table_name="user_account")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    op.create_index(
        "uq_user_account_username_any_case",
        "user_account",
        [sa.text("lower(username)")],
        unique=True,
    )
