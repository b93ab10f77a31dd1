"""Confidence intervals on design degrees of freedom, as R's `svyciprop` and `confint`."""

from __future__ import annotations

import numpy as np
from scipy import special


def t_quantile(df: np.ndarray, level: float) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    q = np.full(df.shape, np.nan)
    ok = df > 0
    q[ok] = special.stdtrit(df[ok], 0.5 + level / 2)
    return q


def logit_interval(p, se, df, level: float = 0.95):
    """R's `svyciprop(method="logit")`: a Wald interval for logit(p), back-transformed."""
    p, se = np.asarray(p, float), np.asarray(se, float)
    q = t_quantile(df, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        low = special.expit(logit - half)
        high = special.expit(logit + half)
    return low, high


def beta_interval(p, se, df, rows, n, level: float = 0.95):
    """Korn–Graubard interval, R's `svyciprop(method="beta")`.

    The effective sample size p(1−p)/var is corrected by (t_{rows−1}/t_df)². When the
    variance is zero (p is 0 or 1) the estimate's respondents `n` stand in for it, which
    gives the exact binomial interval for an all-or-nothing estimate. The interval is
    statsmodels' Clopper–Pearson (`proportion_confint(method="beta")`) at the effective
    count n_eff·p of n_eff, which is R's formula.
    """
    from statsmodels.stats.proportion import proportion_confint  # a second to import

    p, se = np.asarray(p, float), np.asarray(se, float)
    alpha = 1 - level
    var = se * se
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, p * (1 - p) / var, np.asarray(n, float))
        ratio = t_quantile(np.asarray(rows) - 1, level) / t_quantile(df, level)
        n_eff = n_eff * ratio * ratio
        low, high = proportion_confint(n_eff * p, n_eff, alpha=alpha, method="beta")
    return np.asarray(low, float), np.asarray(high, float)


def proportion_interval(p, se, df, rows, n, method: str = "logit", level: float = 0.95):
    """Logit (default) or beta; the logit interval falls back to beta at 0 and 1."""
    if method == "beta":
        return beta_interval(p, se, df, rows, n, level)
    if method != "logit":
        raise ValueError(f"unknown interval method {method!r}: use 'logit' or 'beta'")
    low, high = logit_interval(p, se, df, level)
    edge = (np.asarray(p) <= 0) | (np.asarray(p) >= 1)
    if edge.any():
        beta_low, beta_high = beta_interval(p, se, df, rows, n, level)
        low = np.where(edge, beta_low, low)
        high = np.where(edge, beta_high, high)
    return low, high


def mean_interval(estimate, se, df, level: float = 0.95):
    """R's `confint(svymean(...), df=degf(design))`."""
    q = t_quantile(df, level)
    return estimate - q * se, estimate + q * se
