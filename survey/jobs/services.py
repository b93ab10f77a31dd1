"""Starting, joining, following and retrying jobs.

A job row is committed before its task is queued, so the page can follow it at once;
its worker writes each step (and a heartbeat) in transactions of its own. A job whose
heartbeat stopped for STALLED is taken for dead (a killed worker): it can be retried,
and a new request for the same work starts afresh instead of joining it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from survey.db import utcnow
from survey.extensions import db
from survey.jobs.kinds import Kept
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


def keep_file(job: Job, name: str, mimetype: str, content: bytes) -> None:
    """The file a job made, kept with it in the database (whichever machine ran it)."""
    db.session.merge(JobFile(job_id=job.id, name=name, mimetype=mimetype, content=content))
    db.session.commit()


def delete_files(kind: str, **arguments: Any) -> int:
    """Delete the files of every job of `kind` whose arguments include `arguments` (files
    that hold personal data, when it is erased). Flushes; the caller commits."""
    jobs = db.session.scalars(select(Job).where(Job.kind == kind)).all()
    chosen = [j.id for j in jobs if all(j.arguments.get(k) == v for k, v in arguments.items())]
    if not chosen:
        return 0
    deleted = db.session.execute(delete(JobFile).where(JobFile.job_id.in_(chosen))).rowcount
    db.session.flush()
    return deleted


def kept_file(work: str, name: str) -> Kept | None:
    """The file of a finished job that did exactly `work`, if one is kept, to be served
    as `name`."""
    stored = finished_file(work)
    return None if stored is None else Kept(name, stored.content, stored.mimetype)


def finished_file(work: str) -> JobFile | None:
    """The file of a finished job that did exactly `work`, if one is kept."""
    return db.session.scalar(
        select(JobFile)
        .join(Job, Job.id == JobFile.job_id)
        .where(Job.work == work, Job.status == "done")
        .order_by(Job.finished_at.desc())
        .limit(1)
    )
