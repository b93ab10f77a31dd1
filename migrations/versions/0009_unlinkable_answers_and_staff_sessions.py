"""Answers that cannot be paired with invitations; staff sessions that end; fair throttling.

- `participation` goes: it was written beside each submission with the next id, so the
  two tables paired row by row. Response counts come from submissions, link use from
  `invitation.used_on` (a local date).
- Submissions keep the minute they were stored, no finer, and no start time (the
  duration is kept). Existing times are cut to the minute.
- Invitations of campaigns already closed lose their phone numbers and dossier codes,
  as every campaign now does when it closes; used invitations are rewritten in one
  transaction so their PostgreSQL row versions no longer tell when each was used.
- Staff sign-ins become rows of `staff_session` (ended by sign-out, a password change or
  idling); `sign_in_failure` gives way to `sign_in_throttle` (per account and client).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00

"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_campaign_id"))
    op.drop_table("participation")

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("started_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE submission SET submitted_at = date_trunc('minute', submitted_at)")
    else:
        op.execute(
            "UPDATE submission "
            "SET submitted_at = strftime('%Y-%m-%d %H:%M:00.000000', submitted_at)"
        )

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_data_erased_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.alter_column("dossier_code", existing_type=sa.String(length=64), nullable=True)
    now = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        sa.text(
            "UPDATE invitation SET phone = NULL, dossier_code = NULL WHERE campaign_id IN "
            "(SELECT id FROM campaign WHERE status = 'closed')"
        )
    )
    op.execute(
        sa.text(
            "UPDATE campaign SET personal_data_erased_at = :now WHERE status = 'closed'"
        ).bindparams(now=now)
    )
    op.execute("UPDATE invitation SET used_on = used_on WHERE used_on IS NOT NULL")

    op.create_table(
        "staff_session",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_staff_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_staff_session")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_token")

    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_client_at")
        batch_op.drop_index("ix_sign_in_failure_account_at")
    op.drop_table("sign_in_failure")
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("allowed_from", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )


def downgrade():
    op.drop_table("sign_in_throttle")
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sign_in_failure_account_at", ["account_key", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_sign_in_failure_client_at", ["client_key", "occurred_at"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    users = sa.table("user_account", sa.column("id"), sa.column("session_token"))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_user_id"))
    op.drop_table("staff_session")

    # Erased dossier codes cannot come back; placeholders keep the column required.
    op.execute("UPDATE invitation SET dossier_code = 'erased-' || id WHERE dossier_code IS NULL")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.alter_column("dossier_code", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("personal_data_erased_at")

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
    op.create_table(
        "participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('web-qr', 'web-link', 'paper', 'kiosk')",
            name=op.f("ck_participation_channel"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_participation_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_participation_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_participation_invitation_id_invitation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_participation_invitation_id")),
    )
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participation_campaign_id"), ["campaign_id"], unique=False
        )
