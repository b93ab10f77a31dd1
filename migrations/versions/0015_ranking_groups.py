"""Ranking groups are data with names in both languages, not free text on agencies.

Every code agencies use becomes a group: the PAR Index's own (departments, districts,
communes) with their names, any other with its code as a name until an administrator
names it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STANDARD = {
    "departments": ("Sở, ban, ngành", "Departments", 1),
    "districts": ("UBND cấp huyện", "District people's committees", 2),
    "communes": ("UBND cấp xã", "Commune and ward people's committees", 3),
}


def upgrade():
    group = op.create_table(
        "ranking_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_group")),
        sa.UniqueConstraint("code", name=op.f("uq_ranking_group_code")),
    )
    used = [
        row[0]
        for row in op.get_bind().execute(sa.text("SELECT DISTINCT ranking_group FROM agency"))
    ]
    rows = [
        {"code": code, "name_vi": vi, "name_en": en, "position": position, "active": True}
        for code, (vi, en, position) in STANDARD.items()
    ]
    rows += [
        {"code": code, "name_vi": code, "name_en": code, "position": 10 + n, "active": True}
        for n, code in enumerate(sorted(set(used) - set(STANDARD)))
    ]
    op.bulk_insert(group, rows)
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_agency_ranking_group_ranking_group"),
            "ranking_group",
            ["ranking_group"],
            ["code"],
            onupdate="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agency_ranking_group_ranking_group"), type_="foreignkey"
        )
    op.drop_table("ranking_group")
