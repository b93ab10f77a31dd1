"""Key drivers: which components move overall satisfaction most.

Weighted least squares of each respondent's overall score (mean of all satisfaction
items answered) on the component scores (mean of each component's items), with standard
errors clustered by PSU (statsmodels). The importance of a component is its standardised
coefficient, shares summing to 1; plotted against the component's index it gives the
priority matrix (high importance, low performance = fix first).

Because the overall score is built from the components, coefficients partly reflect how
many items each component has; a questionnaire with its own global satisfaction item can
pass it as `outcome` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.indices import answer_matrix
from analysis.scheme import IndexScheme


@dataclass(frozen=True)
class Driver:
    component: str
    coefficient: float
    se: float
    p_value: float
    importance: float


def key_drivers(
    design: Design,
    answers: Mapping[str, Sequence],
    scheme: IndexScheme,
    *,
    outcome: Sequence | None = None,
    min_coverage: float = 0.5,
) -> tuple[list[Driver], list[str]]:
    """Drivers of the components answered by at least `min_coverage` of respondents.

    Returns the drivers and the components left out for low coverage (such as feedback
    handling, asked only of people who gave feedback).
    """
    import statsmodels.api as sm

    matrix = answer_matrix(answers, scheme, design.n).astype(float)
    matrix[matrix == 0] = np.nan
    scores = {}
    left_out = []
    for component, items in scheme.components.items():
        block = matrix[:, [scheme.items.index(i) for i in items]]
        score = _row_mean(block)
        if (~np.isnan(score)).mean() < min_coverage:
            left_out.append(component)
            continue
        scores[component] = score
    if len(scores) < 2:
        raise AnalysisError("key drivers need at least two components with enough answers")
    y = np.asarray(outcome, dtype=float) if outcome is not None else _row_mean(matrix)
    X = np.column_stack(list(scores.values()))
    usable = ~np.isnan(X).any(axis=1) & ~np.isnan(y) & (design.weights > 0)
    if usable.sum() <= X.shape[1] + 1:
        raise AnalysisError("too few complete responses for the key-driver regression")
    model = sm.WLS(y[usable], sm.add_constant(X[usable]), weights=design.weights[usable])
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": design.psu[usable]})
    coefficients = np.asarray(fit.params)[1:]
    w = design.weights[usable]
    spread = np.sqrt(np.array([_weighted_var(X[usable, j], w) for j in range(X.shape[1])]))
    standardised = np.abs(coefficients * spread)
    importance = standardised / standardised.sum()
    return [
        Driver(
            component,
            float(coefficients[j]),
            float(np.asarray(fit.bse)[j + 1]),
            float(np.asarray(fit.pvalues)[j + 1]),
            float(importance[j]),
        )
        for j, component in enumerate(scores)
    ], left_out


def _row_mean(block: np.ndarray) -> np.ndarray:
    """Mean of the answered items of each row; NaN where none was answered."""
    count = (~np.isnan(block)).sum(axis=1)
    total = np.nansum(block, axis=1)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def _weighted_var(x, w):
    mean = np.average(x, weights=w)
    return np.average((x - mean) ** 2, weights=w)
