"""What every `flask ...` command needs: find a record by the code the user typed (a
clear error naming the option when there is none) and write output files whole."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from survey.extensions import db


def by_code(model, code: str, option: str, *, column=None, thing: str | None = None):
    """The `model` row whose code (or `column`) is `code`, else a usage error on `option`."""
    column = column if column is not None else model.code
    found = db.session.scalar(select(model).where(column == code))
    if found is None:
        name = thing or model.__name__.lower()
        raise click.BadParameter(f"no {name} with code {code!r}", param_hint=option)
    return found


def _folder_exists(_ctx, _param, value: Path | None) -> Path | None:
    if value is not None and not value.parent.is_dir():
        raise click.BadParameter(f"the folder {value.parent} does not exist; create it first")
    return value


# Every command that writes a file takes it this way: a missing folder is a usage error
# before any work is done, not an OSError after it.
output_option = click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    callback=_folder_exists,
    help="File to write (its folder must exist).",
)


def write_whole(path: Path | str, data: bytes) -> None:
    """Write to a temporary name and rename: a crash never leaves half a file behind."""
    path = Path(path)
    if not path.parent.is_dir():
        raise click.ClickException(f"the folder {path.parent} does not exist; create it first")
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)
