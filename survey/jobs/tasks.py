"""What workers run. Every task takes a job id, does the job's work inside an app
context, and records its steps, result or failure on the job row."""

from __future__ import annotations

import traceback

from flask import Flask
from huey import crontab

from survey.extensions import db


def register(huey, app: Flask) -> None:
    @huey.task(name="survey.run_job")
    def run_job(job_id: str) -> None:
        with app.app_context():
            _run(job_id)

    @huey.periodic_task(crontab(minute="*"), name="survey.close_ended_campaigns")
    def close_ended_campaigns() -> None:
        # Every minute, so a campaign stops taking answers within a minute of the end of
        # its last day; requests close it too if no worker runs this.
        from survey.campaigns.services import close_ended

        with app.app_context():
            closed = close_ended()
            if closed:
                app.logger.info("closed at the end of their period: %s", ", ".join(closed))

    @huey.periodic_task(crontab(minute="17"), name="survey.purge_survey_drafts")
    def purge_survey_drafts() -> None:
        # Surveys left half-way through: their answers go a day after the last step.
        from survey.responses.steps import purge_expired

        with app.app_context():
            purged = purge_expired()
            if purged:
                app.logger.info("removed %s unfinished survey drafts", purged)

    huey.survey_run_job = run_job
    huey.survey_close_ended_campaigns = close_ended_campaigns
    huey.survey_purge_survey_drafts = purge_survey_drafts


def _run(job_id: str) -> None:
    from survey.jobs import services
    from survey.jobs.models import Job

    job = db.session.get(Job, job_id)
    if job is None or job.status in ("done", "failed"):
        return
    services.started(job)
    try:
        result = services.WORK[job.kind](job)
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
