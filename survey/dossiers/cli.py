"""`flask --app wsgi dossiers ...`: the one-stop-shop system's dossier records."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from survey.campaigns.cli import invitations_cli
from survey.campaigns.models import Campaign
from survey.cli_support import by_code, output_option, write_whole
from survey.csv_files import CsvError, write_rows
from survey.dossiers import frames, importing, sampling, timeliness
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
    click.echo("dossiers: " + ", ".join(f"{n} {what}" for what, n in outcome.counts().items()))


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


@invitations_cli.command("plan")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option(
    "--margin",
    type=click.FloatRange(0, 0.5, min_open=True, max_open=True),
    help="Plan for this 95% margin of error per agency (0.05 = 5 points); "
    "default: Yamane's formula at 5%.",
)
@click.option(
    "--response-rate",
    type=click.FloatRange(0, 1, min_open=True),
    default=sampling.DEFAULT_RESPONSE_RATE,
    show_default=True,
    help="Share of invited applicants expected to answer.",
)
def plan_command(code: str, margin: float | None, response_rate: float) -> None:
    """Set the campaign's sampling plan from its agencies' dossier records: answers
    planned per agency and the selection probability that gets them."""
    campaign = by_code(Campaign, code, "--campaign")
    try:
        planned = sampling.plan(
            campaign, margin=margin, response_rate=response_rate, actor="cli", user_id=None
        )
    except sampling.SamplingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo("agency,dossiers,phone_share,planned,probability")
    for line in planned:
        click.echo(
            f"{line.agency.code},{line.dossiers},{line.phone_share:.3f},{line.planned},"
            f"{line.probability:.6f}"
        )


@invitations_cli.command("draw")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option(
    "--through",
    callback=lambda context, parameter, value: _day(context, parameter, value) if value else None,
    help="Last return day to draw from (YYYY-MM-DD; default: today).",
)
@click.option(
    "--valid-days",
    default=sampling.PHONE_DAYS,
    show_default=True,
    type=click.IntRange(1, 365),
    help="Days the draw's links stay valid after its last return day.",
)
def draw_command(code: str, through: date | None, valid_days: int) -> None:
    """Draw invitations among the dossiers returned since the last draw (each on its own,
    at the plan's probabilities); `invitations export` then feeds the SMS gateway."""
    from survey.local_time import today

    campaign = by_code(Campaign, code, "--campaign")
    try:
        drawn = sampling.draw(
            campaign, through or today(), valid_days=valid_days, actor="cli", user_id=None
        )
    except sampling.SamplingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"{campaign.code}: {drawn.selected} invitations drawn from {drawn.seen} dossiers with "
        f"a phone returned {drawn.first} to {drawn.last}"
        + (
            f" ({drawn.already_expired} already past their link's validity)"
            if drawn.already_expired
            else ""
        )
    )
