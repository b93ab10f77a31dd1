"""`flask invitations import|export` and `flask points posters`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from survey.agencies.models import Agency
from survey.campaigns import invitations
from survey.campaigns.models import Campaign
from survey.cli_support import by_code, output_option
from survey.csv_files import CsvError, write_rows
from survey.extensions import db

invitations_cli = AppGroup("invitations", help="Single-use survey links for dossiers.")
points_cli = AppGroup("points", help="Service points.")


def _campaign(code: str) -> Campaign:
    return by_code(Campaign, code, "--campaign")


def _base_url(option: str | None) -> str:
    base = option or current_app.config.get("SURVEY_PUBLIC_URL")
    if not base:
        raise click.UsageError(
            "say where citizens reach the app: --base-url https://... or SURVEY_PUBLIC_URL"
        )
    if not base.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    return base


@invitations_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option(
    "--valid-days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 365),
    help="Days a link stays valid after the result was returned.",
)
def import_command(file: str, code: str, valid_days: int) -> None:
    """Create a link per dossier from a one-stop-shop export (CSV: dossier_code,
    agency_code, service_code, returned_date[, phone]); nothing is created if any row is bad."""
    campaign = _campaign(code)
    try:
        result = invitations.import_invitations(
            campaign, Path(file).read_bytes(), valid_days=valid_days, actor="cli"
        )
    except CsvError as error:
        db.session.rollback()
        lines = "\n".join(f"  {file}: {problem}" for problem in error.problems)
        raise click.ClickException(f"nothing imported; fix these rows:\n{lines}") from None
    db.session.commit()
    click.echo(f"created {result.created} invitations for campaign {campaign.code}")
    if result.skipped:
        click.echo(f"skipped {result.skipped} dossiers that already have a link")


@invitations_cli.command("export")
@click.option("--campaign", "code", required=True)
@output_option
@click.option("--base-url", help="Public address of the app (default: SURVEY_PUBLIC_URL).")
def export_command(code: str, output: str, base_url: str | None) -> None:
    """Write dossier code, phone and link of every unused, unexpired invitation."""
    campaign = _campaign(code)
    rows = list(invitations.links(campaign, _base_url(base_url)))
    Path(output).write_text(write_rows(("dossier_code", "phone", "link"), rows), encoding="utf-8")
    click.echo(f"wrote {len(rows)} links to {output}")


@points_cli.command("posters")
@click.option("--agency", "agency_code", required=True, help="Agency code.")
@output_option
@click.option("--base-url", help="Public address of the app (default: SURVEY_PUBLIC_URL).")
def posters_command(agency_code: str, output: str, base_url: str | None) -> None:
    """One A4 QR poster per active service point of the agency, in one PDF."""
    from survey.agencies.posters import posters_pdf

    agency = by_code(Agency, agency_code, "--agency")
    points = [p for p in agency.service_points if p.active]
    if not points:
        raise click.ClickException(f"agency {agency.code} has no active service point")
    Path(output).write_bytes(posters_pdf(points, _base_url(base_url)))
    click.echo(f"wrote {len(points)} posters to {output}")
