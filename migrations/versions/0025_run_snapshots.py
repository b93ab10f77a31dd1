"""A run records what its pages and reports show beside its estimates (run_snapshot): the
reform league with its points, dossier timeliness, response rates, as they stood when the
run was made. The responses, the invitations and a run's data are exported on the web too, as jobs.

Runs stored before have no snapshot: their pages say so and ask for a new run rather than
read today's tables as if they were the run's.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


KINDS = ("analysis_run", "agency_reports", "report_pdf", "paper_forms", "audit_export")
NEW_KINDS = ("responses_export", "invitations_export", "run_data_export")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.alter_column(
            "kind", existing_type=sa.String(14), type_=sa.String(18), existing_nullable=False
        )
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS + NEW_KINDS))
    op.create_table(
        "run_snapshot",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analysis_run.id"],
            name=op.f("fk_run_snapshot_run_id_analysis_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_snapshot")),
    )


def downgrade():
    op.drop_table("run_snapshot")
    op.execute(
        "DELETE FROM job WHERE kind IN "
        "('responses_export', 'invitations_export', 'run_data_export')"
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.alter_column(
            "kind", existing_type=sa.String(18), type_=sa.String(14), existing_nullable=False
        )
        batch_op.create_check_constraint(op.f("ck_job_kind"), _kinds(KINDS))
