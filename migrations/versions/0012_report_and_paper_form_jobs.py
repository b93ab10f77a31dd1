"""Report PDFs and paper batch forms are jobs too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:10:00

"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KINDS = ("analysis_run", "agency_reports", "report_pdf", "paper_forms")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS))


def downgrade():
    op.execute("DELETE FROM job WHERE kind IN ('report_pdf', 'paper_forms')")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS[:2]))
