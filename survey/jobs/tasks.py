"""What workers run. Every task takes a job id, does the job's work inside an app
context, and records its steps, result or failure on the job row."""

from __future__ import annotations

import traceback

from flask import Flask
from huey import crontab

from survey.extensions import db
from survey.jobs.kinds import PERIODIC, Periodic


def register(huey, app: Flask) -> None:
    @huey.task(name="survey.run_job")
    def run_job(job_id: str) -> None:
        with app.app_context():
            _run(job_id)

    for periodic in PERIODIC.values():
        _schedule(huey, app, periodic)

    huey.survey_run_job = run_job


def _schedule(huey, app: Flask, periodic: Periodic) -> None:
    def task() -> None:
        with app.app_context():
            said = periodic.run()
            if said:
                app.logger.info("%s: %s", periodic.name, said)

    scheduled = huey.periodic_task(crontab(minute=periodic.minute), name=periodic.name)(task)
    # Reachable by name, e.g. huey.survey_close_ended_campaigns (tests call them).
    setattr(huey, periodic.name.replace(".", "_"), scheduled)


def _run(job_id: str) -> None:
    from survey.jobs import services
    from survey.jobs.kinds import KINDS
    from survey.jobs.models import Job

    job = db.session.get(Job, job_id)
    if job is None or job.status in ("done", "failed"):
        return
    services.started(job)
    try:
        result = KINDS[job.kind].work(job)
    except services.JobFailed as failure:
        db.session.rollback()
        services.failed(db.session.get(Job, job_id), str(failure))
    except Exception as error:  # a worker must record every failure, then go on
        db.session.rollback()
        current = db.session.get(Job, job_id)
        services.failed(current, f"{type(error).__name__}: {error}")
        traceback.print_exc()
    else:
        services.done(db.session.get(Job, job_id), result)
