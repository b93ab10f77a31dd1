"""The reform score (PAR Index): points per criterion, summed, as a share of the maximum.

A criterion either takes an index of the satisfaction survey (points = maximum × index /
100) or points entered by evaluators. Bonus criteria add points without raising the
maximum, so a reform index can exceed 100 (some provincial schemes do this).
Agencies are ranked within their group with ties shared: two agencies on the same
published value (two decimals) get the same rank and the next rank is skipped (1, 2, 2, 4),
as provincial announcements print them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.errors import AnalysisError

PUBLISHED_DECIMALS = 2


@dataclass(frozen=True)
class Criterion:
    code: str
    max_points: float
    index: str | None = None  # the survey index it takes; None = entered by evaluators
    bonus: bool = False

    @property
    def from_survey(self) -> bool:
        return self.index is not None


@dataclass(frozen=True)
class AgencyScore:
    agency: str
    points: Mapping[str, float | None]  # None: no points (not entered, or no estimate)
    total: float
    maximum: float
    missing: tuple[str, ...] = field(default=())

    @property
    def reform_index(self) -> float:
        return 100 * self.total / self.maximum

    @property
    def complete(self) -> bool:
        return not self.missing


def score(
    criteria: Sequence[Criterion],
    agency: str,
    entered: Mapping[str, float],
    indices: Mapping[str, float | None],
) -> AgencyScore:
    """Score one agency.

    Parameters
    ----------
    criteria : the framework's criteria.
    agency : the agency's code (carried into the result).
    entered : points entered for the agency, by criterion code; must lie in 0..max.
    indices : the agency's survey indices on the 0–100 scale, by index code; None or
        absent when the run has no estimate for it.

    A criterion without points counts as 0 and is listed in `missing`, so an incomplete
    score is visible rather than silently low.
    """
    maximum = sum(c.max_points for c in criteria if not c.bonus)
    if maximum <= 0:
        raise AnalysisError("the framework's maximum points must be positive")
    points: dict[str, float | None] = {}
    for criterion in criteria:
        if criterion.from_survey:
            value = indices.get(criterion.index)
            points[criterion.code] = (
                None if value is None else criterion.max_points * float(value) / 100
            )
        else:
            value = entered.get(criterion.code)
            if value is not None and not 0 <= value <= criterion.max_points:
                raise AnalysisError(
                    f"agency {agency}, criterion {criterion.code}: {value} points is outside "
                    f"0..{criterion.max_points:g}"
                )
            points[criterion.code] = value
    missing = tuple(code for code, value in points.items() if value is None)
    total = math.fsum(value for value in points.values() if value is not None)
    return AgencyScore(agency, points, total, maximum, missing)


def rank_with_ties(values: Mapping[str, float], decimals: int = PUBLISHED_DECIMALS):
    """Competition ranks (1 = highest) on values rounded as published: 1, 2, 2, 4."""
    rounded = {key: round(value, decimals) for key, value in values.items()}
    ordered = sorted(rounded.values(), reverse=True)
    first_position = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {key: first_position[value] for key, value in rounded.items()}


@dataclass(frozen=True)
class Standing:
    """An agency's place in its group with the survey's uncertainty beside it."""

    agency: str
    rank: int  # on the published decimals, ties shared (1, 2, 2, 4)
    rank_low: int  # the best and worst ranks the data allow (95%)
    rank_high: int
    tier: int  # agencies the data cannot tell apart share a tier ("ngang nhau trong sai số")
    se: float  # of the reform index, from the survey criteria (others are exact)
    ci_low: float
    ci_high: float


def standings(
    indices: Mapping[str, float],
    covariance: np.ndarray,
    df: Sequence[float],
    *,
    level: float = 0.95,
    draws: int = 10_000,
    seed: int = 20261207,
) -> list[Standing]:
    """Rank, rank interval and tier of each agency's reform index.

    `indices`: the reform index of each ranked agency (0–100, in the order of the rows of
    `covariance`), whose survey criteria carry sampling error: `covariance` is that of
    the reform indices (100/maximum)² × Cov(Σ max × θ), the appraised points adding none.
    Rank intervals are drawn as for the satisfaction index (a scaled multivariate t on
    each agency's degrees of freedom, `compare.rank_intervals_of`, widened to what the
    published intervals allow). Tiers: walking down the league, an agency joins the tier
    of the agency heading it while its best possible rank reaches that agency's worst
    possible rank (their rank intervals meet); otherwise it heads a new tier.
    """
    from analysis.compare import rank_intervals_of
    from analysis.intervals import t_quantile

    codes = list(indices)
    estimate = np.array([indices[c] for c in codes], dtype=float)
    if not codes:
        return []
    covariance = np.nan_to_num(np.asarray(covariance, dtype=float))
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    df = np.maximum(np.asarray(df, dtype=float), 1)
    half = t_quantile(df, level) * se
    ranks = rank_with_ties(dict(zip(codes, estimate, strict=True)))
    if np.all(se == 0):
        intervals = [(ranks[c], ranks[c], ranks[c]) for c in codes]
    else:
        intervals = rank_intervals_of(
            estimate,
            covariance + np.eye(len(codes)) * 1e-12,
            df,
            ci=(estimate - half, estimate + half),
            draws=draws,
            seed=seed,
            coverage=level,
        )
    low = {c: min(interval[1], ranks[c]) for c, interval in zip(codes, intervals, strict=True)}
    high = {c: max(interval[2], ranks[c]) for c, interval in zip(codes, intervals, strict=True)}
    tier_of: dict[str, int] = {}
    head, tier = None, 0
    for code in sorted(codes, key=lambda c: (ranks[c], c)):
        if head is None or low[code] > high[head]:
            head, tier = code, tier + 1
        tier_of[code] = tier
    return [
        Standing(
            code,
            ranks[code],
            low[code],
            high[code],
            tier_of[code],
            float(se[i]),
            float(estimate[i] - half[i]) if se[i] > 0 else float(estimate[i]),
            float(estimate[i] + half[i]) if se[i] > 0 else float(estimate[i]),
        )
        for i, code in enumerate(codes)
    ]
