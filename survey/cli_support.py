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


def write_whole(path: Path | str, data: bytes) -> None:
    """Write to a temporary name and rename: a crash never leaves half a file behind."""
    path = Path(path)
    if not path.parent.is_dir():
        raise click.ClickException(f"the folder {path.parent} does not exist; create it first")
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)
