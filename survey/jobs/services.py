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
    _keep_file(job, name, "application/zip", content)
    return {"file": name, "agencies": len(render.reported_agencies(campaign, run))}


def report_pdf(job: Job) -> dict[str, Any]:
    """One report (the province's, or an agency's) as PDF. Its work is the digest of the
    report's HTML, so a finished job is the cached PDF for exactly what it shows."""
    from survey.agencies.models import Agency
    from survey.campaigns.models import Campaign
    from survey.reports import render
    from survey.runs.models import AnalysisRun

    arguments = job.arguments
    campaign = db.session.get(Campaign, arguments["campaign_id"])
    run = db.session.get(AnalysisRun, arguments["run_id"])
    agency = db.session.get(Agency, arguments["agency_id"]) if arguments["agency_id"] else None
    if campaign is None or run is None or (arguments["agency_id"] and agency is None):
        raise JobFailed("the campaign, its run or the agency no longer exists")
    progress(job, "report_pdf", 10)
    language = arguments["language"]
    if agency is None:
        html = render.province_html(campaign, run, language)
    else:
        html = render.agency_html(campaign, agency, run, language)
    _keep_file(job, arguments["file"], "application/pdf", render.cached_pdf(html))
    return {"file": arguments["file"]}


def paper_forms(job: Job) -> dict[str, Any]:
    """A paper batch's printed forms: the body laid out once, each serial stamped on."""
    from survey.paper.models import Batch
    from survey.paper.printing import forms_pdf

    batch = db.session.get(Batch, job.arguments["batch_id"])
    if batch is None:
        raise JobFailed("the batch no longer exists")
    progress(job, "paper_forms", 10)
    content = forms_pdf(batch, language=job.arguments["language"])
    name = f"batch-{batch.id}-forms-{job.arguments['language']}.pdf"
    _keep_file(job, name, "application/pdf", content)
    return {"file": name, "forms": len(batch.forms)}


def audit_export(job: Job) -> dict[str, Any]:
    """The audit trail's events a filter selects, up to the last one when asked, as CSV."""
    from survey.audit import export

    filters, last_id = job.arguments["filters"], job.arguments["last_id"]
    content = export.csv_file(
        filters, last_id, progress=lambda percent: progress(job, "audit_export", percent)
    )
    _keep_file(job, "audit.csv", "text/csv", content)
    return {"file": "audit.csv"}


def _keep_file(job: Job, name: str, mimetype: str, content: bytes) -> None:
    db.session.merge(JobFile(job_id=job.id, name=name, mimetype=mimetype, content=content))
    db.session.commit()


def finished_file(work: str) -> JobFile | None:
    """The file of a finished job that did exactly `work`, if one is kept."""
    return db.session.scalar(
        select(JobFile)
        .join(Job, Job.id == JobFile.job_id)
        .where(Job.work == work, Job.status == "done")
        .order_by(Job.finished_at.desc())
        .limit(1)
    )


WORK: dict[str, Callable[[Job], dict[str, Any]]] = {
    "analysis_run": analysis_run,
    "agency_reports": agency_reports,
    "report_pdf": report_pdf,
    "paper_forms": paper_forms,
    "audit_export": audit_export,
}
