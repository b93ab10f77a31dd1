"""Reports and exports as jobs: every agency's report of a run as one zip, one report's
PDF, and every response of a campaign as a file (CSV with its codebook, Excel, SPSS).

A report's PDF job does the work named by the digest of what the report shows
(render.report_key), so a finished job is the cached PDF of exactly that."""

from __future__ import annotations

from typing import Any

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.jobs import services as jobs
from survey.jobs.kinds import Kept, Kind, Work
from survey.jobs.models import Job
from survey.reports import exports, render
from survey.runs.models import AnalysisRun


def agency_reports(job: Job) -> dict[str, Any]:
    """Every agency's report of a run in one zip, one PDF after the other."""
    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    run = db.session.get(AnalysisRun, job.arguments["run_id"])
    if campaign is None or run is None:
        raise jobs.JobFailed("the campaign or its run no longer exists")
    language = job.arguments["language"]
    content = render.agencies_zip(
        campaign,
        run,
        language,
        progress=lambda done, total: jobs.progress(job, "agency_reports", 100 * done // total),
    )
    name = f"{campaign.code}-agencies-run{run.id}-{language}.zip"
    jobs.keep_file(job, name, "application/zip", content)
    return {"file": name, "agencies": len(render.reported_agencies(campaign, run))}


def report_pdf(job: Job) -> dict[str, Any]:
    """One report (the province's, or an agency's) as PDF."""
    arguments = job.arguments
    campaign = db.session.get(Campaign, arguments["campaign_id"])
    run = db.session.get(AnalysisRun, arguments["run_id"])
    agency = db.session.get(Agency, arguments["agency_id"]) if arguments["agency_id"] else None
    if campaign is None or run is None or (arguments["agency_id"] and agency is None):
        raise jobs.JobFailed("the campaign, its run or the agency no longer exists")
    jobs.progress(job, "report_pdf", 10)
    pdf = render.cached_pdf(campaign, run, agency, arguments["language"])
    jobs.keep_file(job, arguments["file"], "application/pdf", pdf)
    return {"file": arguments["file"]}


def responses_export(job: Job) -> dict[str, Any]:
    """Every submission of the campaign with its answers and codebook, as asked."""
    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    if campaign is None:
        raise jobs.JobFailed("the campaign no longer exists")
    fmt, language = job.arguments["format"], job.arguments["language"]
    jobs.progress(job, "responses_export", 10)
    name, mimetype, content = exports.responses_file(campaign, fmt, language)
    jobs.keep_file(job, name, mimetype, content)
    return {"file": name}


def responses_export_work(campaign: Campaign, fmt: str, language: str) -> Work:
    """The responses as a file, made by a job; the same file again while nothing changed
    (its work names the submissions' and decisions' state)."""
    work = f"responses_export:{campaign.id}:{fmt}:{language}:{exports.responses_state(campaign)}"
    return Work(
        "responses_export",
        work,
        {"campaign_id": campaign.id, "format": fmt, "language": language},
    )


def run_data_export(job: Job) -> dict[str, Any]:
    """The submissions a run used, one row each, with its design: enough to rebuild every
    figure of the run in R, Stata or SPSS (survey/runs/microdata.py)."""
    import io
    import zipfile

    from survey.runs.microdata import MicrodataError, design_json, run_data

    run = db.session.get(AnalysisRun, job.arguments["run_id"])
    if run is None:
        raise jobs.JobFailed("the run no longer exists")
    jobs.progress(job, "run_data_export", 10)
    try:
        text, description = run_data(run)
    except MicrodataError as error:
        raise jobs.JobFailed(str(error)) from None
    stem = f"{run.campaign.code}-run{run.id}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.csv", text)
        archive.writestr(f"{stem}.design.json", design_json(description))
    jobs.keep_file(job, f"{stem}-data.zip", "application/zip", buffer.getvalue())
    return {"file": f"{stem}-data.zip"}


def run_data_export_work(run: AnalysisRun) -> Work:
    # A run never changes: its data file is made once.
    return Work("run_data_export", f"run_data_export:{run.id}", {"run_id": run.id})


AGENCY_REPORTS = Kind("agency_reports", agency_reports, followers=("evaluator",))
RUN_DATA_EXPORT = Kind("run_data_export", run_data_export, followers=("evaluator",))
RESPONSES_EXPORT = Kind("responses_export", responses_export, followers=("evaluator",))
REPORT_PDF = Kind(
    "report_pdf", report_pdf, followers=("evaluator", "agency-viewer"), by_agency=True
)


def agency_reports_work(campaign: Campaign, run_id: int, language: str) -> Work:
    """Every agency's report of a run as a zip: a job (about two seconds per agency)."""
    return Work(
        "agency_reports",
        f"agency_reports:run:{run_id}:{language}",
        {"campaign_id": campaign.id, "run_id": run_id, "language": language},
    )


def report_file(
    campaign: Campaign, run: AnalysisRun, agency: Agency | None, language: str
) -> Kept | Work:
    """A report's PDF when one of what it shows now is kept (by a job, or by the command
    line on this machine); otherwise the job that lays it out. No HTML is drawn here: the
    key (render.report_key) digests what the report shows without drawing it."""
    if agency is None:
        name = f"{campaign.code}-run{run.id}-{language}.pdf"
    else:
        name = f"{campaign.code}-{agency.code}-run{run.id}-{language}.pdf"
    key = render.report_key(campaign, run, agency, language)
    work = f"report_pdf:{key}"
    stored = jobs.kept_file(work, name)
    if stored is not None:
        return stored
    kept = render.kept_pdf(key)
    if kept is not None:
        return Kept(name, kept, "application/pdf")
    arguments = {
        "campaign_id": campaign.id,
        "run_id": run.id,
        "agency_id": agency.id if agency else None,
        "language": language,
        "file": name,
    }
    return Work("report_pdf", work, arguments)
