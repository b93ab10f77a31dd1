"""Paper forms carry the date written on them; they no longer ask for a dossier number.

The date places a paper form in the campaign period (keying may come weeks later). Forms
keyed before this revision keep their dossier hashes; nothing new writes one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interviewed_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("interviewed_on")
