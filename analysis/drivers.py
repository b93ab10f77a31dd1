"""Key drivers: which components move overall satisfaction most.

The outcome is each respondent's answer to a global satisfaction item that is not part
of the index (HL: "overall, how satisfied are you with how your procedure was handled?").
It is regressed on the component scores (the mean of each component's answered items)
by weighted least squares; standard errors are design-based, from the linearised
estimating functions summed by PSU within strata (R's `svyglm`, gaussian family), and
t-tests use the complete cases' design degrees of freedom + 1 − the coefficients, as
`svyglm` does.

The coefficients and R² come from statsmodels' `WLS` on the complete cases; the
covariance is the design's, not statsmodels' model-based one.

The importance of a component is its standardised coefficient's share of the total,
g_j = |β_j s_j| / Σ_k |β_k s_k| (s_j the weighted standard deviation of its score over the
complete cases, taken as fixed). Its standard error is the delta method's on the
coefficients' design covariance, ∂g_j/∂β_k = sign(β_k) s_k (δ_jk − g_j) / T: R's
`svycontrast` of the same expression. The interval is g ± t_df·SE, cut to [0, 1].
Plotted against the component's index it gives the priority matrix (high importance, low
performance: fix first). The index itself is never the outcome: it is built from the
components, so regressing it on them only returns each component's share of the items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from analysis.compare import units_less_strata
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.indices import answer_matrix
from analysis.intervals import t_quantile
from analysis.scheme import IndexScheme
from analysis.variance import influence_covariance


@dataclass(frozen=True)
class Driver:
    component: str
    coefficient: float
    se: float
    p_value: float
    importance: float
    importance_se: float
    importance_low: float
    importance_high: float


@dataclass(frozen=True)
class DriverModel:
    """The fitted regression: drivers, the intercept, fit and what was left out."""

    drivers: list[Driver]
    intercept: float
    intercept_se: float
    df: int
    n: int
    r_squared: float
    left_out: list[str]


def key_drivers(
    design: Design,
    answers: Mapping[str, Sequence],
    scheme: IndexScheme,
    *,
    outcome: Sequence,
    min_coverage: float = 0.5,
) -> DriverModel:
    """Regress `outcome` (the global item, 1–5, NaN when not answered) on the scores of
    the components answered by at least `min_coverage` of respondents.

    Components below that coverage (feedback handling, asked only of people who gave
    feedback) are left out and listed. Respondents missing the outcome or a score stay in
    the design with zero estimating functions, as R's `svyglm` treats missing rows.
    """
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
    y = np.asarray(outcome, dtype=float)
    if y.size != design.n:
        raise AnalysisError(f"the outcome has {y.size} values, not {design.n}")
    X = np.column_stack([np.ones(design.n), *scores.values()])
    usable = ~np.isnan(X).any(axis=1) & ~np.isnan(y) & (design.weights > 0)
    if usable.sum() <= X.shape[1]:
        raise AnalysisError("too few complete responses for the key-driver regression")
    w = np.where(usable, design.weights, 0.0)
    Xu, yu = np.where(usable[:, None], X, 0.0), np.where(usable, y, 0.0)
    information = Xu.T @ (Xu * w[:, None])
    if np.linalg.matrix_rank(information) < X.shape[1]:
        raise AnalysisError("the component scores are collinear: no key drivers")
    from statsmodels.regression.linear_model import WLS  # a second to import

    fit = WLS(y[usable], X[usable], weights=w[usable]).fit()
    coefficients = np.asarray(fit.params)
    residual = np.where(usable, yu - Xu @ coefficients, 0.0)
    # The design-based covariance: each PSU's summed estimating functions (svyglm's).
    influence = (Xu * (w * residual)[:, None]) @ np.linalg.inv(information)
    covariance = influence_covariance(design, influence)
    se = np.sqrt(np.diag(covariance))
    # R's svyglm drops incomplete rows from the design before counting its df.
    df = units_less_strata(design, usable) + 1 - X.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = coefficients / se
        p = 2 * special.stdtr(df, -np.abs(t)) if df > 0 else np.full(t.shape, np.nan)
    spread = np.sqrt([_weighted_var(X[usable, j], w[usable]) for j in range(1, X.shape[1])])
    share = _importance(coefficients[1:], spread, covariance[1:, 1:], df)
    return DriverModel(
        drivers=[
            Driver(
                component,
                float(coefficients[j + 1]),
                float(se[j + 1]),
                float(p[j + 1]),
                *(float(v[j]) for v in share),
            )
            for j, component in enumerate(scores)
        ],
        intercept=float(coefficients[0]),
        intercept_se=float(se[0]),
        df=int(df),
        n=int(usable.sum()),
        r_squared=float(fit.rsquared),
        left_out=left_out,
    )


def _importance(beta, spread, covariance, df, level: float = 0.95):
    """Each component's importance g_j, its delta-method SE and its interval on df."""
    standardised = beta * spread
    total = np.abs(standardised).sum()
    if not total > 0:
        nothing = np.full(beta.shape, np.nan)
        return nothing, nothing, nothing, nothing
    importance = np.abs(standardised) / total
    # gradient[j, k] = ∂g_j/∂β_k = sign(β_k) s_k (δ_jk − g_j) / T
    gradient = (np.eye(beta.size) - importance[:, None]) * (np.sign(beta) * spread)[None, :]
    gradient /= total
    se = np.sqrt(np.maximum(np.einsum("jk,kl,jl->j", gradient, covariance, gradient), 0.0))
    half = t_quantile(np.full(beta.shape, float(df)), level) * se
    return importance, se, np.clip(importance - half, 0, 1), np.clip(importance + half, 0, 1)


def _row_mean(block: np.ndarray) -> np.ndarray:
    """Mean of the answered items of each row; NaN where none was answered."""
    count = (~np.isnan(block)).sum(axis=1)
    total = np.nansum(block, axis=1)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def _weighted_var(x, w):
    mean = np.average(x, weights=w)
    return np.average((x - mean) ** 2, weights=w)
