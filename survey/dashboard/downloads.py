"""What the dashboard hands out as files: the province's and an agency's report (from a
finished job, or a job that makes it), every agency's reports as a zip, a run's results
as CSV or Excel, and every response of the campaign (a job)."""

from __future__ import annotations

from flask import Response, abort, request

from survey.campaigns.models import Campaign
from survey.dashboard.common import VIEWERS, agency_of, blueprint, campaign_named, chosen_run
from survey.downloads import attachment
from survey.jobs.views import deliver, start
from survey.permissions import requires
from survey.reports import exports, render
from survey.reports.jobs import (
    agency_reports_work,
    report_file,
    responses_export_work,
    run_data_export_work,
)
from survey.runs.models import AnalysisRun
from survey.web import ConfirmForm


def _report_run(campaign: Campaign) -> AnalysisRun:
    return chosen_run(campaign) or abort(404)


def _language() -> str:
    language = request.args.get("language", "vi")
    return language if language in render.LANGUAGES else abort(400)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers=attachment(filename))


@blueprint.get("/<code>/report.pdf")
@requires("evaluator")
def download_province_report(code: str):
    """The province report of the run: kept by a digest of what it shows, laid out by a
    job when no PDF of exactly this content is kept. Repeating the GET is harmless: it
    joins the job already laying the same report out."""
    campaign = campaign_named(code)
    return deliver(report_file(campaign, _report_run(campaign), None, _language()))


@blueprint.get("/<code>/agencies/<agency_code>/report.pdf")
@requires(*VIEWERS)
def download_agency_report(code: str, agency_code: str):
    campaign = campaign_named(code)
    agency = agency_of(campaign, agency_code)
    return deliver(report_file(campaign, _report_run(campaign), agency, _language()))


@blueprint.post("/<code>/agency-reports")
@requires("evaluator")
def prepare_agency_reports(code: str):
    """Every agency's report in one zip, made by a job (a second or two per agency)."""
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_ = _report_run(campaign)
    return start(agency_reports_work(campaign, run_.id, _language()))


@blueprint.get("/<code>/results.<fmt>")
@requires("evaluator")
def download_results(code: str, fmt: str):
    """Every estimate of the run, for analysts (CSV or Excel), in the language asked
    (its headings, and the names beside the codes)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    campaign = campaign_named(code)
    run_ = _report_run(campaign)
    language = _language()
    mimetype = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return _download(
        exports.results_bytes(run_, fmt, language),
        mimetype,
        f"{campaign.code}-run{run_.id}-results-{language}.{fmt}",
    )


@blueprint.post("/<code>/responses-export")
@requires("evaluator")
def export_responses(code: str):
    """Every response of the campaign as a file (CSV with its codebook, Excel, SPSS), made
    by a job: what people wrote masked, no invitation, no client."""
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    fmt = request.form.get("format", "")
    language = request.form.get("language", "vi")
    if fmt not in exports.FORMATS or language not in render.LANGUAGES:
        abort(400)
    return start(responses_export_work(campaign, fmt, language))


@blueprint.post("/<code>/run-data")
@requires("evaluator")
def export_run_data(code: str):
    """The run's data with its design, to rebuild its figures elsewhere (a job)."""
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return start(run_data_export_work(_report_run(campaign)))
