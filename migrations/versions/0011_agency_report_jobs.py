"""Agency-report zips are jobs too; the files jobs make are kept in the database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_job_kind"), "kind IN ('analysis_run', 'agency_reports')"
        )
        batch_op.alter_column("kind", existing_type=sa.String(length=12), type_=sa.String(14))
    op.create_table(
        "job_file",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_file_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_file")),
    )


def downgrade():
    op.drop_table("job_file")
    op.execute("DELETE FROM job WHERE kind = 'agency_reports'")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=14), type_=sa.String(12))
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), "kind IN ('analysis_run')")
