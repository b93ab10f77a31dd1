"""`flask users create`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from survey.extensions import db
from survey.users.models import ROLES
from survey.users.services import AccountError, create_user

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--agency", "agency_code", help="Agency code (required for agency-viewer).")
@click.option("--email")
@click.option(
    "--generate-password",
    is_flag=True,
    help="Generate a password and print it once instead of asking for one.",
)
def create_command(username, role, agency_code, email, generate_password) -> None:
    """Create the staff account USERNAME."""
    if role == "agency-viewer" and not agency_code:
        raise click.BadParameter("an agency viewer needs --agency CODE", param_hint="--agency")
    password = None
    if not generate_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with force_locale("en"):  # the command line speaks English
            user, password = create_user(
                username=username,
                role=role,
                password=password,
                email=email,
                agency_code=agency_code,
                actor="cli",
            )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")
    if generate_password:
        click.echo(f"password: {password}")
