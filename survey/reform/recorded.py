"""The reform league as a run records it, and read back.

The league is made by the run job (survey/runs/snapshots.py) from the run's indices, the
points entered by then and the dossiers' timeliness up to its cut-off, and compared with
the previous campaign's; pages, reports and the command line read it from the run, so
what they show of run N depends on run N alone. Points entered after a run show in the
next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import select

from analysis.reform import AgencyScore, standings
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.reform.models import ReformFramework
from survey.reform.services import RECORD_INDICES, League, LeagueRow, league, small_area_indices
from survey.runs import snapshots
from survey.runs.models import AnalysisRun


def run_record(analysis_run: AnalysisRun, made: Mapping[str, Any]) -> dict[str, Any] | None:
    """The campaign's league on the run (None without a framework), as JSON, with the
    survey's uncertainty when the run's agencies table is at hand (`made["table"]`)."""
    made_league = league(analysis_run.campaign, analysis_run)
    if made_league is None:
        return None
    table = made.get("table")
    uncertainty = _uncertainty(made_league, analysis_run, table) if table is not None else {}
    modelled = _regression_shares(made_league, analysis_run)
    return {
        "framework_id": analysis_run.campaign.framework_id,
        "estimate": analysis_run.campaign.league_estimate,
        "previous_campaign": made_league.previous.code if made_league.previous else None,
        "groups": {
            group: [
                {
                    "agency": row.agency.code,
                    "rank": row.rank,
                    "points": dict(row.score.points),
                    "total": row.score.total,
                    "maximum": row.score.maximum,
                    "missing": list(row.score.missing),
                    "previous_index": row.previous_index,
                    "previous_rank": row.previous_rank,
                    "previous_basis": row.previous_basis,
                    "previous_sources": list(row.previous_sources),
                    "unranked": row.unranked,
                    "imputed": list(row.imputed),
                    **uncertainty.get(row.agency.code, {}),
                    "regression_share": modelled.get(row.agency.code),
                }
                for row in rows
            ]
            for group, rows in made_league.groups.items()
        },
    }


def _uncertainty(made_league, analysis_run: AnalysisRun, table) -> dict[str, dict[str, Any]]:
    """Per ranked agency: the reform index's interval, its rank interval and its tier,
    from the run's covariance of the survey criteria (the appraised points and the
    records' on-time rates, dossiers' and replies', carry no sampling error). METHODS.md §7."""
    framework = made_league.framework
    criteria = [
        c for c in framework.for_scoring() if c.from_survey and c.index not in RECORD_INDICES
    ]
    overall = table.codes[-1]
    small = (
        small_area_indices(analysis_run) if analysis_run.campaign.league_estimate == "small_area"
        else {}
    )  # fmt: skip
    areas = _small_areas(analysis_run)
    found: dict[str, dict[str, Any]] = {}
    # Domains × domains, for each combination of criteria: agencies scored on the same
    # criteria (most of them) share one, where computing it for each took most of a run.
    combined: dict[tuple, np.ndarray] = {}
    for rows in made_league.groups.values():
        ranked = [r for r in rows if r.rank is not None and r.agency.code in table.domains]
        if not ranked:
            continue
        scale = 100 / ranked[0].score.maximum
        variances, df = [], []
        for row in ranked:
            code = row.agency.code
            coefficients: dict[str, float] = {}
            for criterion in criteria:
                taken = overall if criterion.code in row.imputed else criterion.index
                coefficients[taken] = coefficients.get(taken, 0.0) + criterion.max_points
            extra = 0.0
            if code in small and small[code][0] in coefficients:
                # Its overall index is the small-area estimate: its MSE stands in for the
                # direct variance of that criterion (taken apart from the components).
                extra = coefficients.pop(small[code][0]) ** 2 * _small_area_variance(areas[code])
            d = table.domain_index(code)
            for index in list(coefficients):
                c = table.column(index)
                if np.isnan(table.se[d, c]) and not np.isnan(table.estimate[d, c]):
                    # Answered in one PSU only: no variance can be estimated, so it takes
                    # the largest a share of n answers can have, 1/(4n), never 0.
                    weight = coefficients.pop(index)
                    extra += weight**2 * 0.25 / max(float(table.n[d, c]), 1.0)
            key = tuple(sorted(coefficients.items()))
            if coefficients and key not in combined:
                combined[key] = table.combination_covariance(coefficients)
            variance = combined[key][d, d] if coefficients else 0.0
            variances.append(scale**2 * (float(np.nan_to_num(variance)) + extra))
            df.append(float(table.df[d, table.column(overall)]))
        results = standings(
            {r.agency.code: r.score.reform_index for r in ranked}, np.diag(variances), df
        )
        for standing in results:
            found[standing.agency] = {
                "ci_low": standing.ci_low,
                "ci_high": standing.ci_high,
                "rank_low": standing.rank_low,
                "rank_high": standing.rank_high,
                "tier": standing.tier,
            }
    return found


def _small_areas(analysis_run: AnalysisRun) -> dict[str, Mapping[str, Any]]:
    """Every modelled agency's small-area entry, from all of the run's fitted groups."""
    return {
        code: area
        for fitted in (analysis_run.results.get("small_areas") or {}).values()
        for code, area in fitted.get("areas", {}).items()
    }


def _small_area_variance(area: Mapping[str, Any]) -> float:
    """A small-area estimate's variance on the 0-1 scale of the indices. Runs before the
    arcsine model stored the MSE in points² ("mse"); newer ones store the SE."""
    if "sampling_variance" in area:
        return float(area.get("se") or 0.0) ** 2
    return float(area.get("mse") or 0.0) / 100**2


def _regression_shares(made_league, analysis_run: AnalysisRun) -> dict[str, float]:
    """Per agency whose survey criteria take a small-area estimate: the share of its
    points that the model's regression supplies, (1 − γ) × the points of those criteria
    over its total."""
    if analysis_run.campaign.league_estimate != "small_area":
        return {}
    small = small_area_indices(analysis_run)
    areas = _small_areas(analysis_run)
    criteria = made_league.framework.for_scoring()
    found = {}
    for rows in made_league.groups.values():
        for row in rows:
            code = row.agency.code
            if code not in small or row.unranked or not row.score.total:
                continue
            taking = [c.code for c in criteria if c.from_survey and c.index == small[code][0]]
            points = sum(row.score.points.get(c) or 0.0 for c in taking)
            share = 1.0 - float(areas[code].get("shrinkage", 1.0))
            found[code] = share * points / row.score.total
    return found


def stored_league(analysis_run: AnalysisRun | None) -> League | None:
    """The league run `analysis_run` recorded; None without a run, a framework, or for a
    run made before runs recorded their league."""
    if analysis_run is None:
        return None
    record = snapshots.part(analysis_run, "league")
    if record is None:
        return None
    framework = db.session.get(ReformFramework, record["framework_id"]).definition()
    codes = [row["agency"] for rows in record["groups"].values() for row in rows]
    agencies = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    previous = None
    if record["previous_campaign"]:
        previous = db.session.scalar(
            select(Campaign).where(Campaign.code == record["previous_campaign"])
        )
    groups = {
        group: [
            LeagueRow(
                agencies[row["agency"]],
                AgencyScore(
                    row["agency"],
                    row["points"],
                    row["total"],
                    row["maximum"],
                    tuple(row["missing"]),
                ),
                row["rank"],
                row["previous_index"],
                row["previous_rank"],
                row["previous_basis"],
                tuple(row["previous_sources"]),
                unranked=row.get("unranked"),
                imputed=tuple(row.get("imputed", ())),
                ci_low=row.get("ci_low"),
                ci_high=row.get("ci_high"),
                rank_low=row.get("rank_low"),
                rank_high=row.get("rank_high"),
                tier=row.get("tier"),
                regression_share=row.get("regression_share"),
            )
            for row in rows
            if row["agency"] in agencies
        ]
        for group, rows in record["groups"].items()
    }
    return League(analysis_run.campaign, framework, analysis_run, groups, previous)
