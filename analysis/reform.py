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
