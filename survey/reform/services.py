"""The reform score of a campaign: frameworks, points evaluators enter, league tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from analysis.reform import AgencyScore, rank_with_ties, score
from survey.agencies import lineage
from survey.agencies.models import Agency, RankingGroup
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.definition_files import Problem, read_file
from survey.dossiers.timeliness import for_campaign
from survey.extensions import db
from survey.local_time import local, today
from survey.questionnaires.models import QuestionnaireVersion
from survey.recommendations import figures as recommendation_figures
from survey.recommendations.figures import REPLY_ON_TIME
from survey.reform.framework import Framework, FrameworkError, load_text
from survey.reform.models import ReformFramework, ReformPoints
from survey.runs.lineage import Lineage
from survey.runs.models import AnalysisRun

POINT_COLUMNS = ("agency_code", "criterion", "self_points", "appraised_points")
_POINTS = re.compile(r"^\d+([.,]\d{1,2})?$")


class PointsError(Exception):
    """Points that cannot be saved; `problems` maps (agency, criterion, column) to a message."""

    def __init__(self, problems: Mapping[tuple[str, str, str], str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{'/'.join(k)}: {v}" for k, v in self.problems.items()))


def import_framework(
    path: str | Path | None = None, *, text: str | None = None, actor: str, user_id=None
) -> tuple[ReformFramework, bool]:
    """Store a framework file (FrameworkError when broken); the same content is stored once.

    Returns the framework and whether it is new.
    """
    source = text if text is not None else read_file(path, FrameworkError)
    name = str(path or "<framework>")
    framework = load_text(source, name)
    # Against every questionnaire stored: the campaign it is for is checked on adoption.
    versions = db.session.scalars(select(QuestionnaireVersion)).all()
    check_indices(framework, computable_indices(versions), name)
    existing = db.session.scalar(
        select(ReformFramework).where(
            ReformFramework.code == framework.code,
            ReformFramework.content_hash == framework.content_hash,
        )
    )
    if existing is not None:
        return existing, False
    stored = ReformFramework(
        code=framework.code,
        content_hash=framework.content_hash,
        content=dict(framework.content),
        source_yaml=source,
    )
    db.session.add(stored)
    db.session.flush()
    audit.record(
        "framework.import",
        "reform_framework",
        stored.id,
        actor=actor,
        user_id=user_id,
        after={"code": stored.code, "hash": stored.content_hash},
    )
    return stored, True


def set_framework(campaign: Campaign, framework: ReformFramework, *, actor: str, user_id=None):
    """Points are kept by criterion code: those the new framework lacks stop counting.
    FrameworkError when a criterion names an index the campaign cannot compute."""
    check_indices(
        framework.definition(),
        computable_indices(campaign.versions.values()),
        f"framework {framework.code}, campaign {campaign.code}",
    )
    before = campaign.framework_id
    campaign.framework = framework
    db.session.flush()
    audit.record(
        "campaign.framework",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        before={"framework": before},
        after={"framework": framework.id, "code": framework.code},
    )


def computable_indices(versions) -> set[str]:
    """The index codes runs compute from these questionnaire versions (each item,
    component and overall index of their schemes) and those taken from records."""
    found = set(RECORD_INDICES)
    for version in versions:
        scheme = version.definition().index.scheme
        found |= {scheme.code, *scheme.components, *scheme.items}
    return found


def check_indices(framework: Framework, computable: set[str], name: str) -> None:
    """A criterion naming an index nobody computes would score 0 points, listed as
    missing, in every league: refused, naming the criterion and the index."""
    problems = [
        Problem(
            f"criterion {criterion}",
            f"index {index} is not computed by the questionnaires nor taken from records "
            f"(known: {', '.join(sorted(computable))})",
        )
        for criterion, index in unknown_indices(framework, computable)
    ]
    if problems:
        raise FrameworkError(name, problems)


def unknown_indices(framework: Framework, computable: set[str]) -> list[tuple[str, str]]:
    """(criterion, index) of each criterion whose index is not in `computable`."""
    return [(c.code, c.index) for c in framework.criteria if c.index and c.index not in computable]


def parse_points(text: str) -> float | None:
    """'' → None; '1.5' and the Vietnamese '1,5' → 1.5; anything else raises ValueError."""
    text = text.strip()
    if not text:
        return None
    if not _POINTS.match(text):
        raise ValueError(text)
    return float(text.replace(",", "."))


def points_table(campaign: Campaign) -> dict[tuple[int, str], ReformPoints]:
    rows = db.session.scalars(select(ReformPoints).where(ReformPoints.campaign_id == campaign.id))
    return {(p.agency_id, p.criterion): p for p in rows}


def checked_points(
    campaign: Campaign, values: Mapping[tuple[Agency, str], tuple[str, str]]
) -> dict[tuple[Agency, str], tuple[float | None, float | None]]:
    """The typed points as numbers, or PointsError naming every bad value."""
    framework = _framework(campaign)
    agencies = {a.id for a in campaign.agencies}
    problems: dict[tuple[str, str, str], str] = {}
    parsed: dict[tuple[Agency, str], tuple[float | None, float | None]] = {}
    for (agency, code), texts in values.items():
        if agency.id not in agencies:
            problems[(agency.code, code, "agency_code")] = _(
                "%(code)s is not an agency of this campaign", code=agency.code
            )
            continue
        try:
            criterion = framework.criterion(code)
        except KeyError:
            problems[(agency.code, code, "criterion")] = _(
                "%(code)s is not a criterion of the framework", code=code
            )
            continue
        if not criterion.entered:
            problems[(agency.code, code, "criterion")] = _(
                "%(code)s takes its points from the survey index %(index)s",
                code=code,
                index=criterion.index,
            )
            continue
        numbers = []
        for column, text in zip(POINT_COLUMNS[2:], texts, strict=True):
            try:
                number = parse_points(text)
            except ValueError:
                problems[(agency.code, code, column)] = _(
                    "%(value)s is not a number of points (like 1.5)", value=text
                )
                continue
            if number is not None and number > criterion.max_points:
                problems[(agency.code, code, column)] = _(
                    "%(value)s is more than the maximum of %(max)s points",
                    value=text,
                    max=format(criterion.max_points, "g"),
                )
                continue
            numbers.append(number)
        if len(numbers) == 2:
            parsed[(agency, code)] = (numbers[0], numbers[1])
    if problems:
        raise PointsError(problems)
    return parsed


def save_points(
    campaign: Campaign,
    values: Mapping[tuple[Agency, str], tuple[str, str]],
    *,
    actor: str,
    user_id: int | None,
) -> int:
    """Save typed points {(agency, criterion): (self, appraised)}, all or none.

    Each value must be empty or a number 0..max with at most two decimals. Returns how
    many (agency, criterion) pairs changed; each change is audited with before and after.
    """
    parsed = checked_points(campaign, values)
    existing = points_table(campaign)
    changed = 0
    for (agency, code), (self_points, appraised) in parsed.items():
        row = existing.get((agency.id, code))
        before = None if row is None else [row.self_points, row.appraised_points]
        if before == [self_points, appraised] or (
            before is None and self_points is None and appraised is None
        ):
            continue
        if row is None:
            row = ReformPoints(campaign_id=campaign.id, agency_id=agency.id, criterion=code)
            db.session.add(row)
        row.self_points, row.appraised_points, row.updated_by_id = self_points, appraised, user_id
        changed += 1
        audit.record(
            "reform.points",
            "reform_points",
            f"{campaign.code}/{agency.code}/{code}",
            actor=actor,
            user_id=user_id,
            before=None if before is None else dict(zip(POINT_COLUMNS[2:], before, strict=True)),
            after={"self_points": self_points, "appraised_points": appraised},
        )
    db.session.flush()
    return changed


def import_points(campaign: Campaign, data: bytes, *, actor: str, user_id: int | None) -> int:
    """CSV with agency_code, criterion, self_points, appraised_points; all rows or none."""
    _framework(campaign)
    agencies = {a.code: a for a in campaign.agencies}
    problems: list[CsvProblem] = []
    values: dict[tuple[Agency, str], tuple[str, str]] = {}
    rows: dict[tuple[str, str], int] = {}
    for number, row in read_rows(data, required=POINT_COLUMNS):
        agency = agencies.get(row["agency_code"])
        if agency is None:
            problems.append(
                CsvProblem(
                    number,
                    "agency_code",
                    _("%(code)s is not an agency of this campaign", code=row["agency_code"]),
                )
            )
            continue
        key = (agency.code, row["criterion"])
        if key in rows:
            problems.append(
                CsvProblem(number, "criterion", _("same criterion as row %(row)s", row=rows[key]))
            )
            continue
        rows[key] = number
        values[(agency, row["criterion"])] = (row["self_points"], row["appraised_points"])
    if not problems and not values:
        problems.append(CsvProblem(None, None, _("the file has no rows")))
    try:
        # The values of the rows read so far are checked too: every bad row is named at
        # once, not only those of the first kind.
        checked_points(campaign, values)
    except PointsError as error:
        problems += [
            CsvProblem(rows[(agency, code)], column, message)
            for (agency, code, column), message in error.problems.items()
        ]
    if not problems:
        return save_points(campaign, values, actor=actor, user_id=user_id)
    raise CsvError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))


def _framework(campaign: Campaign) -> Framework:
    if campaign.framework is None:
        raise CsvError(
            [CsvProblem(None, None, _("the campaign has no reform framework; choose one first"))]
        )
    return campaign.framework.definition()


@dataclass(frozen=True)
class LeagueRow:
    agency: Agency
    score: AgencyScore
    rank: int | None  # None: not ranked (its survey index is withheld)
    previous_index: float | None = None
    previous_rank: int | None = None
    # "own": the agency's own row of the previous league; "predecessors": the agencies it
    # replaced, combined by their dossiers (no rank: they ranked in another field);
    # "new": nothing comparable, so no change is shown.
    previous_basis: str = "new"
    previous_sources: tuple[str, ...] = ()
    # Why the agency is not ranked: "survey_withheld" (fewer than 5 answers, or no
    # variance): its survey criteria are not scored on an unpublished index.
    unranked: str | None = None
    # Survey criteria of a component nobody answered, scored on the index of the other
    # components (as the satisfaction index itself averages the components answered).
    imputed: tuple[str, ...] = ()
    # The survey's uncertainty (recorded by the run, survey/reform/recorded.py): the
    # reform index's interval, the ranks the data allow, the tier of agencies it cannot
    # tell apart.
    ci_low: float | None = None
    ci_high: float | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    tier: int | None = None
    # Where the league takes the small-area estimate: the share of the agency's points
    # that comes from the model's regression rather than its own answers, (1 − γ) times
    # the share of the points its survey index earns.
    regression_share: float | None = None

    @property
    def change(self) -> float | None:
        if self.previous_index is None or self.unranked:
            return None
        return self.score.reform_index - self.previous_index


@dataclass(frozen=True)
class League:
    campaign: Campaign
    framework: Framework
    run: AnalysisRun | None
    groups: Mapping[str, list[LeagueRow]]
    previous: Campaign | None = None

    @property
    def provisional(self) -> bool:
        """Before any analysis run the survey criteria count nothing: the points so far
        are shown, but no rank (a rank would be one the survey has not spoken to)."""
        return self.run is None

    def row(self, agency_code: str) -> LeagueRow | None:
        for rows in self.groups.values():
            for row in rows:
                if row.agency.code == agency_code:
                    return row
        return None


def latest_run(campaign: Campaign) -> AnalysisRun | None:
    return db.session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.campaign_id == campaign.id)
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


def survey_indices(run: AnalysisRun | None) -> dict[str, dict[str, float | None]]:
    """Each agency's estimates from the run on the 0–100 scale, by index code."""
    if run is None:
        return {}
    return {
        agency: {
            code: None if entry["estimate"] is None else 100 * entry["estimate"]
            for code, entry in rows.items()
        }
        for agency, rows in run.results["agencies"].items()
    }


def small_area_indices(run: AnalysisRun | None) -> dict[str, tuple[str, float]]:
    """Each modelled agency's benchmarked small-area estimate (0-100) of the overall
    index, as (index code, value): what the league takes when the campaign says so."""
    if run is None:
        return {}
    found = {}
    for fitted in (run.results.get("small_areas") or {}).values():
        for agency_code, area in fitted.get("areas", {}).items():
            found[agency_code] = (fitted["index"], 100 * area["estimate"])
    return found


# A criterion with `index: ON_TIME` takes the agency's on-time rate (0-100) of dossiers,
# one with `index: REPLY_ON_TIME` its rate of recommendations answered on time: figures
# from records, with no sampling error, that count for withheld agencies too.
ON_TIME = "ON_TIME"
RECORD_INDICES = (ON_TIME, REPLY_ON_TIME)


def on_time_rates(campaign: Campaign, run: AnalysisRun | None) -> dict[str, float | None]:
    """Each agency's share (0-100) of dossiers returned on time over the campaign's
    period, up to the run's cut-off day (today without a run), from the dossier records;
    an agency without returned dossiers has None (its criterion is then missing)."""
    found = for_campaign(campaign, local(run.cutoff_at).date() if run is not None else today())
    if found is None:
        return {}
    return {
        line.agency_code: None if line.on_time_rate is None else 100 * line.on_time_rate
        for line in found.agencies
    }


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The latest campaign with the same framework code that ended before this one began."""
    if campaign.framework is None:
        return None
    return db.session.scalar(
        select(Campaign)
        .join(ReformFramework, Campaign.framework_id == ReformFramework.id)
        .where(
            ReformFramework.code == campaign.framework.code,
            Campaign.period_end < campaign.period_start,
        )
        .order_by(Campaign.period_end.desc())
        .limit(1)
    )


def league(campaign: Campaign, run: AnalysisRun | None = None, *, compare=True) -> League | None:
    """Score and rank every agency of the campaign within its group; None without framework.

    `run` defaults to the campaign's latest run; without any run the survey criteria
    are missing (0 points, listed) rather than hiding the league.
    """
    if campaign.framework is None:
        return None
    framework = campaign.framework.definition()
    run = run or latest_run(campaign)
    indices = survey_indices(run)
    if campaign.league_estimate == "small_area":
        for agency_code, (code, value) in small_area_indices(run).items():
            indices.setdefault(agency_code, {})[code] = value
    if ON_TIME in framework.survey_indices:
        for code, rate in on_time_rates(campaign, run).items():
            indices.setdefault(code, {})[ON_TIME] = rate
    if REPLY_ON_TIME in framework.survey_indices:
        cutoff = local(run.cutoff_at).date() if run is not None else today()
        for code, rate in recommendation_figures.on_time_rates(campaign, cutoff).items():
            indices.setdefault(code, {})[REPLY_ON_TIME] = rate
    appraised: dict[int, dict[str, float]] = {}
    for (agency_id, code), points in points_table(campaign).items():
        if points.appraised_points is not None:
            appraised.setdefault(agency_id, {})[code] = points.appraised_points
    criteria = framework.for_scoring()
    withheld = withheld_agencies(run)
    imputed = impute_components(run, indices, criteria)
    scores: dict[str, list[tuple[Agency, AgencyScore]]] = {}
    for agency in campaign.agencies:
        own = dict(indices.get(agency.code, {}))
        if agency.code in withheld:
            # Not scored on an index that may not be published: its survey criteria are
            # missing, and it is not ranked.
            own = {code: value for code, value in own.items() if code in RECORD_INDICES}
        result = score(criteria, agency.code, appraised.get(agency.id, {}), own)
        scores.setdefault(agency.ranking_group, []).append((agency, result))
    before = previous_campaign(campaign) if compare else None
    earlier = league(before, compare=False) if before is not None else None
    history = Lineage() if earlier is not None else None
    groups: dict[str, list[LeagueRow]] = {}
    # Groups in the order an announcement lists them (the groups' positions).
    positions = dict(db.session.execute(select(RankingGroup.code, RankingGroup.position)).all())
    for group in sorted(scores, key=lambda g: (positions.get(g, 0), g)):
        members = scores[group]
        ranks = rank_with_ties(
            {a.code: s.reform_index for a, s in members if a.code not in withheld}
        )
        rows = []
        for agency, result in members:
            index, rank, basis, codes = _previous(agency.code, earlier, history)
            rows.append(
                LeagueRow(
                    agency,
                    result,
                    ranks.get(agency.code),
                    index,
                    rank,
                    basis,
                    codes,
                    unranked="survey_withheld" if agency.code in withheld else None,
                    imputed=tuple(imputed.get(agency.code, ())),
                )
            )
        groups[group] = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.agency.code))
    return League(campaign, framework, run, groups, before)


def withheld_agencies(run: AnalysisRun | None) -> set[str]:
    """Agencies whose overall survey index the run may not publish (n < 5, or its
    variance not estimable): the league neither scores their survey criteria nor ranks
    them ("chưa đủ dữ liệu khảo sát")."""
    if run is None:
        return set()
    found = set()
    for agency, rows in run.results["agencies"].items():
        overall = next((e for e in rows.values() if e.get("level") == "overall"), None)
        # A run recorded without levels: the agency is withheld only when no index of
        # its own may be published.
        judged = [overall] if overall is not None else list(rows.values())
        if not any(e.get("estimate") is not None and not e.get("suppressed") for e in judged):
            found.add(agency)
    return found


def impute_components(run: AnalysisRun | None, indices, criteria) -> dict[str, list[str]]:
    """A survey criterion on a component the agency's respondents did not answer takes the
    agency's overall index instead, the average of the components answered: the same
    treatment the satisfaction index gives a missing component (it averages the others),
    rather than 0 points. Fills `indices` in place; returns the criteria so scored."""
    if run is None:
        return {}
    imputed: dict[str, list[str]] = {}
    for agency, rows in run.results["agencies"].items():
        overall_code = next((c for c, e in rows.items() if e.get("level") == "overall"), None)
        own = indices.get(agency, {})
        overall = own.get(overall_code)
        if overall is None:
            continue
        for criterion in criteria:
            entry = rows.get(criterion.index or "") or {}
            if entry.get("level") == "component" and own.get(criterion.index) is None:
                own[criterion.index] = overall
                imputed.setdefault(agency, []).append(criterion.code)
    return imputed


def _previous(code: str, earlier: League | None, history: Lineage | None):
    """(previous reform index, previous rank, basis, source codes) of an agency: its own
    row of the earlier league, or its predecessors' indices weighted by their dossiers
    in that campaign times the share passed on (like with like; survey/agencies/lineage.py)."""
    if earlier is None:
        return None, None, "new", ()
    rows = {row.agency.code: row for group in earlier.groups.values() for row in group}
    found = lineage.sources(code, rows, history.chain, earlier.campaign.period_start)
    basis = lineage.basis(code, found)
    if basis == "new":
        return None, None, basis, ()
    if basis == "own":
        return rows[code].score.reform_index, rows[code].rank, basis, (code,)
    weights = history.weights(earlier.campaign, found)
    index = sum(w * rows[s.code].score.reform_index for w, s in zip(weights, found, strict=True))
    return index / sum(weights), None, basis, tuple(s.code for s in found)
