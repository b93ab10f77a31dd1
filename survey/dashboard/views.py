"""The evaluator's dashboard: the campaigns, a campaign's overview and league tables, an
agency's page, and the run button. Agency viewers see their own agency's page and nothing
else of the province. (Reform points: points.py; downloads: downloads.py.)
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from survey import results
from survey.agencies.models import ServiceField
from survey.campaigns.response_rates import response_rates
from survey.charts import bar_chart, interval_chart, priority_matrix
from survey.dashboard import services
from survey.dashboard.common import (
    VIEWERS,
    agency_name,
    agency_of,
    blueprint,
    campaign_named,
    chosen_run,
)
from survey.dossiers import timeliness as dossier_timeliness
from survey.extensions import db
from survey.i18n import localized
from survey.labels import code_label
from survey.local_time import today
from survey.permissions import requires
from survey.reform import services as reform
from survey.reform.models import ReformFramework
from survey.runs.jobs import start_analysis
from survey.runs.models import AnalysisRun
from survey.web import ConfirmForm, ImportForm


@blueprint.get("/")
@requires(*VIEWERS)
def list_campaigns():
    viewer = current_user.agency if current_user.role == "agency-viewer" else None
    return render_template("dashboard/campaigns.html", rows=results.campaigns_for(viewer))


@blueprint.get("/<code>")
@requires(*VIEWERS)
def show_campaign(code: str):
    campaign = campaign_named(code)
    if current_user.role == "agency-viewer":
        return redirect(url_for(".show_agency", code=code, agency_code=current_user.agency.code))
    chosen = chosen_run(campaign)
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
        "timeliness": dossier_timeliness.for_campaign(campaign, today()),
        "rates": response_rates(campaign),
        "agencies": {a.id: a for a in campaign.agencies},
        "agency_names": {a.code: agency_name(a) for a in campaign.agencies},
        "field_names": {
            f.code: localized({"vi": f.name_vi, "en": f.name_en})
            for f in db.session.scalars(select(ServiceField))
        },
    }
    if chosen is not None:
        estimates = results.agency_estimates(chosen, index.code)
        province = chosen.results["province"][index.code]
        page |= {
            "estimates": estimates,
            "parts": {
                e.agency.code: results.type_parts(chosen, e.agency.code, index.code)
                for e in estimates
            },
            "province": province,
            "index_chart": interval_chart(
                [e.interval(agency_name(e.agency)) for e in estimates],
                title=_("%(index)s per agency with its 95%% confidence interval", index=index.code),
                reference=100 * province["estimate"],
                reference_label=_("Province"),
            ),
            "lowest": results.lowest_items(chosen, definition),
            "gaps": results.timeliness_gaps(chosen),
            "small_areas": results.small_area_groups(chosen),
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
    campaign = campaign_named(code)
    agency = agency_of(campaign, agency_code)
    chosen = chosen_run(campaign)
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
            [results.interval_of(results.trend_label(p), p.entry) for p in trend],
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
            "small_area": results.small_area_for(chosen, agency),
            "type_parts": results.type_parts(chosen, agency.code, index.code),
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
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # A job: a run takes seconds to minutes. A second click while one runs joins it.
    return start_analysis(campaign)
