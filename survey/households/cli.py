"""`flask --app wsgi households ...`: the household survey's frame and two-stage draw."""

from __future__ import annotations

from collections import defaultdict

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.cli_support import by_code
from survey.csv_files import CsvError, read_rows
from survey.extensions import db
from survey.households import frames, sampling
from survey.households.models import VILLAGE_METHODS, Village

households_cli = AppGroup("households", help="The household survey: frame and draws.")
frame_cli = AppGroup("frame", help="The villages of each commune and their households.")
households_cli.add_command(frame_cli)


def _read(file: str) -> bytes:
    with open(file, "rb") as handle:
        return handle.read()


def _fail(file: str, error: CsvError) -> None:
    db.session.rollback()
    for problem in error.problems:
        click.echo(f"{file}: {problem}", err=True)
    raise SystemExit(1)


@frame_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_frame(file: str) -> None:
    """Import villages (commune_code,village_code,village_name,households): all or none."""
    try:
        outcome = frames.import_frame(_read(file), actor="cli")
    except CsvError as error:
        _fail(file, error)
    db.session.commit()
    click.echo(
        f"villages: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )


@households_cli.command("draw")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option("--villages", type=click.IntRange(min=1), required=True, help="Per commune.")
@click.option("--households", type=click.IntRange(min=1), required=True, help="Per village.")
@click.option("--method", type=click.Choice(VILLAGE_METHODS), default="srs", show_default=True,
              help="Villages by simple random sampling or proportional to households.")  # fmt: skip
def draw(code: str, villages: int, households: int, method: str) -> None:
    """Draw the villages of each commune of the campaign (once)."""
    campaign = by_code(Campaign, code, "--campaign")
    try:
        drawn = sampling.draw_villages(
            campaign, villages=villages, households=households, method=method, actor="cli"
        )
    except sampling.DrawError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{campaign.code}: {len(drawn)} villages drawn ({method})")
    for row in drawn:
        click.echo(
            f"  {row.village.agency.code} {row.village.code} {row.village.name}: "
            f"π₁ = {row.probability:.4f}"
        )


@households_cli.command("listing")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def listing(code: str, file: str) -> None:
    """Store drawn villages' listings (commune_code,village_code,description, one row per
    household in listing order) and draw each village's households."""
    campaign = by_code(Campaign, code, "--campaign")
    try:
        rows = list(
            read_rows(_read(file), required=("commune_code", "village_code", "description"))
        )
    except CsvError as error:
        _fail(file, error)
    by_village: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _number, row in rows:
        by_village[(row["commune_code"].lower(), row["village_code"].lower())].append(
            row["description"]
        )
    drawn_total = 0
    try:
        for (commune, village_code), descriptions in by_village.items():
            village = db.session.scalar(
                select(Village)
                .join(Agency, Agency.id == Village.agency_id)
                .where(func.lower(Village.code) == village_code, func.lower(Agency.code) == commune)
            )
            if village is None:
                raise sampling.DrawError(
                    _("no village %(village)s in commune %(commune)s",
                      village=village_code.upper(), commune=commune.upper())
                )  # fmt: skip
            drawn_total += len(
                sampling.draw_households(campaign, village, descriptions, actor="cli")
            )
    except sampling.DrawError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{len(by_village)} villages listed, {drawn_total} households drawn")
