"""Citizens and organisations in one campaign: a pinned questionnaire version per
respondent type (campaign_questionnaire replaces campaign.questionnaire_version_id), and
the applicant type on dossier records, invitations, paper batches and frame counts.

Every existing campaign keeps its one version under that questionnaire's respondent type;
existing records, invitations, batches and frame counts are the citizens'.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 19:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TYPES = "respondent_type IN ('citizen', 'organisation')"
APPLICANT_TYPES = "applicant_type IN ('citizen', 'organisation')"


def _type_column(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=12), server_default="citizen", nullable=False)


def upgrade():
    op.create_table(
        "campaign_questionnaire",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("respondent_type", sa.String(length=12), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(TYPES, name=op.f("ck_campaign_questionnaire_respondent_type")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_questionnaire_campaign_id_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_campaign_questionnaire_questionnaire_version_id_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "respondent_type", name=op.f("pk_campaign_questionnaire")
        ),
    )
    with op.batch_alter_table("campaign_questionnaire", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_questionnaire_questionnaire_version_id"),
            ["questionnaire_version_id"],
            unique=False,
        )
    op.execute(
        "INSERT INTO campaign_questionnaire (campaign_id, respondent_type, "
        "questionnaire_version_id) "
        "SELECT campaign.id, questionnaire.respondent_type, campaign.questionnaire_version_id "
        "FROM campaign JOIN questionnaire_version "
        "ON questionnaire_version.id = campaign.questionnaire_version_id "
        "JOIN questionnaire ON questionnaire.id = questionnaire_version.questionnaire_id"
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_questionnaire_version_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_questionnaire_version_id_questionnaire_version"),
            type_="foreignkey",
        )
        batch_op.drop_column("questionnaire_version_id")

    with op.batch_alter_table("frame_count", schema=None) as batch_op:
        batch_op.add_column(_type_column("respondent_type"))
        batch_op.create_check_constraint(op.f("ck_frame_count_respondent_type"), TYPES)
        batch_op.drop_constraint(op.f("pk_frame_count"), type_="primary")
        batch_op.create_primary_key(
            op.f("pk_frame_count"),
            ["campaign_id", "agency_id", "service_field_id", "respondent_type"],
        )
    for table in ("dossier_record", "invitation"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_type_column("applicant_type"))
            batch_op.create_check_constraint(op.f(f"ck_{table}_applicant_type"), APPLICANT_TYPES)
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.add_column(_type_column("respondent_type"))
        batch_op.create_check_constraint(op.f("ck_paper_batch_respondent_type"), TYPES)


def downgrade():
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_paper_batch_respondent_type"), type_="check")
        batch_op.drop_column("respondent_type")
    for table in ("invitation", "dossier_record"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_applicant_type"), type_="check")
            batch_op.drop_column("applicant_type")
    # Organisations' frame counts have no place in the older table.
    op.execute("DELETE FROM frame_count WHERE respondent_type <> 'citizen'")
    with op.batch_alter_table("frame_count", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("pk_frame_count"), type_="primary")
        batch_op.create_primary_key(
            op.f("pk_frame_count"), ["campaign_id", "agency_id", "service_field_id"]
        )
        batch_op.drop_constraint(op.f("ck_frame_count_respondent_type"), type_="check")
        batch_op.drop_column("respondent_type")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questionnaire_version_id", sa.Integer(), nullable=True))
    # A campaign keeps its citizens' version (or its only one).
    op.execute(
        "UPDATE campaign SET questionnaire_version_id = (SELECT questionnaire_version_id "
        "FROM campaign_questionnaire WHERE campaign_questionnaire.campaign_id = campaign.id "
        "ORDER BY respondent_type LIMIT 1)"
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.alter_column("questionnaire_version_id", nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_questionnaire_version_id_questionnaire_version"),
            "questionnaire_version",
            ["questionnaire_version_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_questionnaire_version_id"),
            ["questionnaire_version_id"],
            unique=False,
        )
    with op.batch_alter_table("campaign_questionnaire", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_questionnaire_questionnaire_version_id"))
    op.drop_table("campaign_questionnaire")
