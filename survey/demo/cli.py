"""`flask demo seed`."""

from __future__ import annotations

import functools
import time

import click
from flask import current_app
from flask.cli import AppGroup

from survey.demo.services import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoError,
    province_exists,
    seed,
)
from survey.extensions import db

demo_cli = AppGroup("demo", help="The demo province (development and test only).")


def _development_only(command):
    """The demo creates accounts whose password is published: never on a real province."""

    @functools.wraps(command)
    def checked(*args, **kwargs):
        env = current_app.config.get("SURVEY_ENV")
        if env not in ("development", "test"):
            raise click.ClickException(
                f"demo commands run only with SURVEY_ENV=development or test (this is {env}): "
                "they create accounts whose password is published"
            )
        return command(*args, **kwargs)

    return checked


@demo_cli.command("seed")
@click.option(
    "--responses",
    default=2000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Synthetic submissions to add to the demo campaign.",
)
@click.option(
    "--seed",
    "random_seed",
    default=1,
    show_default=True,
    type=int,
    help="Random seed: the same seed gives the same responses.",
)
@click.option(
    "--dossiers",
    is_flag=True,
    help="Also write the dossier records behind the frame counts (make run does).",
)
@click.option(
    "--earlier",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Synthetic submissions to the 2024 campaign (the structure before July 2025), "
    "which is then analysed, so trends cross the restructuring (make run: 4000).",
)
@click.option(
    "--analyse",
    is_flag=True,
    help="Also run the analysis of the demo campaign (make run does).",
)
@click.option(
    "--households",
    is_flag=True,
    help="Also the household survey 'ho-gia-dinh' beside it: village frame, draw, "
    "synthetic visits and interviews (make run does).",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when the database already has agencies (used by make run).",
)
@_development_only
def seed_command(
    responses: int,
    random_seed: int,
    dossiers: bool,
    earlier: int,
    analyse: bool,
    households: bool,
    if_empty: bool,
) -> None:
    """Create the demo province (Đắk Lắk as it is since July 2025, and as it was before)
    with a campaign 'demo', a 2024 campaign 'sipas-2024' and synthetic responses."""
    if if_empty and province_exists():
        click.echo("the database already has agencies; demo seed skipped")
        return
    started = time.perf_counter()
    try:
        outcome = seed(
            responses,
            random_seed,
            dossiers=dossiers,
            earlier=earlier,
            analyse=analyse,
            households=households,
            progress=lambda m: click.echo(m, err=True),
        )
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"demo province: {outcome.agencies} agencies, campaign '{outcome.campaign.code}' with "
        f"{outcome.submissions} submissions and {outcome.answers} answers"
        + (f", {outcome.dossier_records} dossier records" if outcome.dossier_records else "")
        + f" in {time.perf_counter() - started:.1f} s"
    )


@demo_cli.command("accounts")
@_development_only
def accounts_command() -> None:
    """Print the demo accounts (one per role) and their password."""
    from flask import current_app
    from sqlalchemy import select

    from survey.users.models import User

    if current_app.config["SURVEY_ENV"] == "production":
        raise click.ClickException("demo accounts are not listed in production")
    names = {u.username for u in db.session.scalars(select(User))}
    present = [(u, r, a) for u, r, a in DEMO_ACCOUNTS if u in names]
    if not present:
        click.echo("no demo accounts in this database (run: flask demo seed)")
        return
    click.echo(f"Demo accounts (password for each: {DEMO_PASSWORD}):")
    for username, role, agency in present:
        click.echo(f"  {username:10} {role}{f' ({agency})' if agency else ''}")
