"""Codes are unique whatever their case (agencies, fields, services within their agency,
service points, ranking groups, campaigns, questionnaires, user names): a unique index on
lower(code). A database that already holds two spellings of one code stops here, naming
them, so that an administrator renames one first.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# table, column, columns the code is unique within
CODES = (
    ("ranking_group", "code", ()),
    ("agency", "code", ()),
    ("service_field", "code", ()),
    ("service", "code", ("agency_id",)),
    ("service_point", "code", ()),
    ("campaign", "code", ()),
    ("questionnaire", "code", ()),
    ("user_account", "username", ()),
)


def upgrade():
    bind = op.get_bind()
    for table, column, within in CODES:
        group = ", ".join([*within, f"lower({column})"])
        clashes = (
            bind.execute(
                sa.text(
                    f"SELECT lower({column}) FROM {table} GROUP BY {group} HAVING count(*) > 1"  # noqa: S608 - constants
                )
            )
            .scalars()
            .all()
        )
        if clashes:
            raise RuntimeError(
                f"{table}.{column}: {', '.join(sorted(clashes)[:10])} are spelled more than "
                "once in different cases; rename all but one, then upgrade again"
            )
        op.create_index(
            f"uq_{table}_{column}_any_case",
            table,
            [*within, sa.text(f"lower({column})")],
            unique=True,
        )


def downgrade():
    for table, column, _within in reversed(CODES):
        op.drop_index(f"uq_{table}_{column}_any_case", table_name=table)
