"""The audit trail's CSV export is a job too.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 13:35:00

"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KINDS = ("analysis_run", "agency_reports", "report_pdf", "paper_forms", "audit_export")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS))


def downgrade():
    op.execute("DELETE FROM job WHERE kind = 'audit_export'")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS[:-1]))
