"""Comparisons, rank intervals and precision flags for agency estimates.

Agencies are compared with the mean of all agencies using the covariance of their
estimates (they share strata and sometimes PSUs), and with their own previous campaign
(an independent sample). p-values are Holm-adjusted within each table. Ranks are only
ever shown with their interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from analysis.results import IndexTable

LOW_PRECISION_N = 30
SUPPRESS_N = 5


@dataclass(frozen=True)
class Comparison:
    domain: str
    difference: float
    se: float
    t: float
    df: float
    p_value: float
    p_holm: float


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment (R's `p.adjust(method="holm")`); NaNs stay NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return adjusted
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    steps = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted[order] = np.minimum(steps, 1.0)
    return adjusted


def _two_sided(t, df) -> np.ndarray:
    t, df = np.asarray(t, float), np.asarray(df, float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, 2 * special.stdtr(df, -np.abs(t)), np.nan)


def compare_to_mean(table: IndexTable, code: str, *, design_df: float) -> list[Comparison]:
    """Each domain's estimate minus the plain mean of all domains' estimates.

    The SE uses the full covariance matrix: Var(a'x) with a = e_d − 1/D. `design_df` is the
    whole design's PSUs minus strata, since the contrast involves every domain.
    """
    column = table.column(code)
    estimate = table.estimate[:, column]
    covariance = table.covariance(code)
    defined = ~np.isnan(estimate)
    k = int(defined.sum())
    results = []
    for d in range(len(table.domains)):
        if not defined[d]:
            results.append((np.nan, np.nan))
            continue
        contrast = np.where(defined, -1.0 / k, 0.0)
        contrast[d] += 1.0
        results.append(
            (
                contrast @ np.nan_to_num(estimate),
                np.sqrt(contrast @ np.nan_to_num(covariance) @ contrast),
            )
        )
    difference = np.array([r[0] for r in results])
    se = np.array([r[1] for r in results])
    with np.errstate(invalid="ignore", divide="ignore"):
        t = difference / se
    p = _two_sided(t, np.full(t.shape, design_df))
    adjusted = holm(p)
    return [
        Comparison(
            domain,
            float(difference[i]),
            float(se[i]),
            float(t[i]),
            float(design_df),
            float(p[i]),
            float(adjusted[i]),
        )
        for i, domain in enumerate(table.domains)
    ]


def compare_to_previous(current: IndexTable, previous: IndexTable, code: str) -> list[Comparison]:
    """Change since the previous campaign; the two samples are independent, so
    Var = SE₁² + SE₀², on the smaller of the two domains' degrees of freedom."""
    now, before = current.column(code), previous.column(code)
    rows = []
    for d, domain in enumerate(current.domains):
        if domain not in previous.domains:
            rows.append((domain, np.nan, np.nan, np.nan))
            continue
        e = previous.domain_index(domain)
        difference = current.estimate[d, now] - previous.estimate[e, before]
        se = np.hypot(current.se[d, now], previous.se[e, before])
        rows.append((domain, difference, se, min(current.df[d], previous.df[e])))
    difference = np.array([r[1] for r in rows])
    se = np.array([r[2] for r in rows])
    df = np.array([r[3] for r in rows], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = difference / se
    p = _two_sided(t, df)
    adjusted = holm(p)
    return [
        Comparison(
            r[0],
            float(difference[i]),
            float(se[i]),
            float(t[i]),
            float(df[i]),
            float(p[i]),
            float(adjusted[i]),
        )
        for i, r in enumerate(rows)
    ]


@dataclass(frozen=True)
class RankInterval:
    domain: str
    rank: int  # rank of the point estimate, 1 = highest
    low: int
    high: int


def rank_intervals(
    table: IndexTable,
    code: str,
    *,
    draws: int = 10_000,
    seed: int = 20261126,
    coverage: float = 0.95,
    domains: Sequence[str] | None = None,
) -> list[RankInterval]:
    """Rank of each domain (1 = best) with the central `coverage` interval of its rank over
    draws from the multivariate normal of the estimates (fixed seed: reproducible).

    `domains` ranks a subset (departments among themselves, say), with their covariances.
    """
    if draws < 1000:
        raise ValueError("use at least 1,000 draws for a rank interval")
    column = table.column(code)
    chosen = np.ones(len(table.domains), dtype=bool)
    if domains is not None:
        chosen = np.isin(np.array(table.domains), list(domains))
    defined = np.flatnonzero(~np.isnan(table.estimate[:, column]) & chosen)
    if defined.size == 0:
        return []
    estimate = table.estimate[defined, column]
    covariance = table.covariance(code)[np.ix_(defined, defined)]
    rng = np.random.default_rng(seed)
    sample = rng.multivariate_normal(estimate, covariance, size=draws, method="eigh")
    ranks = (-sample).argsort(axis=1).argsort(axis=1) + 1
    tail = (1 - coverage) / 2
    low = np.quantile(ranks, tail, axis=0, method="inverted_cdf")
    high = np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf")
    point = (-estimate).argsort().argsort() + 1
    return [
        RankInterval(table.domains[d], int(point[i]), int(low[i]), int(high[i]))
        for i, d in enumerate(defined)
    ]


def precision_flags(table: IndexTable) -> Mapping[str, np.ndarray]:
    """Per domain and statistic: "low precision" (n or effective n below 30) and
    "suppressed" (n below 5: not published, shown to evaluators with a warning)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(table.deff > 0, table.n / table.deff, table.n)
    return {
        "low_precision": (table.n < LOW_PRECISION_N) | (effective < LOW_PRECISION_N),
        "suppressed": table.n < SUPPRESS_N,
    }


def design_degrees_of_freedom(design) -> int:
    """PSUs minus strata of the whole design."""
    return design.n_psu - design.n_strata
