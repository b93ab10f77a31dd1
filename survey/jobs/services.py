"""Starting, joining, following and retrying jobs.

A job row is committed before its task is queued, so the page can follow it at once;
its worker writes each step (and a heartbeat) in transactions of its own. A job whose
heartbeat stopped for STALLED is taken for dead (a killed worker): it can be retried,
and a new request for the same work starts afresh instead of joining it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from survey.db import utcnow
from survey.extensions import db
from survey.jobs.models import Job, JobFile
from survey.jobs.queue import huey

STALLED = timedelta(minutes=5)


class JobFailed(Exception):
    """The work cannot be done; the message is shown to the person who asked."""


def is_stalled(job: Job) -> bool:
    if job.status == "queued":
        return utcnow() - job.created_at > STALLED * 6  # no worker is taking jobs
    if job.status == "running":
        return utcnow() - (job.heartbeat_at or job.created_at) > STALLED
    return False


def start(kind: str, work: str, arguments: dict[str, Any], *, actor: str, user_id) -> Job:
    """The unfinished job doing `work`, or a new one queued for it."""
    for running in db.session.scalars(
        select(Job).where(Job.work == work, Job.status.in_(("queued", "running")))
    ):
        if not is_stalled(running):
            return running
    job = Job(
        id=secrets.token_hex(16),
        kind=kind,
        work=work,
        arguments=arguments,
        status="queued",
        actor=actor,
        user_id=user_id,
    )
    db.session.add(job)
    job_id = job.id
    db.session.commit()
    _queue(job_id)
    return job


def retry(job: Job) -> Job:
    """Queue a failed or stalled job again."""
    job.status, job.step, job.percent, job.error = "queued", None, 0, None
    job.created_at, job.heartbeat_at = utcnow(), None
    job_id = job.id
    db.session.commit()
    _queue(job_id)
    return job


def _queue(job_id: str) -> None:
    # By id, read before the commit: touching the committed row would begin a new
    # transaction in this session before the task (in immediate mode) writes its own.
    huey().survey_run_job(job_id)


def started(job: Job) -> None:
    job.status, job.attempts = "running", job.attempts + 1
    job.started_at = job.heartbeat_at = utcnow()
    db.session.commit()


def progress(job: Job, step: str, percent: int) -> None:
    job.step, job.percent, job.heartbeat_at = step, percent, utcnow()
    db.session.commit()


def done(job: Job, result: dict[str, Any]) -> None:
    job.status, job.result, job.percent = "done", result, 100
    job.finished_at = job.heartbeat_at = utcnow()
    db.session.commit()


def failed(job: Job, reason: str) -> None:
    job.status, job.error = "failed", reason[:1000]
    job.finished_at = utcnow()
    db.session.commit()


# --- the work ---------------------------------------------------------------------------


def analysis_run(job: Job) -> dict[str, Any]:
    from survey.campaigns.models import Campaign
    from survey.runs.services import RunError, run

    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    if campaign is None:
        raise JobFailed("the campaign no longer exists")
    try:
        made = run(
            campaign,
            actor=job.actor,
            user_id=job.user_id,
            progress=lambda step, percent: progress(job, step, percent),
        )
    except RunError as error:
        raise JobFailed(str(error)) from None
    db.session.commit()
    return {
        "run_id": made.id,
        "used": made.screening["used"],
        "flagged": made.screening["flagged"],
    }


def agency_reports(job: Job) -> dict[str, Any]:
    """Every agency's report of a run in one zip, one PDF after the other."""
    from survey.campaigns.models import Campaign
    from survey.reports import render
    from survey.runs.models import AnalysisRun

    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    run = db.session.get(AnalysisRun, job.arguments["run_id"])
    if campaign is None or run is None:
        raise JobFailed("the campaign or its run no longer exists")
    language = job.arguments["language"]
    content = render.agencies_zip(
        campaign,
        run,
        language,
        progress=lambda done, total: progress(job, "agency_reports", 100 * done // total),
    )
    name = f"{campaign.code}-agencies-run{run.id}-{language}.zip"
    db.session.merge(JobFile(job_id=job.id, name=name, mimetype="application/zip", content=content))
    db.session.commit()
    return {"file": name, "agencies": len(render.reported_agencies(campaign, run))}


WORK: dict[str, Callable[[Job], dict[str, Any]]] = {
    "analysis_run": analysis_run,
    "agency_reports": agency_reports,
}
