"""Comparisons, rank intervals and the publication rules for agency estimates.

Agencies are compared with the plain mean of their ranking group using the covariance of
their estimates (they share strata), and with their own previous campaign (an
independent sample). p-values are Holm-adjusted within each table. Ranks are only ever
shown with their interval, drawn with each estimate's degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from analysis import intervals
from analysis.results import IndexTable

LOW_PRECISION_N = 30
LOW_PRECISION_DF = 10
HALF_WIDTH = 0.10  # of a proportion: 10 percentage points
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
    # The domain's linearised variance vanished at the boundary (an estimate of 0 or
    # 100%): its Korn–Graubard interval's variance stood in for it (`guarded_variance`).
    boundary: bool = False


def guarded_variance(estimate, se, ci_low, ci_high, df, level: float = 0.95) -> np.ndarray:
    """Each estimate's variance for a test, never below what its own interval allows.

    At 0 or 100% (12 answers, all satisfied) the linearised variance p(1−p)·… is zero,
    and a test on it calls any difference certain. The Korn–Graubard interval there is
    the exact binomial one on the respondents (`intervals.beta_interval`); the variance
    it implies, ((high − low) / (2·t_df))², stands in for the linearised one whenever it
    is larger. Elsewhere the linearised variance is kept (the logit interval is built
    from it, so the two agree).
    """
    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    low, high = np.asarray(ci_low, float), np.asarray(ci_high, float)
    q = intervals.t_quantile(np.asarray(df, float), level)
    with np.errstate(invalid="ignore"):
        implied = ((high - low) / (2 * q)) ** 2
        at_edge = (estimate <= 0) | (estimate >= 1)
        use = at_edge & np.isfinite(implied) & (np.nan_to_num(se) ** 2 < implied)
    return np.where(use, implied, se**2), use


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment (statsmodels' `multipletests(method="holm")`, which is
    R's `p.adjust(method="holm")`), over the p-values there are: NaNs stay NaN."""
    # Imported when used: statsmodels takes a second to import, and every command and
    # worker starts the whole app.
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], method="holm")[1]
    return adjusted


def _two_sided(t, df) -> np.ndarray:
    t, df = np.asarray(t, float), np.asarray(df, float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, 2 * special.stdtr(df, -np.abs(t)), np.nan)


@dataclass(frozen=True)
class Gap:
    """Within one group (an agency), one kind of respondent's estimate minus another's
    (answers about dossiers returned on time minus those about late ones, say)."""

    group: str
    first: float
    second: float
    difference: float
    se: float
    df: float
    ci_low: float
    ci_high: float
    p_value: float
    n_first: int  # rows of each domain
    n_second: int


def gaps(
    table: IndexTable,
    code: str,
    first: str,
    second: str,
    *,
    df: Mapping[str, float],
    level: float = 0.95,
) -> list[Gap]:
    """For each group g in `df`, the estimate of domain "g|first" minus that of
    "g|second", its SE √(V₁₁ + V₂₂ − 2V₁₂) from the table's covariance (R's svycontrast of
    the domains' totals), and a t interval on the group's degrees of freedom `df[g]`.
    A group without both domains, or without variance in one, gets NaNs."""
    column = table.column(code)
    covariance = table.covariance(code)
    found = []
    for group, group_df in df.items():
        names = (f"{group}|{first}", f"{group}|{second}")
        rows = [int(table.rows[table.domains.index(n)]) if n in table.domains else 0 for n in names]
        if not all(name in table.domains for name in names):
            values = [np.nan] * 2
            difference = se = np.nan
        else:
            i, j = (table.domain_index(name) for name in names)
            values = [float(table.estimate[i, column]), float(table.estimate[j, column])]
            difference = values[0] - values[1]
            variance = covariance[i, i] + covariance[j, j] - 2 * covariance[i, j]
            se = float(np.sqrt(variance)) if variance >= 0 else np.nan
        usable = group_df > 0 and np.isfinite(se)
        t = difference / se if usable and se > 0 else np.nan
        half = float(special.stdtrit(group_df, 0.5 + level / 2)) * se if usable else np.nan
        found.append(
            Gap(
                group=group,
                first=values[0],
                second=values[1],
                difference=difference,
                se=se,
                df=float(group_df),
                ci_low=difference - half,
                ci_high=difference + half,
                p_value=float(_two_sided(t, group_df)) if usable else np.nan,
                n_first=rows[0],
                n_second=rows[1],
            )
        )
    return found


def compare_to_mean(
    table: IndexTable,
    code: str,
    *,
    design_df: float,
    domains: Sequence[str] | None = None,
) -> list[Comparison]:
    """Each domain's estimate minus the plain mean of the domains compared (a ranking
    group: in a league each agency counts once, whatever its size).

    The difference is the contrast a'x with a = e_d − 1/k over the k domains whose
    variance is estimable, and its SE √(a'Va) with the full covariance matrix V, as R's
    `svycontrast` computes them; t is referred to the whole design's degrees of freedom
    `design_df`, since the contrast involves every domain. A domain left out (not in
    `domains`, or its variance not estimable) gets NaNs. p-values are Holm-adjusted over
    the domains compared.
    """
    column = table.column(code)
    estimate = table.estimate[:, column]
    covariance = table.covariance(code)
    # A domain at 0 or 100% enters with the variance its own interval implies.
    guarded, boundary = guarded_variance(
        estimate, table.se[:, column], table.ci_low[:, column], table.ci_high[:, column],
        table.df[:, column], table.ci_level,
    )  # fmt: skip
    covariance[np.diag_indices_from(covariance)] = np.where(boundary, guarded, np.diag(covariance))
    chosen = np.ones(len(table.domains), dtype=bool)
    if domains is not None:
        chosen = np.isin(np.array(table.domains), list(domains))
    compared = chosen & ~np.isnan(estimate) & ~np.isnan(np.diag(covariance))
    k = int(compared.sum())
    difference = np.full(len(table.domains), np.nan)
    se = np.full(len(table.domains), np.nan)
    if k >= 2:
        inside = np.flatnonzero(compared)
        block = covariance[np.ix_(inside, inside)]
        contrasts = np.eye(k) - 1.0 / k
        difference[inside] = contrasts @ estimate[inside]
        se[inside] = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", contrasts, block, contrasts), 0))
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
            bool(boundary[i]),
        )
        for i, domain in enumerate(table.domains)
        if chosen[i]
    ]


def compare_to_previous(current: IndexTable, previous: IndexTable, code: str) -> list[Comparison]:
    """Change since the previous campaign; the two samples are independent, so
    Var = SE₁² + SE₀², on the smaller of the two domains' degrees of freedom."""
    now, before = current.column(code), previous.column(code)

    def variances(table, column):
        return guarded_variance(
            table.estimate[:, column], table.se[:, column], table.ci_low[:, column],
            table.ci_high[:, column], table.df[:, column], table.ci_level,
        )  # fmt: skip

    now_var, now_edge = variances(current, now)
    before_var, before_edge = variances(previous, before)
    rows = []
    for d, domain in enumerate(current.domains):
        if domain not in previous.domains:
            rows.append((domain, np.nan, np.nan, np.nan, False))
            continue
        e = previous.domain_index(domain)
        difference = current.estimate[d, now] - previous.estimate[e, before]
        se = np.sqrt(now_var[d] + before_var[e])
        edge = bool(now_edge[d] or before_edge[e])
        rows.append((domain, difference, se, min(current.df[d, now], previous.df[e, before]), edge))
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
            r[4],
        )
        for i, r in enumerate(rows)
    ]


@dataclass(frozen=True)
class CombinedChange:
    """Domains combined now (the parts of an agency that was split) against one earlier
    figure (the agency before the split): a test that compares like with like."""

    domains: tuple[str, ...]
    estimate: float  # the parts combined, Σ wᵢθᵢ
    se: float
    earlier: float
    earlier_se: float
    difference: float
    difference_se: float
    df: float
    p_value: float


def compare_combined(
    table: IndexTable,
    code: str,
    weights: Mapping[str, float],
    *,
    earlier: float,
    earlier_se: float,
    df: float,
) -> CombinedChange:
    """Σ wᵢθᵢ / Σ w over `weights`' domains (their covariance kept: R's `svycontrast` of
    the domain means) minus an earlier, independent estimate; its variance adds the two,
    and t is referred to `df` (the smaller of the two sides' degrees of freedom).
    A domain at 0 or 100% enters with its interval's variance (`guarded_variance`)."""
    column = table.column(code)
    index = [table.domain_index(d) for d in weights]
    share = np.array([weights[d] for d in weights], dtype=float)
    share = share / share.sum()
    covariance = table.covariance(code)[np.ix_(index, index)]
    guarded, boundary = guarded_variance(
        table.estimate[index, column], table.se[index, column], table.ci_low[index, column],
        table.ci_high[index, column], table.df[index, column], table.ci_level,
    )  # fmt: skip
    covariance[np.diag_indices_from(covariance)] = np.where(boundary, guarded, np.diag(covariance))
    estimate = float(share @ table.estimate[index, column])
    se = float(np.sqrt(max(share @ covariance @ share, 0.0)))
    difference = estimate - earlier
    difference_se = float(np.hypot(se, earlier_se))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = difference / difference_se
    return CombinedChange(
        domains=tuple(weights),
        estimate=estimate,
        se=se,
        earlier=float(earlier),
        earlier_se=float(earlier_se),
        difference=float(difference),
        difference_se=difference_se,
        df=float(df),
        p_value=float(_two_sided(t, df)),
    )


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
    """Rank of each domain (1 = best) with the central `coverage` interval of its rank.

    `domains` ranks a subset (departments among themselves, say), with their covariances.
    Domains whose variance is not estimable are left out: they get no rank.
    See `rank_intervals_of` for the method.
    """
    column = table.column(code)
    chosen = np.ones(len(table.domains), dtype=bool)
    if domains is not None:
        chosen = np.isin(np.array(table.domains), list(domains))
    ranked = np.flatnonzero(
        ~np.isnan(table.estimate[:, column]) & ~np.isnan(table.se[:, column]) & chosen
    )
    if ranked.size == 0:
        return []
    intervals = rank_intervals_of(
        table.estimate[ranked, column],
        table.covariance(code)[np.ix_(ranked, ranked)],
        table.df[ranked, column],
        ci=(table.ci_low[ranked, column], table.ci_high[ranked, column]),
        draws=draws,
        seed=seed,
        coverage=coverage,
    )
    return [
        RankInterval(table.domains[d], rank, low, high)
        for d, (rank, low, high) in zip(ranked, intervals, strict=True)
    ]


def rank_intervals_of(
    estimate: np.ndarray,
    covariance: np.ndarray,
    df: np.ndarray,
    *,
    ci: tuple[np.ndarray, np.ndarray] | None = None,
    draws: int = 10_000,
    seed: int = 20261126,
    coverage: float = 0.95,
) -> list[tuple[int, int, int]]:
    """(rank, low, high) of each estimate, 1 = highest, by simulation.

    Draws are a scaled multivariate t: a joint normal with the estimates' covariance,
    each domain's deviation divided by its own √(χ²_df/df), so that every estimate moves
    as far as its t interval allows (few degrees of freedom, wide tails) while the
    correlations between domains are kept. Each draw is ranked; the interval is the
    central `coverage` of the ranks (fixed seed: the same answer every time).

    `ci` (the published interval of each estimate) widens a rank interval that came out
    narrower than the intervals allow: at its upper limit an estimate would rank
    1 + (estimates above that limit), at its lower limit 1 + (estimates above that).
    """
    if draws < 1000:
        raise ValueError("use at least 1,000 draws for a rank interval")
    estimate = np.asarray(estimate, dtype=float)
    df = np.asarray(df, dtype=float)
    if (df < 1).any():
        raise ValueError("every ranked estimate needs at least one degree of freedom")
    rng = np.random.default_rng(seed)
    k = estimate.size
    deviation = rng.multivariate_normal(np.zeros(k), covariance, size=draws, method="eigh")
    deviation /= np.sqrt(rng.chisquare(df, size=(draws, k)) / df)
    ranks = (-(estimate + deviation)).argsort(axis=1).argsort(axis=1) + 1
    tail = (1 - coverage) / 2
    low = np.quantile(ranks, tail, axis=0, method="inverted_cdf").astype(int)
    high = np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf").astype(int)
    point = (-estimate).argsort(kind="stable").argsort() + 1
    if ci is not None:
        ci_low, ci_high = (np.asarray(v, dtype=float) for v in ci)
        others = ~np.eye(k, dtype=bool)
        at_best = 1 + ((estimate[None, :] > ci_high[:, None]) & others).sum(axis=1)
        at_worst = 1 + ((estimate[None, :] > ci_low[:, None]) & others).sum(axis=1)
        low = np.minimum(low, np.where(np.isnan(ci_high), low, at_best))
        high = np.maximum(high, np.where(np.isnan(ci_low), high, at_worst))
    return [(int(point[i]), int(low[i]), int(high[i])) for i in range(k)]


@dataclass(frozen=True)
class Precision:
    """Why an estimate is published with a mark, or not at all.

    `reasons` are (rule, value) pairs: ("n", 12), ("effective_n", 21.4), ("df", 2),
    ("half_width", 0.124) (as a proportion), or ("not_estimable", None).
    """

    low_precision: bool
    suppressed: bool
    not_estimable: bool
    reasons: tuple[tuple[str, float | int | None], ...]


def precision(
    *,
    n: float,
    deff: float,
    df: float,
    estimate: float,
    se: float,
    ci_low: float,
    ci_high: float,
) -> Precision:
    """The publication rules of one estimate (METHODS.md, "Flags").

    Low precision: n < 30, effective n (n/deff) < 30, df < 10, a 95% half-width above
    10 points, or every answer alike (0 or 100%: a linearised SE of 0, which no test may
    rest on). Suppressed (not published): n < 5, or a variance that cannot be estimated.
    """
    reasons: list[tuple[str, float | int | None]] = []
    not_estimable = estimate == estimate and se != se
    if not_estimable:
        reasons.append(("not_estimable", None))
    if n < LOW_PRECISION_N:
        reasons.append(("n", int(n)))
    effective = n / deff if deff == deff and deff > 0 else float("nan")
    if effective == effective and effective < LOW_PRECISION_N and n >= LOW_PRECISION_N:
        reasons.append(("effective_n", round(float(effective), 1)))
    if df < LOW_PRECISION_DF:
        reasons.append(("df", int(df)))
    if se == 0 and estimate == estimate:
        reasons.append(("all_alike", None))
    if ci_low == ci_low and ci_high == ci_high:
        half = max(ci_high - estimate, estimate - ci_low)
        if half > HALF_WIDTH:
            reasons.append(("half_width", round(float(half), 4)))
    suppressed = n < SUPPRESS_N or not_estimable
    return Precision(
        low_precision=bool(reasons) and not suppressed,
        suppressed=bool(suppressed),
        not_estimable=bool(not_estimable),
        reasons=tuple(reasons),
    )


def precision_flags(table: IndexTable) -> Mapping[str, np.ndarray]:
    """Per domain and statistic: "low_precision", "suppressed", "not_estimable" (booleans)
    and "reasons" (objects: tuples of (rule, value)), by `precision`."""
    shape = table.estimate.shape
    flags = {
        "low_precision": np.zeros(shape, dtype=bool),
        "suppressed": np.zeros(shape, dtype=bool),
        "not_estimable": np.zeros(shape, dtype=bool),
        "reasons": np.empty(shape, dtype=object),
    }
    for d in range(shape[0]):
        for c in range(shape[1]):
            verdict = precision(
                n=float(table.n[d, c]),
                deff=float(table.deff[d, c]),
                df=float(table.df[d, c]),
                estimate=float(table.estimate[d, c]),
                se=float(table.se[d, c]),
                ci_low=float(table.ci_low[d, c]),
                ci_high=float(table.ci_high[d, c]),
            )
            flags["low_precision"][d, c] = verdict.low_precision
            flags["suppressed"][d, c] = verdict.suppressed
            flags["not_estimable"][d, c] = verdict.not_estimable
            flags["reasons"][d, c] = verdict.reasons
    return flags


def design_degrees_of_freedom(design) -> int:
    """PSUs minus strata of the whole design (among rows with positive weight, R's degf)."""
    return units_less_strata(design, design.weights > 0)


def units_less_strata(design, rows: np.ndarray) -> int:
    """PSUs minus strata among `rows` (a boolean mask): counted, not sorted."""
    psus = np.count_nonzero(np.bincount(design.psu[rows], minlength=design.n_psu))
    strata = np.count_nonzero(np.bincount(design.stratum[rows], minlength=design.n_strata))
    return int(psus - strata)


@dataclass(frozen=True)
class Combined:
    estimate: float
    se: float
    df: float
    n: int


def combine_estimates(
    estimates: Sequence[float],
    ses: Sequence[float],
    dfs: Sequence[float],
    n: Sequence[int],
    weights: Sequence[float],
) -> Combined:
    """The weighted mean of independent domains' estimates: Σ wᵢθᵢ / Σ wᵢ with variance
    Σ (wᵢ/Σw)² SEᵢ² (agencies are separate strata, so their estimates are independent)
    on the smallest of their degrees of freedom. Used for a merged agency's earlier
    figure: its predecessors' estimates weighted by the dossiers each handled."""
    theta = np.asarray(estimates, dtype=float)
    se = np.asarray(ses, dtype=float)
    w = np.asarray(weights, dtype=float)
    if len(theta) == 0 or w.sum() <= 0:
        raise ValueError("nothing to combine")
    share = w / w.sum()
    return Combined(
        float(share @ theta),
        float(np.sqrt(np.sum(share**2 * se**2))),
        float(np.min(np.asarray(dfs, dtype=float))),
        int(np.sum(np.asarray(n, dtype=int))),
    )
