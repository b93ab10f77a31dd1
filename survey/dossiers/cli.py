"""`flask --app wsgi dossiers ...`: the one-stop-shop system's dossier records."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from survey.campaigns.models import Campaign
from survey.cli_support import by_code, output_option, write_whole
from survey.csv_files import CsvError, write_rows
from survey.dossiers import frames, importing, timeliness
from survey.extensions import db

dossiers_cli = AppGroup("dossiers", help="Dossier records from the one-stop-shop system.")


@dossiers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(file: str) -> None:
    """Import or update dossier records from the one-stop-shop export (all rows or none)."""
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        outcome = importing.import_records(data, actor="cli")
    except CsvError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"{file}: {problem}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(
        f"dossiers: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )


def _day(_context, parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@dossiers_cli.command("frame-counts")
@click.option("--campaign", "code", required=True, help="Campaign code.")
def frame_counts_command(code: str) -> None:
    """Set the campaign's frame counts from the dossiers returned in its period."""
    campaign = by_code(Campaign, code, "--campaign")
    cells = frames.set_from_records(campaign, actor="cli", user_id=None)
    db.session.commit()
    click.echo(
        f"{campaign.code}: frame counts of {cells} agency x field cells set from dossier records"
    )


@dossiers_cli.command("timeliness")
@click.option("--from", "first", required=True, callback=_day, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, callback=_day, help="Last day (YYYY-MM-DD).")
@output_option
def timeliness_command(first: date, last: date, output) -> None:
    """On-time rates, processing days and overdue dossiers per agency × field and agency."""
    if last < first:
        raise click.BadParameter("the period ends before it starts", param_hint="--to")
    lines = timeliness.timeliness(first, last)
    write_whole(output, write_rows(timeliness.COLUMNS, [line.row() for line in lines]).encode())
    click.echo(f"{output}: {len(lines)} lines")
