"""The evaluator's dashboard: the campaigns, a campaign's results on pages of their own
(the reform league, satisfaction, small areas, dossiers on time, responses), an agency's
page, and the run button. Agency viewers see their own agency's page and nothing else of
the province. (Reform points: points.py; downloads: downloads.py.)

Every figure a results page shows is read from the chosen run (its estimates and what it
recorded beside them, survey/runs/snapshots.py), so the pages of run N show run N alone
and render without scanning live tables; only the fieldwork progress is live, and says so.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from survey import results
from survey.agencies.models import ServiceField
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
from survey.dashboard.filters import FLAGS, Filter, group_choices
from survey.extensions import db
from survey.i18n import localized
from survey.jobs.views import start
from survey.labels import code_label
from survey.permissions import requires
from survey.recommendations import themes
from survey.reform.models import ReformFramework
from survey.reform.recorded import stored_league
from survey.runs import snapshots
from survey.runs.jobs import analysis_work
from survey.runs.models import AnalysisRun
from survey.web import ConfirmForm, ImportForm

# The results of a campaign, page by page, in the order evaluators read them: the league
# and the satisfaction index first.
TABS = (
    ("show_campaign", _l("Reform index")),
    ("show_satisfaction", _l("Satisfaction")),
    ("show_small_areas", _l("Small-area estimates")),
    ("show_dossiers", _l("Dossiers on time")),
    ("show_responses", _l("Responses")),
)


@blueprint.get("/")
@requires(*VIEWERS)
def list_campaigns():
    viewer = current_user.agency if current_user.role == "agency-viewer" else None
    return render_template("dashboard/campaigns.html", rows=results.campaigns_for(viewer))


def _results_page(template: str, code: str, build=None):
    """A page of a campaign's results: the shared header (facts, downloads, runs, the
    contents bar) and what `build(campaign, run, definition)` adds."""
    campaign = campaign_named(code)
    if current_user.role == "agency-viewer":
        return redirect(url_for(".show_agency", code=code, agency_code=current_user.agency.code))
    chosen = chosen_run(campaign)
    definition = campaign.questionnaire_version.definition()
    page = {
        "campaign": campaign,
        "run": chosen,
        "recorded": chosen is not None and snapshots.recorded(chosen),
        # Only the ids are printed: not every run's results.
        "runs": db.session.scalars(
            select(AnalysisRun)
            .options(load_only(AnalysisRun.id, AnalysisRun.campaign_id))
            .where(AnalysisRun.campaign_id == campaign.id)
            .order_by(AnalysisRun.id.desc())
        ).all(),
        "definition": definition,
        "tabs": TABS,
        "filter": Filter.from_request(),
        "groups": group_choices(),
        "flag_choices": FLAGS,
        "agencies": {a.id: a for a in campaign.agencies},
    }
    if build is not None:
        page |= build(campaign, chosen, definition)
    return render_template(template, **page)


@blueprint.get("/<code>")
@requires(*VIEWERS)
def show_campaign(code: str):
    """The reform league, as the chosen run recorded it."""

    def build(campaign, chosen, definition):
        return {
            "league": stored_league(chosen),
            # How agencies answered recommendations (criterion REPLY_ON_TIME's rate).
            "replies": results.run_replies(chosen) if chosen is not None else None,
            "frameworks": db.session.scalars(
                select(ReformFramework).order_by(ReformFramework.code, ReformFramework.id)
            ).all(),
            "upload": ImportForm(),
        }

    return _results_page("dashboard/league.html", code, build)


@blueprint.get("/<code>/satisfaction")
@requires(*VIEWERS)
def show_satisfaction(code: str):
    """Each agency's satisfaction index with its interval and rank, group by group."""

    def build(campaign, chosen, definition):
        if chosen is None:
            return {}
        index = definition.index
        chosen_filter = Filter.from_request()
        estimates = [
            e
            for e in results.agency_estimates(chosen, index.code)
            if chosen_filter.keeps(e.agency, e.entry)
        ]
        province = chosen.results["province"][index.code]
        return {
            "estimates": estimates,
            "parts": {
                e.agency.code: results.type_parts(chosen, e.agency.code, index.code)
                for e in estimates
            },
            "province": province,
            "index_charts": _charts_by_group(estimates, index.code, 100 * province["estimate"]),
            "lowest": results.lowest_items(chosen, definition),
            "drivers": _driver_chart(chosen, definition),
            "driver_rows": results.drivers(chosen, definition),
            "driver_fit": results.driver_fit(chosen),
            "participation": results.province_participation(chosen, index.code),
        }

    return _results_page("dashboard/satisfaction.html", code, build)


def _charts_by_group(estimates, index_code: str, province: float):
    """One interval chart per ranking group, each with its own axis (a chart of a hundred
    rows and one axis cannot be read)."""
    names = dict(group_choices())
    charts = []
    for group in dict.fromkeys(e.agency.ranking_group for e in estimates):
        rows = [e for e in estimates if e.agency.ranking_group == group]
        charts.append(
            interval_chart(
                [e.interval(agency_name(e.agency)) for e in rows],
                title=_(
                    "%(index)s of %(group)s with the 95%% confidence interval",
                    index=index_code,
                    group=names.get(group, code_label("ranking_group", group)),
                ),
                reference=province,
                reference_label=_("Province"),
            )
        )
    return charts


@blueprint.get("/<code>/small-areas")
@requires(*VIEWERS)
def show_small_areas(code: str):
    def build(campaign, chosen, definition):
        if chosen is None:
            return {}
        chosen_filter = Filter.from_request()
        groups = results.small_area_groups(chosen)
        for group in groups:
            group.rows[:] = [r for r in group.rows if chosen_filter.keeps(r.agency)]
        return {"small_areas": groups}

    return _results_page("dashboard/small_areas.html", code, build)


def theme_name(code: str) -> str:
    """A recommendation theme's name in the page's language."""
    names = themes.names(code)
    return localized(names) if names else _("Not classified")


@blueprint.get("/<code>/dossiers")
@requires(*VIEWERS)
def show_dossiers(code: str):
    """Dossiers returned on time, and satisfaction when they were late, as the run
    recorded them."""

    def build(campaign, chosen, definition):
        if chosen is None:
            return {}
        chosen_filter = Filter.from_request()
        by_code = {a.code: a for a in campaign.agencies}
        timeliness = results.run_timeliness(chosen)
        if timeliness is not None:
            timeliness.agencies[:] = [
                line
                for line in timeliness.agencies
                if line.agency_code in by_code and chosen_filter.keeps(by_code[line.agency_code])
            ]
        replies = results.run_replies(chosen)
        return {
            "timeliness": timeliness,
            "replies": replies,
            "reply_agencies": [
                (agency_name(by_code[code]), line)
                for code, line in (replies.agencies.items() if replies else ())
                if code in by_code and chosen_filter.keeps(by_code[code])
            ],
            "reply_themes": [
                (theme_name(code), line)
                for code, line in (replies.themes.items() if replies else ())
            ],
            "gaps": [
                g
                for g in results.timeliness_gaps(chosen)
                if g["group"] in by_code and chosen_filter.keeps(by_code[g["group"]])
            ],
            "agency_names": {a.code: agency_name(a) for a in campaign.agencies},
            "agencies_by_code": by_code,
            "field_names": {
                f.code: localized({"vi": f.name_vi, "en": f.name_en})
                for f in db.session.scalars(select(ServiceField))
            },
        }

    return _results_page("dashboard/dossiers.html", code, build)


@blueprint.get("/<code>/responses")
@requires(*VIEWERS)
def show_responses(code: str):
    """Fieldwork: answers per agency against the plan (live), what the run received and
    used by channel, its screening, and the response rates it recorded."""

    def build(campaign, chosen, definition):
        chosen_filter = Filter.from_request()
        live = services.channel_counts(campaign)
        page = {
            "progress": [r for r in services.progress(campaign) if chosen_filter.keeps(r.agency)],
            "live_channels": live,
            "channel_chart": bar_chart(
                [(code_label("channel", c), n) for c, n in live.items()],
                title=_("Submissions received so far, by channel"),
            ),
        }
        if chosen is not None:
            by_id = {a.id: a for a in campaign.agencies}
            page["run_channels"] = results.run_channels(chosen, definition.index.code)
            page["rates"] = [
                r
                for r in results.run_response_rates(chosen)
                if r.agency_id in by_id and chosen_filter.keeps(by_id[r.agency_id])
            ]
        return page

    return _results_page("dashboard/responses.html", code, build)


def _driver_chart(chosen: AnalysisRun, definition):
    rows = results.drivers(chosen, definition)
    points = [
        (row.name, 100 * row.importance, 100 * row.performance, *_percent_interval(row))
        for row in rows
        if row.performance is not None
    ]
    if not points:
        return None
    return priority_matrix(
        points,
        title=_("Key drivers: importance against performance"),
        x_label=_("Importance (share of the explained score, %)"),
        y_label=_("Index (%)"),
    )


def _percent_interval(row) -> tuple[float | None, float | None]:
    if row.importance_low is None or row.importance_high is None:
        return None, None
    return 100 * row.importance_low, 100 * row.importance_high


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
            "drivers": results.drivers(chosen, definition),
            "driver_fit": results.driver_fit(chosen),
            "participation": results.participation(chosen, agency, index.code),
        }
    league = stored_league(chosen)
    page["reform"] = league.row(agency.code) if league else None
    page["framework"] = league.framework if league else None
    page["recorded"] = chosen is not None and snapshots.recorded(chosen)
    return render_template("dashboard/agency.html", **page)


@blueprint.get("/glossary")
@requires(*VIEWERS)
def show_glossary():
    """What the figures on the results pages and in the reports mean, in plain words."""
    return render_template("dashboard/glossary.html")


@blueprint.post("/<code>/runs")
@requires("evaluator")
def create_run(code: str):
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # A job: a run takes seconds to minutes. A second click while one runs joins it.
    return start(analysis_work(campaign))
