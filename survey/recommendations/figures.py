"""How agencies answer recommendations, as of a day: received, answered, answered on
time, working days to reply, share published. Per agency, and per agency and theme.

As of a day, so that an analysis run records them up to its cut-off (its snapshot,
survey/runs/snapshots.py) and the reform score's `index: REPLY_ON_TIME` is the share
answered on time among those whose fate is known by then: answered, or past their due
day unanswered (late either way). Those still within their time are not counted yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.local_time import local
from survey.recommendations import working_days
from survey.recommendations.models import Recommendation

# The reform-framework index a criterion names to take the on-time reply rate (0-100).
REPLY_ON_TIME = "REPLY_ON_TIME"
UNCLASSIFIED = ""  # the theme key of recommendations not yet classified


def tally(rows: Iterable[Recommendation], on: date) -> dict[str, Any]:
    """The figures of `rows` (received by `on`) as of `on`."""
    received = answered = on_time = late_unanswered = published = 0
    days: list[int] = []
    for row in rows:
        received += 1
        if row.replied_on is not None and row.replied_on <= on:
            answered += 1
            on_time += row.replied_on <= row.due_on
            days.append(working_days.between(row.received_on, row.replied_on))
            published += row.publication == "published"
        elif on > row.due_on:
            late_unanswered += 1
    decided = answered + late_unanswered
    return {
        "received": received,
        "answered": answered,
        "answered_on_time": on_time,
        "overdue": late_unanswered,
        # Of those whose fate is known: answered, or overdue unanswered.
        "on_time_rate": on_time / decided if decided else None,
        "median_days": float(np.median(days)) if days else None,
        # numpy's default (R's type 7), as the report's other quantiles.
        "p90_days": float(np.percentile(days, 90)) if days else None,
        "published_share": published / answered if answered else None,
    }


def for_campaign(campaign: Campaign, on: date) -> dict[str, Any]:
    """Per agency code: its figures ("all") and per theme ("themes", by code; "" for not
    yet classified), over the recommendations of the campaign received by `on`."""
    rows = db.session.scalars(
        select(Recommendation).where(
            Recommendation.campaign_id == campaign.id, Recommendation.received_on <= on
        )
    ).all()
    codes = dict(db.session.execute(select(Agency.id, Agency.code)).all())
    by_agency: dict[str, list[Recommendation]] = {a.code: [] for a in campaign.agencies}
    for row in rows:
        by_agency.setdefault(codes[row.agency_id], []).append(row)
    found = {}
    for code, own in sorted(by_agency.items()):
        themes: dict[str, list[Recommendation]] = {}
        for row in own:
            themes.setdefault(row.theme or UNCLASSIFIED, []).append(row)
        found[code] = {
            "all": tally(own, on),
            "themes": {theme: tally(t, on) for theme, t in sorted(themes.items())},
        }
    themes: dict[str, list[Recommendation]] = {}
    for row in rows:
        themes.setdefault(row.theme or UNCLASSIFIED, []).append(row)
    return {
        "as_of": on.isoformat(),
        "reply_working_days": campaign.reply_working_days,
        "all": tally(rows, on),
        "themes": {theme: tally(t, on) for theme, t in sorted(themes.items())},
        "agencies": found,
    }


def on_time_rates(campaign: Campaign, on: date) -> dict[str, float | None]:
    """Each agency's on-time reply rate (0-100) as of `on`; None when none is decided."""
    return {
        code: None if figures["all"]["on_time_rate"] is None
        else 100 * figures["all"]["on_time_rate"]
        for code, figures in for_campaign(campaign, on)["agencies"].items()
    }  # fmt: skip


def run_record(analysis_run, made) -> dict[str, Any] | None:
    """The figures as of the run's cut-off day, for its snapshot (survey/runs/
    snapshots.py); None when the campaign received none."""
    on = local(analysis_run.cutoff_at).date()
    found = for_campaign(analysis_run.campaign, on)
    if not any(f["all"]["received"] for f in found["agencies"].values()):
        return None
    return found


@dataclass(frozen=True)
class Replies:
    """One line of the figures, as a run recorded it."""

    received: int
    answered: int
    answered_on_time: int
    overdue: int
    on_time_rate: float | None
    median_days: float | None
    p90_days: float | None
    published_share: float | None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Replies:
        return cls(**{name: record.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RecordedReplies:
    """The figures a run recorded: the province, per theme, per agency and its themes."""

    as_of: date
    reply_working_days: int
    province: Replies
    themes: dict[str, Replies]
    agencies: dict[str, Replies]
    agency_themes: dict[str, dict[str, Replies]]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RecordedReplies:
        return cls(
            as_of=date.fromisoformat(record["as_of"]),
            reply_working_days=record["reply_working_days"],
            province=Replies.from_record(record["all"]),
            themes={k: Replies.from_record(v) for k, v in record["themes"].items()},
            agencies={k: Replies.from_record(v["all"]) for k, v in record["agencies"].items()},
            agency_themes={
                k: {t: Replies.from_record(line) for t, line in v["themes"].items()}
                for k, v in record["agencies"].items()
            },
        )
