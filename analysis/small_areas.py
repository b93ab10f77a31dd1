"""Area-level small-area estimation: the Fay–Herriot model fitted by REML.

Many communes with 30–60 answers each give direct indices with ±15-point intervals. The
Fay–Herriot model borrows strength across the areas of one ranking group::

    y_i = x_i'β + v_i + e_i,   v_i ~ N(0, A),   e_i ~ N(0, D_i) with D_i known

where y_i is the direct estimate, D_i its design variance and x_i covariates known for
every area. The EBLUP shrinks each direct estimate towards the regression by
γ_i = A / (A + D_i): a precise area keeps its own figure, a noisy one leans on the model.

Formulas are Rao & Molina, *Small Area Estimation* (2nd ed., 2015), §6.1–6.2: REML by
Fisher scoring (6.2.19), the second-order MSE estimator for REML g1 + g2 + 2·g3 (Datta
& Lahiri 2000; 6.2.37), and the difference benchmarking of §6.2.7 so that the weighted
mean of the EBLUPs equals the group's direct estimate. Everything is O(m·p²) in the
number of areas m: the m×m projection matrix is never formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from analysis.errors import AnalysisError

MAX_ITERATIONS = 100
TOLERANCE = 1e-10
# Shapiro–Wilk is defined for 3 to 5,000 values.
SHAPIRO_LIMIT = 5000


@dataclass(frozen=True)
class FayHerriot:
    """A fitted Fay–Herriot model and its estimates, one entry per area (input order).

    ``shrinkage`` is γ_i, the weight on the direct estimate. ``mse`` is the second-order
    REML estimator g1 + g2 + 2·g3. For an area without a direct estimate the EBLUP is the
    regression prediction x_i'β̂ (γ_i = 0) and its MSE Â + g2.
    """

    areas: tuple
    direct: np.ndarray
    variance: np.ndarray
    eblup: np.ndarray
    mse: np.ndarray
    shrinkage: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    g3: np.ndarray
    variance_component: float
    variance_component_se: float
    coefficients: np.ndarray
    coefficient_se: np.ndarray
    covariates: tuple[str, ...]
    iterations: int
    residuals: np.ndarray  # standardised: (y_i - x_i'β̂) / sqrt(Â + D_i); NaN without y_i
    fitted: np.ndarray  # x_i'β̂
    explained: float  # share of the between-area variance the covariates explain
    normality_p: float  # Shapiro–Wilk on the standardised residuals (NaN under 3 areas)
    benchmarked: np.ndarray | None = None
    benchmark: float | None = None  # the target: the weighted mean of the direct estimates
    notes: tuple[str, ...] = field(default=())

    def as_model(self) -> dict:
        """The fitted model as plain data, for a side file or a run's stored results."""
        return {
            "method": "Fay-Herriot EBLUP, REML, MSE g1+g2+2g3 (Datta-Lahiri)",
            "areas": len(self.areas),
            "areas_with_direct": int(np.isfinite(self.direct).sum()),
            "variance_component": self.variance_component,
            "variance_component_se": self.variance_component_se,
            "coefficients": {
                name: {"estimate": float(b), "se": float(s)}
                for name, b, s in zip(
                    self.covariates, self.coefficients, self.coefficient_se, strict=True
                )
            },
            "iterations": self.iterations,
            "explained": _plain(self.explained),
            "normality_p": _plain(self.normality_p),
            "benchmark": None if self.benchmark is None else float(self.benchmark),
            "notes": list(self.notes),
        }


def fay_herriot(
    direct: Sequence[float],
    variance: Sequence[float],
    covariates: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    areas: Sequence | None = None,
    benchmark_weights: Sequence[float] | None = None,
) -> FayHerriot:
    """Fit the Fay–Herriot model by REML and return EBLUPs with their MSE.

    Parameters
    ----------
    direct : direct estimates y_i; NaN for an area without answers (predicted synthetically).
    variance : their sampling variances D_i (> 0 wherever y_i is given).
    covariates : m × p matrix without the intercept, which is always added; known for
        every area, NaN nowhere.
    names : the covariates' names, for the model summary.
    areas : labels of the areas (default 0..m-1).
    benchmark_weights : weights w_i (frame counts, say); with them ``benchmarked`` holds
        θ̂_i + Σ w_j (y_j − θ̂_j) / Σ w_j over the areas with a direct estimate, so that the
        weighted mean of the benchmarked EBLUPs equals that of the direct estimates.
    """
    y = np.asarray(direct, dtype=float)
    d = np.asarray(variance, dtype=float)
    m = len(y)
    if d.shape != (m,):
        raise AnalysisError(f"{m} direct estimates but {len(d)} variances")
    labels = tuple(range(m)) if areas is None else tuple(areas)
    observed = np.isfinite(y)
    bad = observed & ~(np.isfinite(d) & (d > 0))
    if bad.any():
        where = labels[int(np.flatnonzero(bad)[0])]
        raise AnalysisError(f"area {where}: a direct estimate needs a positive variance")
    x_extra = np.empty((m, 0)) if covariates is None else np.asarray(covariates, dtype=float)
    if x_extra.ndim == 1:
        x_extra = x_extra[:, None]
    if x_extra.shape[0] != m:
        raise AnalysisError(f"{m} areas but {x_extra.shape[0]} rows of covariates")
    if not np.isfinite(x_extra).all():
        row = int(np.flatnonzero(~np.isfinite(x_extra).all(axis=1))[0])
        raise AnalysisError(f"area {labels[row]}: a covariate is missing")
    covariate_names = (
        tuple(names) if names is not None else tuple(f"x{j + 1}" for j in range(x_extra.shape[1]))
    )
    if len(covariate_names) != x_extra.shape[1]:
        raise AnalysisError(f"{x_extra.shape[1]} covariates but {len(covariate_names)} names")
    x = np.column_stack([np.ones(m), x_extra])
    p = x.shape[1]
    k = int(observed.sum())
    if k <= p:
        raise AnalysisError(
            f"{k} areas with a direct estimate cannot fit {p} coefficients; "
            "the model needs more areas than coefficients"
        )
    xo, yo, do = x[observed], y[observed], d[observed]
    if np.linalg.matrix_rank(xo) < p:
        raise AnalysisError("the covariates are collinear (or one is constant): drop one")

    a, iterations = _reml(yo, do, xo)
    w = 1.0 / (a + do)
    xtwx_inv = np.linalg.inv(xo.T @ (w[:, None] * xo))
    beta = xtwx_inv @ (xo.T @ (w * yo))
    fitted = x @ beta
    # Asymptotic variance of REML's Â (Rao & Molina 6.2.21): 2 / Σ (A + D_i)^-2.
    var_a = 2.0 / np.sum(w**2)

    gamma = np.zeros(m)
    g1 = np.zeros(m)
    g3 = np.zeros(m)
    gamma[observed] = a / (a + do)
    g1[observed] = gamma[observed] * do
    g3[observed] = do**2 * (a + do) ** -3 * var_a
    leverage = np.einsum("ij,jk,ik->i", x, xtwx_inv, x)
    g2 = (1.0 - gamma) ** 2 * leverage
    eblup = fitted.copy()
    eblup[observed] = gamma[observed] * yo + (1.0 - gamma[observed]) * fitted[observed]
    mse = g1 + g2 + 2.0 * g3
    # Outside the sample the prediction error is the area effect itself plus β̂'s error.
    mse[~observed] = a + g2[~observed]

    residuals = np.full(m, np.nan)
    residuals[observed] = (yo - fitted[observed]) / np.sqrt(a + do)
    notes = []
    if a == 0.0:
        notes.append(
            "REML put the between-area variance at zero: every EBLUP equals the regression "
            "prediction, and the MSE rests on g2 + 2·g3"
        )
    benchmarked, target = None, None
    if benchmark_weights is not None:
        target, shift = _benchmark(benchmark_weights, y, eblup, observed)
        benchmarked = eblup + shift
    return FayHerriot(
        areas=labels,
        direct=y,
        variance=d,
        eblup=eblup,
        mse=mse,
        shrinkage=gamma,
        g1=g1,
        g2=g2,
        g3=g3,
        variance_component=float(a),
        variance_component_se=float(np.sqrt(var_a)),
        coefficients=beta,
        coefficient_se=np.sqrt(np.diag(xtwx_inv)),
        covariates=("(intercept)", *covariate_names),
        iterations=iterations,
        residuals=residuals,
        fitted=fitted,
        explained=_explained(a, yo, do, p),
        normality_p=_normality(residuals[observed]),
        benchmarked=benchmarked,
        benchmark=target,
        notes=tuple(notes),
    )


def _reml(y: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, int]:
    """Fisher scoring for the REML variance component, started at the median variance
    and kept at zero or above (Rao & Molina 6.2.19; R's sae::eblupFH does the same)."""
    a = float(np.median(d))
    for iteration in range(1, MAX_ITERATIONS + 1):
        score, information = _reml_score(a, y, d, x)
        step = score / information
        updated = max(a + step, 0.0)
        if abs(updated - a) < TOLERANCE * max(1.0, a):
            return updated, iteration
        a = updated
    raise AnalysisError(f"REML did not converge in {MAX_ITERATIONS} iterations (last A = {a:.6g})")


def _reml_score(a: float, y: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """REML score ½(y'P²y − tr P) and information ½ tr P², with P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹
    for diagonal V, computed through p×p matrices only."""
    w = 1.0 / (a + d)
    inverse = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = inverse @ (x.T @ (w * y))
    py = w * (y - x @ beta)
    m2 = inverse @ (x.T @ ((w**2)[:, None] * x))
    m3 = inverse @ (x.T @ ((w**3)[:, None] * x))
    trace_p = w.sum() - np.trace(m2)
    trace_p2 = np.sum(w**2) - 2.0 * np.trace(m3) + np.trace(m2 @ m2)
    return 0.5 * (py @ py - trace_p), 0.5 * trace_p2


def _explained(a: float, y: np.ndarray, d: np.ndarray, p: int) -> float:
    """1 − Â / Â₀, Â₀ the REML variance of the model with an intercept only: the share of
    the between-area variance the covariates account for (NaN when there are none)."""
    if p == 1:
        return float("nan")
    a0, _ = _reml(y, d, np.ones((len(y), 1)))
    if a0 == 0.0:
        return float("nan")
    return float(max(0.0, 1.0 - a / a0))


def _normality(residuals: np.ndarray) -> float:
    if not 3 <= len(residuals) <= SHAPIRO_LIMIT or np.ptp(residuals) == 0:
        return float("nan")
    from scipy import stats  # imported when used: scipy.stats takes most of a second

    return float(stats.shapiro(residuals).pvalue)


@dataclass(frozen=True)
class ProportionAreas:
    """Fay–Herriot estimates of proportions (satisfaction indices), fitted on the
    arcsine-square-root scale and published on the 0–1 scale.

    ``fit`` is the model on the transformed scale. ``estimate`` and the interval are
    back-transformed (sin²) and, with benchmark weights, shifted so that their weighted
    mean equals that of the direct estimates; ``se`` is the delta method's
    sin(2θ̂)·√mse, for what needs a variance on the 0–1 scale (the reform league).
    """

    fit: FayHerriot
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    sampling_variance: np.ndarray  # D_i on the transformed scale: κ / (4 n_i)
    variance_factor: float  # κ: the design effect times what averaging items saves
    smoothed: np.ndarray  # p̃_i, the shares the design effect was estimated at
    benchmark: float | None
    iterations: int

    def variance_function(self) -> dict:
        return {
            "form": "D = deff / (4 n) on the arcsine scale",
            "variance_factor": self.variance_factor,
            "areas": int(np.isfinite(self.fit.direct).sum()),
            "iterations": self.iterations,
        }


SMOOTHING_ITERATIONS = 20
SMOOTHED_TOLERANCE = 1e-8
# p̃ is kept off 0 and 1, where p(1 − p) would put a whole area's variance at zero.
SMOOTHED_BOUND = 0.01


def fay_herriot_proportions(
    direct: Sequence[float],
    variance: Sequence[float],
    n: Sequence[float],
    covariates: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    areas: Sequence | None = None,
    benchmark_weights: Sequence[float] | None = None,
    level: float = 0.95,
) -> ProportionAreas:
    """The Fay–Herriot model for proportions p_i (0–1) with design variances v_i from n_i
    answers, through a generalised variance function that carries p(1 − p).

    A proportion's sampling variance is deff · p(1 − p) / n: a variance function K / n
    overstates it for areas near 100% and understates it for the low ones, whose
    intervals then come out too narrow. On the scale y = arcsin √p the sampling variance
    is deff / (4n) whatever p (the delta method), and the between-area spread is nearer
    constant too, so the model is fitted there with D_i = κ / (4 n_i). κ, the group's
    design effect, is the mean of v_i n_i / (p̃_i (1 − p̃_i)) over areas with a positive
    design variance, with p̃_i from the model itself (the back-transformed EBLUPs,
    iterated from the group mean until they settle): an area whose answers were all
    alike (v_i = 0) still gets a variance, and a noisy v_i does not set its own D_i.
    """
    p = np.asarray(direct, dtype=float)
    v = np.asarray(variance, dtype=float)
    size = np.asarray(n, dtype=float)
    if not (p.shape == v.shape == size.shape):
        raise AnalysisError(f"{p.size} direct estimates, {v.size} variances and {size.size} sizes")
    observed = np.isfinite(p)
    if np.any((p[observed] < 0) | (p[observed] > 1)):
        raise AnalysisError("direct estimates of proportions must lie between 0 and 1")
    if np.any(~(size[observed] >= 1)):
        raise AnalysisError("every area with a direct estimate needs its number of answers")
    usable = observed & np.isfinite(v) & (v > 0) & (size >= 2)
    if usable.sum() < 3:
        raise AnalysisError(
            f"a variance function needs three areas with a positive variance; {usable.sum()} have"
        )
    y = np.where(observed, np.arcsin(np.sqrt(np.clip(p, 0.0, 1.0))), np.nan)
    smoothed = np.full(p.shape, np.average(p[observed], weights=size[observed]))
    iterations = 0
    while iterations < SMOOTHING_ITERATIONS:
        iterations += 1
        shares = np.clip(smoothed, SMOOTHED_BOUND, 1 - SMOOTHED_BOUND)
        kappa = float(np.mean(v[usable] * size[usable] / (shares[usable] * (1 - shares[usable]))))
        sampling = kappa / (4.0 * np.maximum(size, 1.0))
        fit = fay_herriot(y, sampling, covariates, names=names, areas=areas)
        updated = np.sin(fit.eblup) ** 2
        settled = np.max(np.abs(updated - smoothed)) < SMOOTHED_TOLERANCE
        smoothed = updated
        if settled:
            break
    z = float(special.ndtri(0.5 + level / 2))
    root = np.sqrt(fit.mse)
    estimate = np.sin(fit.eblup) ** 2
    low = np.sin(np.clip(fit.eblup - z * root, 0.0, np.pi / 2)) ** 2
    high = np.sin(np.clip(fit.eblup + z * root, 0.0, np.pi / 2)) ** 2
    se = np.abs(np.sin(2 * fit.eblup)) * root
    target = None
    if benchmark_weights is not None:
        target, shift = _benchmark(benchmark_weights, p, estimate, observed)
        estimate = estimate + shift
        low, high = np.clip(low + shift, 0.0, 1.0), np.clip(high + shift, 0.0, 1.0)
    return ProportionAreas(
        fit=fit,
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        sampling_variance=sampling,
        variance_factor=kappa,
        smoothed=smoothed,
        benchmark=target,
        iterations=iterations,
    )


def _benchmark(weights, direct, estimate, observed) -> tuple[float, float]:
    """Difference benchmarking (Rao & Molina §6.2.7): the weighted mean of the direct
    estimates over the areas that have one, and the shift that gives the estimates the
    same weighted mean."""
    bw = np.asarray(weights, dtype=float)
    if bw.shape != direct.shape or not np.isfinite(bw[observed]).all() or (bw[observed] < 0).any():
        raise AnalysisError("benchmark weights must be given, zero or more, for every area")
    total = bw[observed].sum()
    if total <= 0:
        raise AnalysisError("benchmark weights add up to zero")
    target = float(np.sum(bw[observed] * direct[observed]) / total)
    return target, target - float(np.sum(bw[observed] * estimate[observed]) / total)


def _plain(value: float) -> float | None:
    return None if value != value else float(value)
