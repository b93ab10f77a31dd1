"""`flask --app wsgi recommendations ...`: the replies for the SMS/e-mail gateway."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.cli_support import output_option, write_whole
from survey.csv_files import write_rows
from survey.extensions import db
from survey.local_time import today
from survey.recommendations import services

recommendations_cli = AppGroup("recommendations", help="Citizens' recommendations.")


@recommendations_cli.command("replies")
@output_option
def replies_command(output) -> None:
    """The replies not yet sent to people who left a phone or e-mail (phone, email,
    agency, message), marked handed over once written: each goes out once."""
    rows = services.replies_to_send(mark_sent_on=today())
    write_whole(output, write_rows(["phone", "email", "agency", "message"], rows).encode())
    db.session.commit()
    click.echo(f"{output}: {len(rows)} replies")
