"""Declared design per campaign; screening flags with runs; people's decisions apart.

Submissions lose their status: a run used to write its flags onto them, so the next run
saw its own verdicts as exclusions and no evaluator's "restore" survived a rerun.
Exclusions made by people move to `submission_review`; the rule-made flags are dropped
(every run now computes its own and keeps them in `run_flag`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("design", sa.String(length=9), nullable=False, server_default="element")
        )
        batch_op.add_column(
            sa.Column("design_strata", sa.String(length=12), nullable=False, server_default="cell")
        )
        batch_op.add_column(sa.Column("design_cluster", sa.String(length=9), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_campaign_design"), "design IN ('element', 'clustered')"
        )
        batch_op.create_check_constraint(
            op.f("ck_campaign_design_strata"),
            "design_strata IN ('cell', 'cell_channel', 'agency')",
        )
        batch_op.create_check_constraint(
            op.f("ck_campaign_design_cluster"),
            "(design = 'element' AND design_cluster IS NULL) OR "
            "(design = 'clustered' AND design_cluster IS NOT NULL "
            "AND design_cluster IN ('day_point'))",
        )

    op.create_table(
        "run_flag",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=7), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["analysis_run.id"],
            name=op.f("fk_run_flag_run_id_analysis_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_run_flag_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "submission_id", name=op.f("pk_run_flag")),
    )
    with op.batch_alter_table("run_flag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_flag_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "submission_review",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=7), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('exclude', 'keep')", name=op.f("ck_submission_review_decision")
        ),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_submission_review_reason_given")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_submission_review_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_submission_review_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submission_review")),
    )
    op.execute(
        "INSERT INTO submission_review (submission_id, decision, reason, user_id, actor, "
        "decided_at) SELECT id, 'exclude', COALESCE(status_reason, 'excluded'), NULL, "
        "'migration', CURRENT_TIMESTAMP FROM submission WHERE status = 'excluded'"
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submission_status_reason_given"), type_="check")
        batch_op.drop_constraint(op.f("ck_submission_status"), type_="check")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=8), nullable=False, server_default="valid")
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=400), nullable=True))
    op.execute(
        "UPDATE submission SET status = 'excluded', status_reason = (SELECT reason FROM "
        "submission_review r WHERE r.submission_id = submission.id) WHERE id IN (SELECT "
        "submission_id FROM submission_review WHERE decision = 'exclude')"
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_submission_status"), "status IN ('valid', 'flagged', 'excluded')"
        )
        batch_op.create_check_constraint(
            op.f("ck_submission_status_reason_given"),
            "status = 'valid' OR status_reason IS NOT NULL",
        )
    op.drop_table("submission_review")
    with op.batch_alter_table("run_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_flag_submission_id"))
    op.drop_table("run_flag")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_design_cluster"), type_="check")
        batch_op.drop_constraint(op.f("ck_campaign_design_strata"), type_="check")
        batch_op.drop_constraint(op.f("ck_campaign_design"), type_="check")
        batch_op.drop_column("design_cluster")
        batch_op.drop_column("design_strata")
        batch_op.drop_column("design")
