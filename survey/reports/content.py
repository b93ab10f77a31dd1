"""What the reports say, taken from one stored run (never recomputed), with the
publication rules of METHODS.md applied: an estimate on fewer than 5 answers is not
published (a dash and a footnote), one on fewer than 30 answers or effective answers is
marked as of low precision."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey import results
from survey.agencies.models import Agency, ServiceField
from survey.campaigns.models import Campaign
from survey.dossiers.timeliness import Timeliness
from survey.extensions import db
from survey.i18n import localized
from survey.privacy import mask_personal_data
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import QuestionnaireVersion
from survey.recommendations import themes
from survey.reform import services as reform
from survey.reform.recorded import stored_league
from survey.responses.models import Answer, Submission
from survey.runs.models import AnalysisRun
from survey.runs.services import used_by
from survey.verdicts import is_clear

COMMENTS_SHOWN = 10


def published(entry: Mapping[str, Any] | None) -> float | None:
    """The estimate on the 0–100 scale, or None when it may not be published."""
    if not entry or entry.get("estimate") is None or entry.get("suppressed"):
        return None
    return 100 * entry["estimate"]


def interval(entry: Mapping[str, Any] | None) -> tuple[float, float] | None:
    if not entry or entry.get("suppressed") or entry.get("ci_low") is None:
        return None
    return 100 * entry["ci_low"], 100 * entry["ci_high"]


@dataclass(frozen=True)
class AgencyLine:
    agency: Agency
    entry: Mapping[str, Any]
    rank: Mapping[str, Any] | None
    # Citizens' and organisations' parts, when the campaign surveyed both.
    parts: tuple[results.TypePart, ...] = ()

    @property
    def value(self) -> float | None:
        return published(self.entry)

    @property
    def interval(self):
        return interval(self.entry)


@dataclass
class ProvinceReport:
    campaign: Campaign
    run: AnalysisRun
    definition: Definition
    province: Mapping[str, Any]
    groups: dict[str, list[AgencyLine]]
    league: reform.League | None
    changes: list[tuple[Agency, Mapping[str, Any], bool]]
    heat: tuple[list[Agency], list[str], list[list[float | None]]]
    lowest: list[results.ItemResult]
    drivers: list[tuple]  # the priority matrix's points, with the importance's interval
    channels: list[results.ChannelCount]
    screening: Mapping[str, Any]
    # What SIPAS announcements lead with: the province's index by component, and what
    # citizens most want improved (Part D), province-wide.
    components: list[tuple[Any, Mapping[str, Any]]]
    expectations: list[tuple[str, Mapping[str, str], float]]
    # Drawn invitations: response rates per agency (AAPOR), and per agency the index gap
    # between answers about on-time and late dossiers.
    rates: list[Any] = field(default_factory=list)
    gaps: list[tuple[Agency, Mapping[str, Any]]] = field(default_factory=list)
    # Fay–Herriot fits of the run's large ranking groups (estimates and diagnostics).
    small_areas: list[results.SmallAreaGroup] = field(default_factory=list)
    # Agencies split since the previous campaign, against their parts combined.
    splits: list[Mapping[str, Any]] = field(default_factory=list)
    # The key drivers as the dashboard tables them, and how much the model explains.
    driver_rows: list[results.DriverRow] = field(default_factory=list)
    driver_fit: results.DriverFit | None = None
    # How agencies answered citizens' recommendations, as the run recorded it:
    # (the recorded figures, [(agency name, line)], [(theme name, line)]).
    replies: tuple[Any, list, list] | None = None

    @property
    def index_code(self) -> str:
        return self.definition.index.code

    @property
    def agency_names(self) -> dict[int, str]:
        return {a.id: localized({"vi": a.name_vi, "en": a.name_en}) for a in self.campaign.agencies}

    @property
    def has_type_parts(self) -> bool:
        return any(line.parts for lines in self.groups.values() for line in lines)

    def extremes(self, group: str) -> tuple[AgencyLine | None, AgencyLine | None]:
        """The best and the worst published estimate of a group."""
        lines = [line for line in self.groups[group] if line.value is not None]
        if not lines:
            return None, None
        return lines[0], lines[-1]


def run_definition(run: AnalysisRun) -> Definition:
    """The questionnaire version the run analysed."""
    return db.session.get(QuestionnaireVersion, run.questionnaire_version_id).definition()


def _agencies(run: AnalysisRun) -> dict[str, Agency]:
    codes = list(run.results["agencies"])
    query = select(Agency).where(Agency.code.in_(codes)).options(joinedload(Agency.group))
    return {a.code: a for a in db.session.scalars(query)}


def _grouped(run: AnalysisRun, code: str) -> dict[str, list[AgencyLine]]:
    agencies = _agencies(run)
    ranks = {r["domain"]: r for rows in run.results.get("ranks", {}).values() for r in rows}
    groups: dict[str, list[AgencyLine]] = {}
    for domain, rows in run.results["agencies"].items():
        if domain in agencies and code in rows:
            agency = agencies[domain]
            groups.setdefault(agency.ranking_group, []).append(
                AgencyLine(
                    agency,
                    rows[code],
                    ranks.get(domain),
                    tuple(results.type_parts(run, domain, code)),
                )
            )
    for lines in groups.values():
        lines.sort(key=lambda line: (line.value is None, -(line.value or 0), line.agency.code))
    return dict(
        sorted(
            groups.items(),
            key=lambda item: (item[1][0].agency.group.position, item[0]),
        )
    )


def province_report(campaign: Campaign, run: AnalysisRun) -> ProvinceReport:
    definition = run_definition(run)
    code = definition.index.code
    groups = _grouped(run, code)
    agencies = _agencies(run)
    previous = run.results.get("previous") or {}
    changes = sorted(
        (
            # Called clear only when the agency's own interval agrees (survey/verdicts.py).
            (agencies[c["domain"]], c, is_clear(run.results["agencies"][c["domain"]][code], c))
            for c in previous.get("comparisons", [])
            if c["domain"] in agencies
            and c.get("difference") is not None
            # No change is printed for an index that is not published.
            and not run.results["agencies"][c["domain"]][code].get("suppressed")
        ),
        key=lambda change: -abs(change[1]["difference"]),
    )
    components = [c.code for c in definition.index.components]
    heat_rows, heat_values = [], []
    for lines in groups.values():
        for line in lines:
            rows = run.results["agencies"][line.agency.code]
            heat_rows.append(line.agency)
            heat_values.append([published(rows.get(c)) for c in components])
    driver_rows = results.drivers(run, definition)
    drivers = [
        (
            row.name,
            100 * row.importance,
            published(run.results["province"].get(row.component)),
            *(None if v is None else 100 * v for v in (row.importance_low, row.importance_high)),
        )
        for row in driver_rows
    ]
    province = run.results["province"]
    return ProvinceReport(
        campaign=campaign,
        run=run,
        definition=definition,
        province=run.results["province"][code],
        groups=groups,
        league=stored_league(run),
        changes=changes[:6],
        heat=(heat_rows, components, heat_values),
        lowest=results.lowest_items(run, definition, limit=5),
        drivers=[d for d in drivers if d[2] is not None],
        channels=results.run_channels(run, code),
        screening=run.screening,
        components=[
            (c, province[c.code]) for c in definition.index.components if c.code in province
        ],
        expectations=_expectations(run, definition, "all"),
        rates=[r for r in results.run_response_rates(run) if not r.channel],
        gaps=[
            (agencies[g["group"]], g)
            for g in results.timeliness_gaps(run)
            if g["group"] in agencies
        ],
        small_areas=results.small_area_groups(run),
        replies=_replies(run, agencies),
        splits=previous.get("splits") or [],
        driver_rows=driver_rows,
        driver_fit=results.driver_fit(run),
    )


def _expectations(run: AnalysisRun, definition, domain: str):
    """Part D: each area with the share wanting much improvement, most wanted first."""
    shares = (run.results.get("options") or {}).get(domain, {})
    priority = definition.priority_value
    return sorted(
        (
            # Stored runs are JSON: the answer values are text keys.
            (q.code, q.text, 100 * shares[q.code].get(str(priority), 0.0))
            for q in definition.expectation_items
            if q.code in shares
        ),
        key=lambda e: -e[2],
    )


@dataclass
class AgencyReport:
    campaign: Campaign
    run: AnalysisRun
    definition: Definition
    agency: Agency
    rows: Mapping[str, Any]
    province: Mapping[str, Any]
    group_average: float | None
    group_size: int
    rank: Mapping[str, Any] | None
    trend: list[results.TrendPoint]
    expectations: list[tuple[str, Mapping[str, str], float]]
    comments: list[str]
    comments_withheld: bool
    reform: reform.LeagueRow | None = None
    framework: Any = None
    versus_previous: Mapping[str, Any] | None = None
    versus_group: Mapping[str, Any] | None = None
    items: list[results.ItemResult] = field(default_factory=list)
    # The agency's dossiers from the one-stop shop's records: (field name, line), the
    # whole agency last; empty without records.
    timeliness: list[tuple[Mapping[str, str] | None, Timeliness]] = field(default_factory=list)
    # The index among answers about on-time and late dossiers, and their difference.
    gap: Mapping[str, Any] | None = None
    # The Fay–Herriot estimate where the agency's ranking group was modelled.
    small_area: Mapping[str, Any] | None = None
    # Citizens' and organisations' parts of the index, when the campaign surveyed both.
    type_parts: list[results.TypePart] = field(default_factory=list)
    # Answers against dossiers and response rates: how much rests on the assumption.
    participation: results.Participation | None = None
    # How the agency answered citizens' recommendations, per theme and in all, as the
    # run recorded it: (the recorded figures, [(theme name or None for all, line)]).
    replies: tuple[Any, list] | None = None

    @property
    def overall(self) -> Mapping[str, Any]:
        return self.rows[self.definition.index.code]


def agency_report(campaign: Campaign, agency: Agency, run: AnalysisRun) -> AgencyReport:
    definition = run_definition(run)
    code = definition.index.code
    rows = run.results["agencies"].get(agency.code) or {}
    group = _grouped(run, code).get(agency.ranking_group, [])
    published_group = [line.value for line in group if line.value is not None]
    line = next((line for line in group if line.agency.code == agency.code), None)
    expectations = _expectations(run, definition, agency.code)
    league = stored_league(run)
    publishable = published(line.entry if line else rows.get(code)) is not None
    return AgencyReport(
        campaign=campaign,
        run=run,
        definition=definition,
        agency=agency,
        rows=rows,
        province=run.results["province"],
        group_average=sum(published_group) / len(published_group) if published_group else None,
        group_size=len(group),
        rank=line.rank if line else None,
        trend=results.trend(agency, code, as_of=run),
        expectations=expectations,
        # Where the index may not be published, neither may what its few respondents
        # wrote: with fewer than five answers a comment points at a person.
        comments=comments(run, agency, definition) if publishable else [],
        comments_withheld=not publishable,
        reform=league.row(agency.code) if league else None,
        framework=league.framework if league else None,
        versus_previous=results.previous_comparison_for(run, agency),
        versus_group=results.comparison_for(run, agency),
        participation=results.participation(run, agency, code),
        items=results.item_results(rows, definition) if rows else [],
        timeliness=_timeliness(agency, run),
        gap=next((g for g in results.timeliness_gaps(run) if g["group"] == agency.code), None),
        small_area=results.small_area_for(run, agency),
        type_parts=results.type_parts(run, agency.code, code),
        replies=_agency_replies(run, agency),
    )


def _theme_name(code: str) -> str:
    names = themes.names(code)
    return localized(names) if names else _("Not classified")


def _replies(run: AnalysisRun, agencies: Mapping[str, Agency]):
    recorded = results.run_replies(run)
    if recorded is None:
        return None
    return (
        recorded,
        [
            (localized({"vi": agencies[c].name_vi, "en": agencies[c].name_en}), line)
            for c, line in recorded.agencies.items()
            if c in agencies
        ],
        [(_theme_name(c), line) for c, line in recorded.themes.items()],
    )


def _agency_replies(run: AnalysisRun, agency: Agency):
    recorded = results.run_replies(run)
    own = recorded.agencies.get(agency.code) if recorded is not None else None
    if own is None or not own.received:
        return None
    lines = [(_theme_name(c), line) for c, line in recorded.agency_themes[agency.code].items()]
    return recorded, [*lines, (_("All themes"), own)]


def _timeliness(agency: Agency, run: AnalysisRun) -> list:
    """The agency's dossiers over the campaign's period up to the run's cut-off day, as
    the run recorded them: (field name, line) per service field, the whole agency last."""
    recorded = results.run_timeliness(run)
    if recorded is None:
        return []
    names = {
        f.code: {"vi": f.name_vi, "en": f.name_en} for f in db.session.scalars(select(ServiceField))
    }
    return [
        (names.get(t.field_code) if t.field_code else None, t)
        for t in recorded.of_agency(agency.code)
    ]


def comments(run: AnalysisRun, agency: Agency, definition: Definition) -> list[str]:
    """A reproducible sample of the agency's open comments in the run, personal data masked."""
    codes = [q.code for q in definition.items if q.comment]
    if not codes:
        return []
    texts = db.session.scalars(
        select(Answer.value_text)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(
            used_by(run),
            Submission.agency_id == agency.id,
            Answer.item_code.in_(codes),
            Answer.value_text.is_not(None),
        )
        .order_by(Submission.id, Answer.item_code)
    ).all()
    texts = [t for t in texts if t.strip()]
    # Seeded by the run, so the same report shows the same comments (not a secret).
    chosen = random.Random(run.id).sample(texts, min(COMMENTS_SHOWN, len(texts)))  # noqa: S311
    return [mask_personal_data(t) for t in chosen]
