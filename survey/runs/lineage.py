"""An agency's figure in an earlier campaign's run, following its lineage.

Used for "since the previous campaign" (stored in each run) and for trends (read from
the stored runs when a page asks). A merged agency's earlier figure is its
predecessors' estimates weighted by the dossiers each handled in that campaign (its frame
counts) times the share passed on; a split part inherits its parent's figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from analysis.compare import combine_estimates
from analysis.intervals import logit_interval
from survey.agencies import lineage
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign, FrameCount
from survey.extensions import db
from survey.runs.models import AnalysisRun


@dataclass(frozen=True)
class EarlierFigure:
    entry: Mapping[str, Any] | None  # estimate, se, ci_low, ci_high, df, n (0-1 scale)
    basis: str  # "own", "predecessors" or "new"
    sources: tuple[lineage.Source, ...] = ()

    @property
    def source_codes(self) -> list[str]:
        return [s.code for s in self.sources]


def frame_totals(campaign: Campaign) -> dict[str, int]:
    """Dossiers each agency handled in the campaign's period (its frame counts)."""
    rows = db.session.execute(
        select(Agency.code, func.sum(FrameCount.dossiers))
        .join(Agency, FrameCount.agency_id == Agency.id)
        .where(FrameCount.campaign_id == campaign.id)
        .group_by(Agency.code)
    )
    return {code: int(total or 0) for code, total in rows}


class Lineage:
    """The successions as they stand, read once, applied to any earlier run."""

    def __init__(self, chain: list[lineage.Link] | None = None):
        self.chain = lineage.links() if chain is None else chain
        self._frames: dict[int, dict[str, int]] = {}

    def weights(
        self, campaign: Campaign, found: list[lineage.Source], answers: list[int] | None = None
    ) -> list[float]:
        """Each source's weight: the dossiers it handled in that campaign (frame counts)
        times the share passed on. Without frame counts its answers stand in for its
        dossiers, and without those the shares alone."""
        frames = self._frames.get(campaign.id)
        if frames is None:
            frames = self._frames[campaign.id] = frame_totals(campaign)
        weights = [frames.get(s.code, 0) * s.share for s in found]
        if sum(weights) <= 0 and answers is not None:
            weights = [n * s.share for n, s in zip(answers, found, strict=True)]
        if sum(weights) <= 0:
            weights = [s.share for s in found]
        return weights

    def earlier_figure(self, code: str, earlier: AnalysisRun, statistic: str) -> EarlierFigure:
        rows = earlier.results.get("agencies") or {}
        present = [
            d
            for d, entries in rows.items()
            if entries.get(statistic, {}).get("estimate") is not None
        ]
        found = lineage.sources(code, present, self.chain, earlier.campaign.period_start)
        basis = lineage.basis(code, found)
        if basis == "new":
            return EarlierFigure(None, basis)
        if basis == "own":
            return EarlierFigure(rows[code][statistic], basis, tuple(found))
        entries = [rows[s.code][statistic] for s in found]
        weights = self.weights(earlier.campaign, found, answers=[e.get("n") or 0 for e in entries])
        combined = combine_estimates(
            [e["estimate"] for e in entries],
            [e.get("se") or 0.0 for e in entries],
            [e.get("df") or 1 for e in entries],
            [e.get("n") or 0 for e in entries],
            weights,
        )
        low, high = logit_interval(
            np.array([combined.estimate]), np.array([combined.se]), np.array([combined.df])
        )
        entry = {
            "estimate": combined.estimate,
            "se": combined.se,
            "ci_low": float(low[0]),
            "ci_high": float(high[0]),
            "df": combined.df,
            "n": combined.n,
        }
        return EarlierFigure(entry, basis, tuple(found))
