"""`flask jobs worker`: run queued jobs (start as many as you like, on any machine that
reaches the database and the queue's storage)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Long work run off the request path.")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16))
def worker_command(workers: int) -> None:
    """Take jobs from the queue and run them until stopped (Ctrl+C finishes the jobs
    under way first). Each worker also closes campaigns whose last day is over, every
    minute (harmless when several do)."""
    huey = current_app.extensions["huey"]
    click.echo(f"job worker: {workers} thread(s) on {current_app.config['SURVEY_JOBS_URL']}")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()
