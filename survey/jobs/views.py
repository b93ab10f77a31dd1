"""A job's page: where it stands (queued, running with its step, done, failed with the
reason), refreshed by the browser until it ends; done analysis runs lead to their run."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.downloads import attachment
from survey.extensions import db
from survey.jobs import services
from survey.jobs.models import Job, JobFile
from survey.paper.models import Batch
from survey.permissions import STAFF, requires
from survey.reports import render
from survey.runs.models import AnalysisRun
from survey.web import ConfirmForm

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")

# Who may follow a job of each kind: the roles of the pages that start it (and admins).
# An agency viewer follows only the jobs of their own agency.
FOLLOWERS = {
    "analysis_run": ("evaluator",),
    "agency_reports": ("evaluator",),
    "report_pdf": ("evaluator", "agency-viewer"),
    "paper_forms": ("surveyor", "evaluator"),
    "audit_export": (),  # administrators only
}


def _job(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if len(job_id) == 32 else None
    if job is None or not _may_follow(job):
        abort(404)
    return job


def _may_follow(job: Job) -> bool:
    role = current_user.role
    if role == "admin":
        return True
    if role not in FOLLOWERS[job.kind]:
        return False
    return role != "agency-viewer" or job.arguments.get("agency_id") == current_user.agency_id


@blueprint.get("/<job_id>")
@requires(*STAFF)
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


def start_agency_reports(campaign: Campaign, run_id: int, language: str):
    """Every agency's report of a run as a zip: a job (about two seconds per agency)."""
    return _start(
        "agency_reports",
        f"agency_reports:run:{run_id}:{language}",
        {"campaign_id": campaign.id, "run_id": run_id, "language": language},
    )


def report_download(campaign: Campaign, run: AnalysisRun, agency: Agency | None, language: str):
    """A report's PDF when one made from the same HTML is kept (by a job, or by the
    command line on this machine); otherwise the job that lays it out."""
    if agency is None:
        html = render.province_html(campaign, run, language)
        name = f"{campaign.code}-run{run.id}-{language}.pdf"
    else:
        html = render.agency_html(campaign, agency, run, language)
        name = f"{campaign.code}-{agency.code}-run{run.id}-{language}.pdf"
    work = f"report_pdf:{render.cache_key(html)}"
    stored = services.finished_file(work)
    content = stored.content if stored is not None else render.kept_pdf(html)
    if content is not None:
        return Response(content, mimetype="application/pdf", headers=attachment(name))
    arguments = {
        "campaign_id": campaign.id,
        "run_id": run.id,
        "agency_id": agency.id if agency else None,
        "language": language,
        "file": name,
    }
    return _start("report_pdf", work, arguments)


def start_paper_forms(batch: Batch, language: str):
    """A batch's printed forms (a few seconds for a large batch)."""
    return _start(
        "paper_forms",
        f"paper_forms:batch:{batch.id}:{language}",
        {"batch_id": batch.id, "language": language},
    )


def audit_export_download(filters: dict[str, str], last_id: int):
    """The audit CSV of these events, served when a job made exactly it, else made."""
    from survey.audit import export

    work = export.work(filters, last_id)
    stored = services.finished_file(work)
    if stored is not None:
        return Response(stored.content, mimetype=stored.mimetype, headers=attachment("audit.csv"))
    return _start("audit_export", work, {"filters": filters, "last_id": last_id})


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
