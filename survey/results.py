"""A stored run's results as pages and reports read them: each agency's estimate with its
rank, the items of a domain, an agency's trend over campaigns, its comparisons.

Estimates always come from a stored run (never recomputed for a page view), so the
dashboard, the reports and the command line show the same numbers for the same run. Both
the dashboard and the reports read them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, literal, select
from sqlalchemy.orm import defer, joinedload

from analysis.compare import SUPPRESS_N
from survey.agencies.models import Agency
from survey.campaigns import response_rates
from survey.campaigns.models import Campaign, campaign_agency
from survey.charts import Interval
from survey.dossiers.timeliness import CampaignTimeliness
from survey.extensions import db
from survey.i18n import localized
from survey.questionnaires.definition import Definition
from survey.recommendations.figures import RecordedReplies
from survey.runs import snapshots
from survey.runs.lineage import Lineage
from survey.runs.models import AnalysisRun


def campaigns_for(
    agency: Agency | None, as_of: AnalysisRun | None = None
) -> list[tuple[Campaign, AnalysisRun | None]]:
    """Campaigns (newest first) with their latest run; an agency's own campaigns only.
    `as_of`: the latest runs as they stood when that run was made (run ids only grow),
    and that run itself for its own campaign, so that what a report of run N shows of
    other campaigns does not change with later runs."""
    query = select(Campaign).order_by(Campaign.period_start.desc(), Campaign.id.desc())
    if agency is not None:
        query = query.join(campaign_agency).where(campaign_agency.c.agency_id == agency.id)
    campaigns = db.session.scalars(query).all()
    # The latest run of every campaign in one query, without its results (list pages
    # print the run's id and date only).
    latest = (
        select(func.max(AnalysisRun.id))
        .where(AnalysisRun.campaign_id.in_([c.id for c in campaigns]))
        .group_by(AnalysisRun.campaign_id)
    )
    if as_of is not None:
        latest = latest.where(
            AnalysisRun.id <= as_of.id, AnalysisRun.campaign_id != as_of.campaign_id
        ).union(select(literal(as_of.id)))
    runs = {
        run.campaign_id: run
        for run in db.session.scalars(
            select(AnalysisRun)
            .options(defer(AnalysisRun.results), defer(AnalysisRun.screening))
            .where(AnalysisRun.id.in_(latest))
        )
    }
    return [(c, runs.get(c.id)) for c in campaigns]


@dataclass(frozen=True)
class AgencyEstimate:
    agency: Agency
    entry: Mapping[str, Any]  # the run's stored row for the statistic
    rank: Mapping[str, Any] | None  # rank and its interval within the ranking group

    @property
    def estimate(self) -> float | None:
        value = self.entry.get("estimate")
        return None if value is None else 100 * value

    def interval(self, label: str) -> Interval:
        return interval_of(label, self.entry)


def interval_of(label: str, entry: Mapping[str, Any]) -> Interval:
    """A stored estimate as a chart row on the 0–100 scale (evaluators see every estimate;
    the published reports apply the small-cell rules instead)."""
    estimate, low, high = (entry.get(k) for k in ("estimate", "ci_low", "ci_high"))
    return Interval(
        label,
        None if estimate is None else 100 * estimate,
        None if low is None else 100 * low,
        None if high is None else 100 * high,
        muted=bool(entry.get("low_precision")),
    )


def agency_estimates(run: AnalysisRun, code: str) -> list[AgencyEstimate]:
    """Every agency's estimate of statistic `code`, highest first (missing ones last)."""
    ranks = {row["domain"]: row for rows in run.results.get("ranks", {}).values() for row in rows}
    agencies = {
        a.code: a
        for a in db.session.scalars(
            select(Agency)
            .where(Agency.code.in_(list(run.results["agencies"])))
            .options(joinedload(Agency.group))
        )
    }
    rows = [
        AgencyEstimate(agencies[domain], entries[code], ranks.get(domain))
        for domain, entries in run.results["agencies"].items()
        if domain in agencies and code in entries
    ]
    # Ranks are within a group, so the table and the chart list group by group.
    return sorted(
        rows,
        key=lambda r: (
            r.agency.group.position,
            r.agency.ranking_group,
            r.estimate is None,
            -(r.estimate or 0),
            r.agency.code,
        ),
    )


@dataclass(frozen=True)
class ItemResult:
    code: str
    text: Mapping[str, str]
    component: str
    entry: Mapping[str, Any]

    @property
    def estimate(self) -> float | None:
        value = self.entry.get("estimate")
        return None if value is None else 100 * value


def item_results(rows: Mapping[str, Any], definition: Definition) -> list[ItemResult]:
    """The satisfaction items of one domain's stored rows, in questionnaire order."""
    return [
        ItemResult(q.code, q.text, q.component, rows[q.code])
        for q in definition.satisfaction_items
        if q.code in rows
    ]


def lowest_items(run: AnalysisRun, definition: Definition, limit: int = 5) -> list[ItemResult]:
    """The province's lowest-scoring criteria: where citizens are least satisfied."""
    items = [i for i in item_results(run.results["province"], definition) if i.estimate is not None]
    return sorted(items, key=lambda i: i.estimate)[:limit]


@dataclass(frozen=True)
class TrendPoint:
    campaign: Campaign
    run: AnalysisRun
    entry: Mapping[str, Any]
    # "own", or "predecessors": the campaign came before the agency existed as it is now,
    # and the point combines the agencies it replaced (their codes in `sources`).
    basis: str = "own"
    sources: tuple[str, ...] = ()


def trend(agency: Agency, code: str, as_of: AnalysisRun | None = None) -> list[TrendPoint]:
    """The agency's statistic `code` in the latest run of every campaign, oldest first;
    before a restructuring, its predecessors' figures combined (survey/runs/lineage.py).
    `as_of`: as the trend stood when that run was made (a report of the run)."""
    history = Lineage()
    points = []
    for campaign, run in reversed(campaigns_for(None, as_of)):
        if run is None:
            continue
        figure = history.earlier_figure(agency.code, run, code)
        if figure.entry is None:
            continue
        points.append(
            TrendPoint(campaign, run, figure.entry, figure.basis, tuple(figure.source_codes))
        )
    return points


def trend_label(point: TrendPoint) -> str:
    """A trend point's chart label: the campaign, marked when it is the predecessors'."""
    name = localized({"vi": point.campaign.name_vi, "en": point.campaign.name_en})
    if point.basis == "predecessors":
        return f"{name} ({_('predecessors combined')})"
    return name


def comparison_for(run: AnalysisRun, agency: Agency) -> Mapping[str, Any] | None:
    return next((c for c in run.results.get("comparisons", []) if c["domain"] == agency.code), None)


def previous_comparison_for(run: AnalysisRun, agency: Agency) -> Mapping[str, Any] | None:
    previous = run.results.get("previous") or {}
    return next((c for c in previous.get("comparisons", []) if c["domain"] == agency.code), None)


def timeliness_gaps(run: AnalysisRun) -> list[dict[str, Any]]:
    """The run's late/on-time gaps that may be published: both sides with at least
    SUPPRESS_N answers (as any index); widest gap first."""
    shown = [
        g
        for g in run.results.get("timeliness_gap", [])
        if min(g["n_on_time"], g["n_late"]) >= SUPPRESS_N and g["difference"] is not None
    ]
    return sorted(shown, key=lambda g: -g["difference"])


@dataclass(frozen=True)
class SmallAreaRow:
    agency: Agency
    area: Mapping[str, Any]  # direct, estimate, ci_low, ci_high, shrinkage, n (0-1 scale)


@dataclass(frozen=True)
class SmallAreaGroup:
    group: str
    fitted: Mapping[str, Any]  # model, covariates, dropped, variance function
    rows: list[SmallAreaRow]

    @property
    def model(self) -> Mapping[str, Any]:
        return self.fitted.get("model", {})


def small_area_groups(run: AnalysisRun) -> list[SmallAreaGroup]:
    """The run's Fay–Herriot fits, one per modelled ranking group, agencies by their
    small-area estimate (highest first); groups whose model failed carry the reason."""
    stored = run.results.get("small_areas") or {}
    codes = [c for fitted in stored.values() for c in fitted.get("areas", {})]
    agencies = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    groups = []
    for group, fitted in sorted(stored.items()):
        rows = [
            SmallAreaRow(agencies[c], area)
            for c, area in fitted.get("areas", {}).items()
            if c in agencies
        ]
        rows.sort(key=lambda r: (-r.area["estimate"], r.agency.code))
        groups.append(SmallAreaGroup(group, fitted, rows))
    return groups


def small_area_for(run: AnalysisRun, agency: Agency) -> Mapping[str, Any] | None:
    """The agency's small-area estimate in the run, if its group was modelled."""
    for fitted in (run.results.get("small_areas") or {}).values():
        if agency.code in fitted.get("areas", {}):
            return fitted["areas"][agency.code]
    return None


# Fewer answers of a respondent type than this, and its part of an agency's index is too
# few to stand on its own (as the precision rules mark an estimate, METHODS.md §3).
FEW_ANSWERS = 30


@dataclass(frozen=True)
class TypePart:
    """One respondent type's part of an agency's index: its own estimate over its answers,
    and the dossiers it stands for (its weight in the combined index)."""

    respondent_type: str
    entry: Mapping[str, Any] | None
    dossiers: float | None
    share: float | None  # of the agency's dossiers

    @property
    def n(self) -> int:
        return int((self.entry or {}).get("n") or 0)

    @property
    def few(self) -> bool:
        """Dossiers of this type, and answers too few (or none) to stand on their own."""
        if not self.dossiers:
            return False
        entry = self.entry or {}
        return self.n < FEW_ANSWERS or bool(entry.get("suppressed") or entry.get("low_precision"))


def _type_totals(run: AnalysisRun) -> dict[str, dict[str, float]]:
    """The dossiers of each respondent type per agency, as the run's design recorded them."""
    return ((run.parameters or {}).get("design") or {}).get("type_totals", {})


def type_parts(run: AnalysisRun, agency_code: str, code: str) -> list[TypePart]:
    """Each respondent type's part of the agency's index, citizens first; empty for a run
    whose campaign surveyed one type (or made before runs kept the parts)."""
    by_type = run.results.get("by_type") or {}
    totals = _type_totals(run).get(agency_code, {})
    kinds = sorted(set(by_type) | set(totals))
    if len(kinds) < 2:
        return []
    whole = sum(totals.values())
    return [
        TypePart(
            kind,
            (by_type.get(kind, {}).get(agency_code) or {}).get(code),
            totals.get(kind),
            totals[kind] / whole if whole and kind in totals else None,
        )
        for kind in kinds
    ]


def run_timeliness(run: AnalysisRun) -> CampaignTimeliness | None:
    """The dossiers' timeliness the run recorded (up to its cut-off day)."""
    record = snapshots.part(run, "timeliness")
    return None if record is None else CampaignTimeliness.from_record(record)


def run_replies(run: AnalysisRun) -> RecordedReplies | None:
    """How agencies answered citizens' recommendations, as the run recorded it (up to its
    cut-off day); None when the campaign had received none by then."""
    record = snapshots.part(run, "recommendations")
    return None if record is None else RecordedReplies.from_record(record)


def run_response_rates(run: AnalysisRun) -> list[response_rates.ResponseRate]:
    """The response rates of drawn invitations as the run recorded them."""
    return response_rates.from_record(snapshots.part(run, "response_rates"))


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    received: int | None  # up to the run's cut-off (None for runs that did not keep it)
    used: int  # after screening: what the estimates rest on


def run_channels(run: AnalysisRun, index_code: str) -> list[ChannelCount]:
    """Submissions per channel the run received and used. Runs made before it kept them
    give the answers to the overall index per channel (the same used count)."""
    screened = run.screening or {}
    used = screened.get("used_by_channel")
    received = screened.get("received_by_channel") or {}
    if used is None:
        code = index_code
        rows = run.results.get("breakdowns", {}).get("channel", {})
        used = {c: int((r.get(code) or {}).get("n") or 0) for c, r in rows.items()}
        received = {}
    return [
        ChannelCount(channel, received.get(channel), n)
        for channel, n in sorted(used.items(), key=lambda kv: -kv[1])
    ]


@dataclass(frozen=True)
class DriverRow:
    component: str
    name: str  # the component's name in the page's language
    importance: float
    coefficient: float | None
    se: float | None
    p_value: float | None
    performance: float | None  # the province's component index (0-1)
    # The importance's 95% interval (runs before it was computed have none).
    importance_low: float | None = None
    importance_high: float | None = None


def drivers(run: AnalysisRun, definition: Definition) -> list[DriverRow]:
    """The key drivers of the run, each component by its name, with its importance and
    the province's score on it."""
    names = {c.code: localized(c.name) for c in definition.index.components}
    province = run.results["province"]
    return [
        DriverRow(
            d["component"],
            names.get(d["component"], d["component"]),
            d["importance"],
            d.get("coefficient"),
            d.get("se"),
            d.get("p_value"),
            (province.get(d["component"]) or {}).get("estimate"),
            d.get("importance_low"),
            d.get("importance_high"),
        )
        for d in run.results.get("drivers", {}).get("components", [])
    ]


# Below this share of explained variation, the page says the components explain little of
# overall satisfaction: importances then order what matters among them, not what matters.
LOW_R_SQUARED = 0.3


@dataclass(frozen=True)
class DriverFit:
    r_squared: float
    n: int
    explains_little: bool


def driver_fit(run: AnalysisRun) -> DriverFit | None:
    """How much of overall satisfaction the key-driver model explains, when it was fitted."""
    stored = run.results.get("drivers") or {}
    if not stored.get("components") or stored.get("r_squared") is None:
        return None
    r_squared = float(stored["r_squared"])
    return DriverFit(r_squared, int(stored.get("n") or 0), r_squared < LOW_R_SQUARED)


@dataclass(frozen=True)
class Participation:
    """Who answered, beside an agency's results: the answers the index rests on against
    the dossiers the agency returned (its frame), and, where invitations were drawn,
    their response rates. The intervals assume that, within each weighting cell, those
    who answered are like those who did not (METHODS.md §3); these figures say how much
    rests on that."""

    answers: int
    dossiers: float | None
    rate: response_rates.ResponseRate | None  # of drawn invitations (AAPOR), if any
    # A household survey's run: its weights make up for nonresponse village by village.
    household: bool = False

    @property
    def per_hundred(self) -> float | None:
        return 100 * self.answers / self.dossiers if self.dossiers else None


def participation(run: AnalysisRun, agency: Agency, code: str) -> Participation | None:
    """The run's participation figures for one agency (from the run alone)."""
    entry = (run.results.get("agencies", {}).get(agency.code) or {}).get(code)
    if entry is None:
        return None
    dossiers = sum((_type_totals(run).get(agency.code) or {}).values()) or None
    rate = next(
        (r for r in run_response_rates(run) if r.agency_id == agency.id and not r.channel),
        None,
    )
    return Participation(int(entry.get("n") or 0), dossiers, rate, _household(run))


def _household(run: AnalysisRun) -> bool:
    return (run.parameters.get("design") or {}).get("kind") == "household"


def province_participation(run: AnalysisRun, code: str) -> Participation | None:
    """The same for the whole province: every agency's answers, dossiers and draws."""
    entry = (run.results.get("province") or {}).get(code)
    if entry is None:
        return None
    totals = _type_totals(run)
    dossiers = sum(sum(kinds.values()) for kinds in totals.values()) or None
    lines = [r for r in run_response_rates(run) if not r.channel]
    rate = (
        response_rates.ResponseRate(
            0, "", *(sum(getattr(r, f) for r in lines) for f in response_rates.COUNTED)
        )
        if lines
        else None
    )
    return Participation(int(entry.get("n") or 0), dossiers, rate, _household(run))
