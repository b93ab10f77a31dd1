"""`flask paper forms`: print a batch of numbered forms."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign
from survey.cli_support import by_code, output_option, write_whole
from survey.extensions import db
from survey.paper import errors, issuing
from survey.paper.printing import forms_pdf
from survey.questionnaires.models import RESPONDENT_TYPES
from survey.users.models import User

paper_cli = AppGroup("paper", help="Paper questionnaires.")


@paper_cli.command("forms")
@click.option("--campaign", "campaign_code", required=True, help="Campaign code.")
@click.option("--agency", "agency_code", required=True, help="Agency code.")
@click.option("--count", required=True, type=click.IntRange(1, issuing.MAX_BATCH))
@output_option
@click.option("--surveyor", help="User name of the surveyor taking the forms out.")
@click.option("--point", "point_code", help="Service point where the forms are handed out.")
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option(
    "--for",
    "respondent_type",
    type=click.Choice(RESPONDENT_TYPES),
    help="Whose form to print (the campaign's first respondent type when not given).",
)
def forms_command(
    campaign_code, agency_code, count, output, surveyor, point_code, language, respondent_type
):
    """Issue COUNT new serials as a batch and write them as printable A4 forms."""
    campaign = by_code(Campaign, campaign_code, "--campaign")
    agency = by_code(Agency, agency_code, "--agency")
    user = (
        by_code(User, surveyor, "--surveyor", column=User.username, thing="user")
        if surveyor
        else None
    )
    point = (
        by_code(ServicePoint, point_code, "--point", thing="service point") if point_code else None
    )
    try:
        batch = issuing.create_batch(
            campaign,
            agency,
            count,
            surveyor=user,
            service_point=point,
            respondent_type=respondent_type,
            actor="cli",
            user_id=None,
        )
        pdf = forms_pdf(batch, language=language)
    except errors.PaperError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    # Serials count as issued only once their forms exist on disk.
    write_whole(output, pdf)
    db.session.commit()
    first, last = batch.forms[0].serial, batch.forms[-1].serial
    click.echo(f"batch {batch.id}: {count} forms {first} … {last} written to {output}")
