"""A job's page: where it stands (queued, running with its step, done, failed with the
reason), followed by a small script that asks its state every few seconds and says a new
step once (a polite live region), then reloads when the job ends; without JavaScript a
link reloads it. A finished job whose kind has a landing (an analysis run: its results)
leads there. Pages that start jobs call `start`."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user

from survey.downloads import attachment
from survey.extensions import db
from survey.jobs import services
from survey.jobs.kinds import KINDS, Kept, Work
from survey.jobs.models import Job, JobFile
from survey.permissions import STAFF, requires
from survey.web import ConfirmForm

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) == 32 else None
    if job is None or not _may_follow(job):
        abort(404)
    return job


def _may_follow(job: Job) -> bool:
    """Administrators, and the roles the job's kind names (an agency viewer only their
    own agency's jobs)."""
    role = current_user.role
    if role == "admin":
        return True
    kind = KINDS[job.kind]
    if role not in kind.followers:
        return False
    if role == "agency-viewer":
        return kind.by_agency and job.arguments.get("agency_id") == current_user.agency_id
    return True


@blueprint.get("/<job_id>")
@requires(*STAFF)
def show_job(job_id: str):
    job = _job(job_id)
    landing = KINDS[job.kind].landing
    if job.status == "done" and landing is not None:
        return landing(job)
    return render_template("jobs/show.html", job=job, stalled=services.is_stalled(job))


@blueprint.get("/<job_id>/state")
@requires(*STAFF)
def job_state(job_id: str):
    """Where the job stands, for its page's script (the page itself says it in words)."""
    job = _job(job_id)
    stalled = services.is_stalled(job)
    return {
        "status": job.status,
        "percent": job.percent,
        "message": render_template("jobs/_state.html", job=job, stalled=stalled),
        "ended": stalled or job.status in ("done", "failed"),
    }


@blueprint.get("/<job_id>/file")
@requires(*STAFF)
def download_file(job_id: str):
    """The file a finished job made, as many times as it is asked for."""
    stored = db.session.get(JobFile, _job(job_id).id) or abort(404)
    return Response(stored.content, mimetype=stored.mimetype, headers=attachment(stored.name))


@blueprint.post("/<job_id>/retry")
@requires(*STAFF)
def retry_job(job_id: str):
    job = _job(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if job.status == "failed" or services.is_stalled(job):
        services.retry(job)
    return redirect(url_for(".show_job", job_id=job.id), code=303)


def start(work: Work):
    """The signed-in user's request for `work`, joined or queued; its page follows it."""
    job = services.start(
        work.kind, work.key, work.arguments, actor=current_user.username, user_id=current_user.id
    )
    return redirect(url_for("jobs.show_job", job_id=job.id), code=303)


def deliver(outcome: Work | Kept):
    """A file kept from before, as a download; or the work that makes it, started."""
    if isinstance(outcome, Kept):
        return Response(
            outcome.content, mimetype=outcome.mimetype, headers=attachment(outcome.name)
        )
    return start(outcome)
