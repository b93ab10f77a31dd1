"""`flask reform`: frameworks, points and the league table from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from survey.campaigns.models import Campaign
from survey.cli_support import by_code
from survey.csv_files import CsvError
from survey.extensions import db
from survey.reform import services
from survey.reform.framework import FrameworkError
from survey.reform.recorded import stored_league

reform_cli = AppGroup("reform", help="The reform score (PAR Index).")


def _campaign(code: str) -> Campaign:
    return by_code(Campaign, code, "--campaign")


@reform_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "code", help="Also make it the framework of this campaign.")
def import_command(path: Path, code: str | None) -> None:
    """Check and store a framework file (YAML under questionnaires/frameworks/)."""
    campaign = _campaign(code) if code else None
    try:
        framework, new = services.import_framework(path, actor="cli")
        if campaign is not None:
            services.set_framework(campaign, framework, actor="cli")
    except FrameworkError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    definition = framework.definition()
    click.echo(
        f"framework {framework.code} ({'new' if new else 'already stored'}): "
        f"{len(definition.criteria)} criteria, {definition.maximum:g} points"
        + (f", used by campaign {campaign.code}" if campaign else "")
    )


@reform_cli.command("points")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV: agency_code, criterion, self_points, appraised_points.",
)
def points_command(code: str, path: Path) -> None:
    """Import self-assessed and appraised points; the whole file or nothing."""
    campaign = _campaign(code)
    try:
        changed = services.import_points(campaign, path.read_bytes(), actor="cli", user_id=None)
    except CsvError as error:
        db.session.rollback()
        raise click.ClickException(
            f"{path}: nothing was imported\n" + "\n".join(str(p) for p in error.problems)
        ) from None
    db.session.commit()
    click.echo(f"{changed} points changed in campaign {campaign.code}")


@reform_cli.command("league")
@click.option("--campaign", "code", required=True, help="Campaign code.")
def league_command(code: str) -> None:
    """Print the reform-index league tables as the latest analysis run recorded them."""
    campaign = _campaign(code)
    live = services.league(campaign)
    if live is None:
        raise click.ClickException(f"campaign {code} has no reform framework")
    league = stored_league(live.run) or live
    if league.provisional:
        heading = (
            "provisional: no analysis run yet, the survey criteria count 0 and no rank is given"
        )
    elif league is live:
        heading = f"run {league.run.id}, made before runs recorded their league: computed now"
    else:
        heading = f"run {league.run.id}, as the run recorded it"
    click.echo(f"{league.framework.code}, {heading}")
    for group, rows in league.groups.items():
        click.echo(f"\n{group}")
        click.echo(
            f"{'rank':>4} {'ranks':>7} {'tier':>4}  {'agency':14} {'points':>7} {'index':>7} "
            f"{'95% CI':>13} {'change':>7}"
        )
        for row in rows:
            click.echo(_league_line(league, row))
    click.echo(
        "\nranks: the ranks the survey's sampling error allows (95%); agencies in one tier "
        "cannot be told apart; unranked: the satisfaction index is withheld (fewer than 5 "
        "answers), so its survey criteria are not scored"
    )


def _league_line(league, row) -> str:
    if row.unranked:
        blank = f"{'—':>4} {'—':>7} {'—':>4}"
        return f"{blank}  {row.agency.code:14} {'—':>7} {'—':>7}  unranked: not enough survey data"
    rank = "—" if league.provisional or row.rank is None else row.rank
    ranks = "—" if row.rank_low is None else f"{row.rank_low}–{row.rank_high}"
    tier = "—" if row.tier is None else row.tier
    interval = "—" if row.ci_low is None else f"{row.ci_low:.1f}–{row.ci_high:.1f}"
    change = "" if row.change is None else f"{row.change:+.2f}"
    notes = []
    if row.score.missing:
        notes.append(f"missing: {', '.join(row.score.missing)}")
    if row.imputed:
        notes.append(f"from the other components: {', '.join(row.imputed)}")
    return (
        f"{rank:>4} {ranks:>7} {tier:>4}  {row.agency.code:14} {row.score.total:>7.2f} "
        f"{row.score.reform_index:>7.2f} {interval:>13} {change:>7}"
        + ("  " + "; ".join(notes) if notes else "")
    )
