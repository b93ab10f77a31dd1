"""The paper share's CHECK constraint gets the name the model gives it.

Revision 0007 created it inside a batch operation under a name the naming convention then
prefixed again (`ck_campaign_ck_campaign_paper_verify_share`); Alembic does not compare
CHECK constraints, so `flask db check` could not see it (tests/test_migrations.py now
compares every constraint's name with the models').

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:00:00

"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

RULE = "paper_verify_share >= 0 AND paper_verify_share <= 1"


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_ck_campaign_paper_verify_share"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaign_paper_verify_share"), RULE)


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_paper_verify_share"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaign_ck_campaign_paper_verify_share"), RULE)
