"""`flask paper forms`: print a batch of numbered forms."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper import services
from survey.paper.printing import forms_pdf
from survey.users.models import User

paper_cli = AppGroup("paper", help="Paper questionnaires.")


def _one(model, column, value, option: str):
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise click.BadParameter(f"no {model.__name__.lower()} {value!r}", param_hint=option)
    return found


@paper_cli.command("forms")
@click.option("--campaign", "campaign_code", required=True, help="Campaign code.")
@click.option("--agency", "agency_code", required=True, help="Agency code.")
@click.option("--count", required=True, type=click.IntRange(1, services.MAX_BATCH))
@click.option(
    "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path)
)
@click.option("--surveyor", help="User name of the surveyor taking the forms out.")
@click.option("--point", "point_code", help="Service point where the forms are handed out.")
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def forms_command(campaign_code, agency_code, count, output, surveyor, point_code, language):
    """Issue COUNT new serials as a batch and write them as printable A4 forms."""
    campaign = _one(Campaign, Campaign.code, campaign_code, "--campaign")
    agency = _one(Agency, Agency.code, agency_code, "--agency")
    user = _one(User, User.username, surveyor, "--surveyor") if surveyor else None
    point = _one(ServicePoint, ServicePoint.code, point_code, "--point") if point_code else None
    try:
        batch = services.create_batch(
            campaign, agency, count, surveyor=user, service_point=point, actor="cli", user_id=None
        )
        pdf = forms_pdf(batch, language=language)
    except services.PaperError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    # Serials count as issued only once their forms exist on disk.
    temporary = output.with_name(output.name + ".part")
    temporary.write_bytes(pdf)
    temporary.replace(output)
    db.session.commit()
    first, last = batch.forms[0].serial, batch.forms[-1].serial
    click.echo(f"batch {batch.id}: {count} forms {first} … {last} written to {output}")
