"""A used link forgets its dossier: no phone, code, service, day or channel stays on the
invitation, use and opening are flags rather than days, the links' outcomes are counts per
agency and channel (link_use), and the sampling cells keep no position to replay a draw
from (draws are Poisson now).

Invitations get a keyed hash of their dossier code when the server's key is at hand (it
is, under `flask db upgrade`): it outlives the code, so a dossier is not invited again.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 19:00:00

"""

import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

OUTCOMES = ("complete", "partial", "breakoff", "refused", "no_contact")
# What a used link keeps of its times (survey/campaigns/link_use.py).
NO_TIME = datetime(2000, 1, 1)


def _dossier_hash(secret: str, code: str) -> str:
    key = f"{secret}|dossier".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()[:32]


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dossier_hash", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("service_field_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("opened", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            op.f("fk_invitation_service_field_id_service_field"),
            "service_field",
            ["service_field_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            op.f("uq_invitation_campaign_id_dossier_hash"), ["campaign_id", "dossier_hash"]
        )
    op.create_table(
        "link_use",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dossier_channel", sa.String(length=7), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")",
            name=op.f("ck_link_use_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_link_use_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_link_use_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "agency_id", "dossier_channel", "outcome", name=op.f("pk_link_use")
        ),
    )
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE invitation SET used = (used_on IS NOT NULL), opened = (opened_on IS NOT NULL), "
            "service_field_id = (SELECT field_id FROM service WHERE service.id = service_id)"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO link_use (campaign_id, agency_id, dossier_channel, outcome, count) "
            "SELECT campaign_id, agency_id, COALESCE(dossier_channel, ''), outcome, COUNT(*) "
            "FROM invitation WHERE outcome IS NOT NULL AND selection_probability IS NOT NULL "
            "GROUP BY campaign_id, agency_id, COALESCE(dossier_channel, ''), outcome"
        )
    )
    secret = _secret()
    if secret:
        coded = bind.execute(
            sa.text("SELECT id, dossier_code FROM invitation WHERE dossier_code IS NOT NULL")
        ).all()
        if coded:
            bind.execute(
                sa.text("UPDATE invitation SET dossier_hash = :hash WHERE id = :id"),
                [{"id": id_, "hash": _dossier_hash(secret, code)} for id_, code in coded],
            )
    bind.execute(
        sa.text(
            "UPDATE invitation SET phone = NULL, dossier_code = NULL, service_id = NULL, "
            "returned_on = NULL, dossier_channel = NULL, dossier_timeliness = NULL, "
            "opened = :no, created_at = :no_time, expires_at = :no_time WHERE used"
        ),
        {"no": False, "no_time": NO_TIME},
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invitation_outcome"), type_="check")
        batch_op.drop_column("outcome")
        batch_op.drop_column("used_on")
        batch_op.drop_column("opened_on")
    with op.batch_alter_table("sampling_cell", schema=None) as batch_op:
        batch_op.drop_column("position")


def _secret() -> str | None:
    try:
        from flask import current_app

        return current_app.config.get("SECRET_KEY")
    except RuntimeError:  # outside the application (offline SQL)
        return None


def downgrade():
    # What was forgotten is not brought back: used links get no day, counts go.
    with op.batch_alter_table("sampling_cell", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Float(), server_default="0", nullable=False))
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("used_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_invitation_outcome"), "outcome IN ('complete', 'partial', 'breakoff')"
        )
    op.get_bind().execute(sa.text("UPDATE invitation SET used_on = DATE(created_at) WHERE used"))
    op.drop_table("link_use")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_invitation_campaign_id_dossier_hash"), type_="unique")
        batch_op.drop_constraint(
            op.f("fk_invitation_service_field_id_service_field"), type_="foreignkey"
        )
        batch_op.drop_column("opened")
        batch_op.drop_column("used")
        batch_op.drop_column("service_field_id")
        batch_op.drop_column("dossier_hash")
