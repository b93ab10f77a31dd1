"""A job's page: where it stands (queued, running with its step, done, failed with the
reason), refreshed by the browser until it ends; done analysis runs lead to their run."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.admin.views import ConfirmForm
from survey.campaigns.models import Campaign
from survey.downloads import attachment
from survey.extensions import db
from survey.jobs import services
from survey.jobs.models import Job, JobFile
from survey.permissions import requires

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) == 32 else None
    if job is None:
        abort(404)
    return job


@blueprint.get("/<job_id>")
@requires("evaluator")
def show_job(job_id: str):
    job = _job(job_id)
    if job.status == "done" and job.kind == "analysis_run":
        campaign = db.session.get(Campaign, job.arguments["campaign_id"])
        flash(
            _(
                "Analysis run %(id)s stored: %(used)s submissions used, %(flagged)s flagged by "
                "screening.",
                id=job.result["run_id"],
                used=job.result["used"],
                flagged=job.result["flagged"],
            ),
            "success",
        )
        return redirect(
            url_for("dashboard.show_campaign", code=campaign.code, run=job.result["run_id"])
        )
    return render_template("jobs/show.html", job=job, stalled=services.is_stalled(job))


@blueprint.get("/<job_id>/file")
@requires("evaluator")
def download_file(job_id: str):
    """The file a finished job made, as many times as it is asked for."""
    stored = db.session.get(JobFile, _job(job_id).id) or abort(404)
    return Response(stored.content, mimetype=stored.mimetype, headers=attachment(stored.name))


@blueprint.post("/<job_id>/retry")
@requires("evaluator")
def retry_job(job_id: str):
    job = _job(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if job.status == "failed" or services.is_stalled(job):
        services.retry(job)
    return redirect(url_for(".show_job", job_id=job.id), code=303)


def start_agency_reports(campaign: Campaign, run_id: int, language: str):
    """Every agency's report of a run as a zip: a job (about two seconds per agency)."""
    return _start(
        "agency_reports",
        f"agency_reports:run:{run_id}:{language}",
        {"campaign_id": campaign.id, "run_id": run_id, "language": language},
    )


def start_analysis(campaign: Campaign):
    """From the run button: the campaign's unfinished analysis, or a new one."""
    return _start(
        "analysis_run", f"analysis_run:campaign:{campaign.id}", {"campaign_id": campaign.id}
    )


def _start(kind: str, work: str, arguments: dict):
    """The signed-in user's request for `work`, joined or queued; its page follows it."""
    job = services.start(
        kind, work, arguments, actor=current_user.username, user_id=current_user.id
    )
    return redirect(url_for("jobs.show_job", job_id=job.id), code=303)
