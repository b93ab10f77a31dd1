"""The reform league as a run records it, and read back.

The league is made by the run job (survey/runs/snapshots.py) from the run's indices, the
points entered by then and the dossiers' timeliness up to its cut-off, and compared with
the previous campaign's; pages, reports and the command line read it from the run, so
what they show of run N depends on run N alone. Points entered after a run show in the
next run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from analysis.reform import AgencyScore
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.reform.models import ReformFramework
from survey.reform.services import League, LeagueRow, league
from survey.runs import snapshots
from survey.runs.models import AnalysisRun


def run_record(analysis_run: AnalysisRun) -> dict[str, Any] | None:
    """The campaign's league on the run (None without a framework), as JSON."""
    made = league(analysis_run.campaign, analysis_run)
    if made is None:
        return None
    return {
        "framework_id": analysis_run.campaign.framework_id,
        "estimate": analysis_run.campaign.league_estimate,
        "previous_campaign": made.previous.code if made.previous else None,
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
                }
                for row in rows
            ]
            for group, rows in made.groups.items()
        },
    }


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
            )
            for row in rows
            if row["agency"] in agencies
        ]
        for group, rows in record["groups"].items()
    }
    return League(analysis_run.campaign, framework, analysis_run, groups, previous)
