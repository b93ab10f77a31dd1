"""Integration tokens for the province systems that call the API; dossier records say
which system wrote them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "integration_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_integration_token_created_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_integration_token_digest")),
    )
    with op.batch_alter_table("integration_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integration_token_system"), ["system"])
    with op.batch_alter_table("dossier_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_system", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("dossier_record", schema=None) as batch_op:
        batch_op.drop_column("source_system")
    op.drop_table("integration_token")
