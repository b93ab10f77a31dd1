"""`flask questionnaires validate|import`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from survey.extensions import db
from survey.questionnaires.definition import QuestionnaireError, load_file
from survey.questionnaires.services import import_definition

questionnaires_cli = AppGroup("questionnaires", help="Check and import questionnaire files.")


@questionnaires_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate_command(files: tuple[str, ...]) -> None:
    """Check questionnaire FILES against the schema and their cross-references."""
    failed = False
    for name in files:
        try:
            definition = load_file(name)
        except QuestionnaireError as error:
            failed = True
            click.echo(str(error), err=True)
        else:
            click.echo(
                f"{name}: ok ({definition.code}, {len(definition.items)} items, "
                f"{len(definition.satisfaction_items)} satisfaction items in "
                f"{len(definition.index.components)} components"
                + (
                    f", global item {definition.index.global_item})"
                    if definition.index.global_item
                    else ")"
                )
            )
    if failed:
        raise SystemExit(1)


@questionnaires_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--draft", is_flag=True, help="Store the version without publishing it.")
def import_command(file: str, draft: bool) -> None:
    """Import FILE as a new immutable version (nothing happens if the content is unchanged)."""
    try:
        definition = load_file(file)
    except QuestionnaireError as error:
        raise click.ClickException(str(error)) from None
    outcome = import_definition(
        definition, Path(file).read_text(encoding="utf-8"), actor="cli", publish=not draft
    )
    db.session.commit()
    version = outcome.version
    if outcome.created:
        click.echo(
            f"imported {definition.code} as version {version.number} ({version.content_hash[:12]})"
        )
    else:
        click.echo(
            f"{definition.code} unchanged: same content as version {version.number} "
            f"({version.content_hash[:12]})"
        )
