"""The evaluator's dashboard: campaign overview, league tables, agency pages, runs, points.

Agency viewers see their own agency's page and nothing else of the province.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from survey import results
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.charts import bar_chart, interval_chart, priority_matrix
from survey.csv_files import CsvError, write_rows
from survey.dashboard import services
from survey.downloads import attachment
from survey.extensions import db
from survey.i18n import localized
from survey.inputs import record_id
from survey.labels import code_label
from survey.permissions import requires
from survey.reform import services as reform
from survey.reform.models import ReformFramework
from survey.reports import exports, render
from survey.reports.jobs import report_download, start_agency_reports
from survey.runs.jobs import start_analysis
from survey.runs.models import AnalysisRun
from survey.web import ConfirmForm, ImportForm, actor

blueprint = Blueprint("dashboard", __name__, url_prefix="/results")

VIEWERS = ("evaluator", "agency-viewer")


def _campaign(code: str) -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)


def _agency(campaign: Campaign, code: str) -> Agency:
    agency = next((a for a in campaign.agencies if a.code == code), None) or abort(404)
    if current_user.role == "agency-viewer" and current_user.agency_id != agency.id:
        abort(403)
    return agency


def _run(campaign: Campaign) -> AnalysisRun | None:
    """The run asked for (?run=ID, one of this campaign's), else the latest."""
    run_id = request.args.get("run", type=record_id)
    if run_id is None:
        return reform.latest_run(campaign)
    chosen = db.session.get(AnalysisRun, run_id)
    if chosen is None or chosen.campaign_id != campaign.id:
        abort(404)
    return chosen


def _name(agency: Agency) -> str:
    return localized({"vi": agency.name_vi, "en": agency.name_en})


@blueprint.get("/")
@requires(*VIEWERS)
def list_campaigns():
    viewer = current_user.agency if current_user.role == "agency-viewer" else None
    return render_template("dashboard/campaigns.html", rows=results.campaigns_for(viewer))


@blueprint.get("/<code>")
@requires(*VIEWERS)
def show_campaign(code: str):
    campaign = _campaign(code)
    if current_user.role == "agency-viewer":
        return redirect(url_for(".show_agency", code=code, agency_code=current_user.agency.code))
    chosen = _run(campaign)
    definition = campaign.questionnaire_version.definition()
    index = definition.index
    progress = services.progress(campaign)
    channels = services.channel_counts(campaign)
    page = {
        "campaign": campaign,
        "run": chosen,
        # Only the ids are printed: not every run's results.
        "runs": db.session.scalars(
            select(AnalysisRun)
            .options(load_only(AnalysisRun.id, AnalysisRun.campaign_id))
            .where(AnalysisRun.campaign_id == campaign.id)
            .order_by(AnalysisRun.id.desc())
        ).all(),
        "definition": definition,
        "progress": progress,
        "channels": channels,
        "channel_chart": bar_chart(
            [(code_label("channel", c), n) for c, n in channels.items()],
            title=_("Submissions by channel"),
        ),
        "league": reform.league(campaign, chosen),
        "frameworks": db.session.scalars(
            select(ReformFramework).order_by(ReformFramework.code, ReformFramework.id)
        ).all(),
        "upload": ImportForm(),
    }
    if chosen is not None:
        estimates = results.agency_estimates(chosen, index.code)
        province = chosen.results["province"][index.code]
        page |= {
            "estimates": estimates,
            "province": province,
            "index_chart": interval_chart(
                [e.interval(_name(e.agency)) for e in estimates],
                title=_("%(index)s per agency with its 95%% confidence interval", index=index.code),
                reference=100 * province["estimate"],
                reference_label=_("Province"),
            ),
            "lowest": results.lowest_items(chosen, definition),
            "drivers": _driver_chart(chosen, definition),
        }
    return render_template("dashboard/overview.html", **page)


def _driver_chart(chosen: AnalysisRun, definition):
    drivers = chosen.results.get("drivers", {}).get("components", [])
    province = chosen.results["province"]
    points = [
        (d["component"], 100 * d["importance"], 100 * province[d["component"]]["estimate"])
        for d in drivers
        if province.get(d["component"], {}).get("estimate") is not None
    ]
    if not points:
        return None
    return priority_matrix(
        points,
        title=_("Key drivers: importance against performance"),
        x_label=_("Importance (share of the explained score, %)"),
        y_label=_("Index (%)"),
    )


@blueprint.get("/<code>/agencies/<agency_code>")
@requires(*VIEWERS)
def show_agency(code: str, agency_code: str):
    campaign = _campaign(code)
    agency = _agency(campaign, agency_code)
    chosen = _run(campaign)
    definition = campaign.questionnaire_version.definition()
    index = definition.index
    page = {
        "campaign": campaign,
        "agency": agency,
        "run": chosen,
        "definition": definition,
        "channels": {
            code_label("channel", channel): n
            for channel, n in services.channel_counts(campaign, agency).items()
        },
    }
    trend = results.trend(agency, index.code)
    page["trend"] = trend
    page["trend_chart"] = (
        interval_chart(
            [results.interval_of(p.campaign.code, p.entry) for p in trend],
            title=_("%(index)s over campaigns", index=index.code),
        )
        if trend
        else None
    )
    rows = chosen.results["agencies"].get(agency.code) if chosen else None
    if rows:
        province = chosen.results["province"]
        components = [(c, rows.get(c.code), province.get(c.code)) for c in index.components]
        items = results.item_results(rows, definition)
        page |= {
            "rows": rows,
            "overall": rows[index.code],
            "province": province[index.code],
            "province_rows": province,
            "components": components,
            "items": items,
            "items_chart": interval_chart(
                [results.interval_of(f"{i.code} · {localized(i.text)}", i.entry) for i in items],
                title=_("Criteria with their %(level)s%% confidence intervals", level=95),
            ),
            "rank": next(
                (
                    r
                    for group in chosen.results.get("ranks", {}).values()
                    for r in group
                    if r["domain"] == agency.code
                ),
                None,
            ),
            "group_size": next(
                (
                    len(group)
                    for group in chosen.results.get("ranks", {}).values()
                    if any(r["domain"] == agency.code for r in group)
                ),
                0,
            ),
            "versus_mean": results.comparison_for(chosen, agency),
            "versus_previous": results.previous_comparison_for(chosen, agency),
            "drivers": chosen.results.get("drivers", {}).get("components", []),
        }
    league = reform.league(campaign, chosen)
    page["reform"] = league.row(agency.code) if league else None
    page["reform_provisional"] = bool(league and league.provisional)
    page["framework"] = league.framework if league else None
    return render_template("dashboard/agency.html", **page)


@blueprint.post("/<code>/runs")
@requires("evaluator")
def create_run(code: str):
    campaign = _campaign(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # A job: a run takes seconds to minutes. A second click while one runs joins it.
    return start_analysis(campaign)


@blueprint.post("/<code>/framework")
@requires("evaluator")
def choose_framework(code: str):
    campaign = _campaign(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    framework = db.session.get(
        ReformFramework, request.form.get("framework_id", type=record_id) or 0
    )
    if framework is None:
        flash(_("Choose a framework."), "error")
        return redirect(url_for(".show_campaign", code=code))
    reform.set_framework(campaign, framework, **actor())
    db.session.commit()
    flash(_("The campaign now uses framework %(code)s.", code=framework.code), "success")
    return redirect(url_for(".show_campaign", code=code))


@blueprint.route("/<code>/points/<agency_code>", methods=["GET", "POST"])
@requires("evaluator")
def edit_points(code: str, agency_code: str):
    campaign = _campaign(code)
    agency = _agency(campaign, agency_code)
    if campaign.framework is None:
        abort(404)
    framework = campaign.framework.definition()
    stored = reform.points_table(campaign)
    form = ConfirmForm()
    problems: dict[tuple[str, str], str] = {}
    values = {
        c.code: (
            _points_text(stored.get((agency.id, c.code)), "self_points"),
            _points_text(stored.get((agency.id, c.code)), "appraised_points"),
        )
        for c in framework.criteria
        if c.entered
    }
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        # A field the post leaves out keeps its stored value rather than being cleared.
        values = {
            c: (
                request.form.get(f"self-{c}", stored_self),
                request.form.get(f"appraised-{c}", stored_appraised),
            )
            for c, (stored_self, stored_appraised) in values.items()
        }
        try:
            changed = reform.save_points(
                campaign, {(agency, c): v for c, v in values.items()}, **actor()
            )
        except reform.PointsError as error:
            db.session.rollback()
            problems = {(c, column): m for (_a, c, column), m in error.problems.items()}
        else:
            db.session.commit()
            flash(_("Saved; %(count)s criteria changed.", count=changed), "success")
            return redirect(url_for(".edit_points", code=code, agency_code=agency_code))
    return render_template(
        "dashboard/points.html",
        campaign=campaign,
        agency=agency,
        framework=framework,
        values=values,
        problems=problems,
        form=form,
    ), (400 if problems else 200)


def _points_text(row, column: str) -> str:
    value = getattr(row, column) if row is not None else None
    return "" if value is None else f"{value:g}"


@blueprint.post("/<code>/points/import")
@requires("evaluator")
def import_points(code: str):
    campaign = _campaign(code)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload."), "error")
        return redirect(url_for(".show_campaign", code=code))
    try:
        changed = reform.import_points(campaign, form.file.data.read(), **actor())
    except CsvError as error:
        db.session.rollback()
        return render_template(
            "campaigns/import_errors.html",
            campaign=campaign,
            problems=error.problems,
            back_url=url_for(".show_campaign", code=code),
        ), 400
    db.session.commit()
    flash(_("Imported; %(count)s criteria changed.", count=changed), "success")
    return redirect(url_for(".show_campaign", code=code))


@blueprint.get("/<code>/points.csv")
@requires("evaluator")
def export_points(code: str):
    """Every agency × entered criterion, ready to fill in and import back."""
    campaign = _campaign(code)
    if campaign.framework is None:
        abort(404)
    stored = reform.points_table(campaign)
    rows = [
        {
            "agency_code": agency.code,
            "criterion": criterion.code,
            "self_points": _points_text(stored.get((agency.id, criterion.code)), "self_points"),
            "appraised_points": _points_text(
                stored.get((agency.id, criterion.code)), "appraised_points"
            ),
        }
        for agency in campaign.agencies
        for criterion in campaign.framework.definition().criteria
        if criterion.entered
    ]
    return Response(
        write_rows(reform.POINT_COLUMNS, rows),
        mimetype="text/csv",
        headers=attachment(f"{campaign.code}-points.csv"),
    )


def _report_run(campaign: Campaign) -> AnalysisRun:
    return _run(campaign) or abort(404)


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
    campaign = _campaign(code)
    return report_download(campaign, _report_run(campaign), None, _language())


@blueprint.get("/<code>/agencies/<agency_code>/report.pdf")
@requires(*VIEWERS)
def download_agency_report(code: str, agency_code: str):
    campaign = _campaign(code)
    agency = _agency(campaign, agency_code)
    return report_download(campaign, _report_run(campaign), agency, _language())


@blueprint.post("/<code>/agency-reports")
@requires("evaluator")
def prepare_agency_reports(code: str):
    """Every agency's report in one zip, made by a job (a second or two per agency)."""
    campaign = _campaign(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_ = _report_run(campaign)
    return start_agency_reports(campaign, run_.id, _language())


@blueprint.get("/<code>/results.<fmt>")
@requires("evaluator")
def download_results(code: str, fmt: str):
    """Every estimate of the run, for analysts (CSV or Excel)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    campaign = _campaign(code)
    run_ = _report_run(campaign)
    mimetype = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return _download(
        exports.results_bytes(run_, fmt), mimetype, f"{campaign.code}-run{run_.id}-results.{fmt}"
    )
