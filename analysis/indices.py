"""Satisfaction indices and mean scores for every domain at once, with linearised SEs.

For item j in domain d, p = Σ δ a w s / Σ δ a w (available case) and the influence value
of response k is z = δ a (s − p) / W. A component index is the plain average of its items'
indices and its influence the average of theirs; the overall index likewise averages the
components. Variances come from PSU totals of w·z (`analysis.variance`); after raking the
influence values are first residualised on the margins (the GREG form R uses).

Everything is computed on arrays sorted by domain and PSU, so one pass of `reduceat`
gives the PSU totals of every statistic of every domain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis import intervals, variance
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.factorize import factorize, missing_labels
from analysis.results import IndexTable
from analysis.scheme import IndexScheme


def answer_matrix(answers: Mapping[str, Sequence], scheme: IndexScheme, n: int) -> np.ndarray:
    """Items as an int8 matrix (rows × items), 0 for no answer; bad values name their cell."""
    low, high = scheme.scale
    # Column-major: each item is read on its own, contiguously.
    matrix = np.zeros((n, len(scheme.items)), dtype=np.int8, order="F")
    for j, code in enumerate(scheme.items):
        if code not in answers:
            raise AnalysisError(f"item {code} of index {scheme.code} has no column")
        try:
            values = np.asarray(answers[code], dtype=float)
        except (TypeError, ValueError):
            raw = list(answers[code])
            for row, value in enumerate(raw, start=1):
                if value not in (None, "") and not _is_number(value):
                    raise AnalysisError(
                        f"column {code}, row {row}: {value!r} is not an answer on the "
                        f"{low}–{high} scale"
                    ) from None
            values = np.array([np.nan if v in (None, "") else float(v) for v in raw])
        if values.size != n:
            raise AnalysisError(f"column {code} has {values.size} values, not {n}")
        given = ~np.isnan(values)
        bad = np.flatnonzero(
            given & ((values < low) | (values > high) | (values != np.round(values)))
        )
        if bad.size:
            row = bad[0]
            raise AnalysisError(
                f"column {code}, row {row + 1}: {values[row]:g} is not an answer on the "
                f"{low}–{high} scale"
            )
        matrix[given, j] = values[given].astype(np.int8)
    return matrix


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class _Layout:
    """Domains and (domain, PSU) pairs. Rows outside every domain, or with zero weight,
    point at a dummy domain (D) and a dummy pair (P) that are dropped from every sum."""

    domain_labels: tuple[str, ...]
    domain_rows: np.ndarray  # rows of each domain, weight zero included
    row_domain: np.ndarray  # domain code of each row, D for none
    row_pair: np.ndarray  # pair code of each row, P for none
    row_named: np.ndarray  # domain code of each row, weight zero included; D for none
    pair_domain: np.ndarray  # sorted by domain, then PSU (so also by stratum)
    pair_psu: np.ndarray
    domain_pair_starts: np.ndarray

    @property
    def n_domains(self) -> int:
        return len(self.domain_labels)

    @property
    def n_pairs(self) -> int:
        return self.pair_domain.size


ALL = "all"


def _layout(design: Design, by: Sequence | None) -> _Layout:
    # No domain column: the whole population is one domain.
    if by is None:
        labels, missing = np.full(design.n, ALL), np.zeros(design.n, dtype=bool)
    else:
        labels, missing = missing_labels(by)
    if labels.size != design.n:
        raise AnalysisError(f"the domain column has {labels.size} values, not {design.n}")
    kept = np.flatnonzero(~missing & (design.weights > 0))
    domain_labels, code = factorize(labels[kept])
    n_domains = domain_labels.size
    key = code.astype(np.int64) * design.n_psu + design.psu[kept]
    pair_keys, pair = factorize(key)
    row_domain = np.full(design.n, n_domains, dtype=np.int64)
    row_domain[kept] = code
    row_pair = np.full(design.n, pair_keys.size, dtype=np.int64)
    row_pair[kept] = pair
    pair_domain = pair_keys // design.n_psu
    # Rows of each domain including those of weight zero (R's nrow of the domain subset).
    named, named_rows = np.unique(labels[~missing], return_counts=True)
    rows_of = {str(label): int(count) for label, count in zip(named, named_rows, strict=True)}
    # Each row's domain, rows of weight zero included (D: no domain).
    position = {str(label): i for i, label in enumerate(domain_labels)}
    every_label, every_code = factorize(labels[~missing])
    lookup = np.array([position.get(str(label), n_domains) for label in every_label] + [n_domains])
    row_named = np.full(design.n, n_domains, dtype=np.int64)
    row_named[~missing] = lookup[every_code]
    return _Layout(
        domain_rows=np.array([rows_of.get(str(d), 0) for d in domain_labels], dtype=np.int64),
        domain_labels=tuple(str(d) for d in domain_labels),
        row_domain=row_domain,
        row_pair=row_pair,
        row_named=row_named,
        pair_domain=pair_domain,
        pair_psu=pair_keys % design.n_psu,
        domain_pair_starts=np.searchsorted(pair_domain, np.arange(n_domains)),
    )


def estimate_indices(
    design: Design,
    answers: Mapping[str, Sequence],
    scheme: IndexScheme,
    by: Sequence | None,
    *,
    ci: str = "logit",
    level: float = 0.95,
) -> IndexTable:
    """Share of answers at or above the threshold, per item, component and overall index.

    Parameters
    ----------
    design : Design
    answers : mapping of item code to answers (1..scale max, or missing)
        A data frame works, as does a dict of arrays.
    scheme : IndexScheme
    by : array-like or None
        The domain of each response (agency, channel, gender, ...); missing values leave
        the row out of every domain but not out of the design. None: one domain, "all".
    ci : {"logit", "beta"}
    level : float

    Returns
    -------
    IndexTable
        Proportions (0–1) with SEs, CIs on design df, n, deff and covariances.
    """
    if ci not in ("logit", "beta"):
        raise AnalysisError(f"unknown interval method {ci!r}: use 'logit' or 'beta'")
    matrix = answer_matrix(answers, scheme, design.n)
    codes = np.arange(scheme.scale[1] + 1)
    value_of = ((codes >= scheme.threshold) & (codes > 0)).astype(float)
    return _estimate(design, matrix, value_of, scheme, by, "satisfied", ci, level)


def estimate_means(
    design: Design,
    answers: Mapping[str, Sequence],
    scheme: IndexScheme,
    by: Sequence | None,
    *,
    level: float = 0.95,
) -> IndexTable:
    """Mean answer (on the 1–5 scale) per item, component and overall, with t intervals."""
    matrix = answer_matrix(answers, scheme, design.n)
    value_of = np.arange(scheme.scale[1] + 1, dtype=float)
    return _estimate(design, matrix, value_of, scheme, by, "mean", "t", level)


def breakdowns(
    design: Design,
    answers: Mapping[str, Sequence],
    scheme: IndexScheme,
    columns: Mapping[str, Sequence],
    **options,
) -> dict[str, IndexTable]:
    """The indices by each categorical column (channel, respondent type, gender, ...)."""
    return {
        name: estimate_indices(design, answers, scheme, values, **options)
        for name, values in columns.items()
    }


def option_shares(
    design: Design,
    answers: Mapping[str, Sequence],
    by: Sequence | None = None,
) -> dict[str, dict[str, dict[int, float]]]:
    """Weighted share of each answer value among those who answered, per domain and item.

    Point estimates only (a Hajek ratio: the weight of those giving the value over the
    weight of those answering), for profiles and for ranking what respondents want
    improved. Domains as in `estimate_indices`; `by=None` gives the single domain "all".

    Returns
    -------
    {domain: {item: {value: share}}}, values in increasing order; an item nobody in a
    domain answered is absent from it.
    """
    labels = np.full(design.n, "all", dtype=object) if by is None else np.asarray(by)
    if labels.shape[0] != design.n:
        raise AnalysisError(f"the domain column has {labels.shape[0]} rows, the design {design.n}")
    domains, code = factorize(labels.astype(str))
    shares: dict[str, dict[str, dict[int, float]]] = {str(d): {} for d in domains}
    size, weights = len(domains), design.weights
    for item, raw in answers.items():
        values = np.asarray(raw, dtype=float)
        answered = ~np.isnan(values)
        totals = np.bincount(code[answered], weights=weights[answered], minlength=size)
        for value in np.unique(values[answered]):
            chosen = answered & (values == value)
            weight = np.bincount(code[chosen], weights=weights[chosen], minlength=size)
            for d in np.flatnonzero(totals > 0):
                item_shares = shares[str(domains[d])].setdefault(item, {})
                item_shares[int(value)] = float(weight[d] / totals[d])
    return shares


@dataclass
class _Statistics:
    """Everything the variance needs, per (domain, PSU) pair and per domain."""

    estimate: np.ndarray  # domains × statistics
    pair_totals: np.ndarray  # pairs × statistics: PSU totals of w·z
    pair_counts: np.ndarray | None  # pairs × statistics: contributing rows ("average" only)
    n: np.ndarray  # domains × statistics
    contributing_weight: np.ndarray
    weighted_squares: np.ndarray  # Σ w z² per domain and statistic
    item_scale: np.ndarray  # domains × items: the table z = (value − p)/W, per answer code
    component_weights: np.ndarray  # domains × items × statistics: z of a statistic as a
    # combination of item z's (1 for the item itself, 1/k for a component, ...)


def _estimate(design, matrix, value_of, scheme, by, statistic, ci, level) -> IndexTable:
    layout = _layout(design, by)
    stats = _statistics(design, layout, matrix, value_of, scheme)
    beta = psu_margins = None
    if design.calibration is not None:
        beta, psu_margins = _calibration_terms(design, layout, matrix, value_of, stats)
    var, present = _variances(design, layout, stats, beta, psu_margins)
    second = None
    if design.stage_two is not None:
        # The second stage's variance, from its units' totals within each PSU (no
        # raking: Design.with_weights refuses it for two stages).
        stage_two = design.stage_two
        second_layout = _layout(stage_two, by)
        second_stats = _statistics(stage_two, second_layout, matrix, value_of, scheme)
        second = (stage_two, second_layout, second_stats)
        var = var + _variances(stage_two, second_layout, second_stats, None, None)[0]
    # A domain whose PSU totals are all alike has variance 0, which rounding can leave a
    # hair below zero (-1e-18); that is 0, not a missing standard error.
    var = np.where(var < 0, 0.0, var)
    df, rows = _degrees_of_freedom(design, layout, _answered(matrix, scheme))
    estimate = stats.estimate
    # Without two PSUs in some stratum of the domain (one respondent, or everyone met in
    # one cluster) the variance cannot be estimated from the data: it is missing, never 0.
    # Nor has an estimate that does not exist (nobody in the domain answered) an SE.
    estimable = (df >= 1) & ~np.isnan(estimate) & ~np.isnan(var)
    var = np.where(estimable, var, np.nan)
    se = np.sqrt(var)
    n = stats.n
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = var / (stats.contributing_weight * stats.weighted_squares / (n - 1))
    if statistic == "satisfied":
        low, high = intervals.proportion_interval(estimate, se, df, rows, n, ci, level)
    else:
        low, high = intervals.mean_interval(estimate, se, df, level)
    # No variance, no interval: never half of one (an estimate of 100% on one answer
    # would otherwise keep its upper limit of 100%).
    low = np.where(estimable, low, np.nan)
    high = np.where(estimable, high, np.nan)

    n_components = len(scheme.components)
    codes = scheme.items + tuple(scheme.components) + (scheme.code,)
    levels = ("item",) * len(scheme.items) + ("component",) * n_components + ("overall",)

    computed: dict[int, np.ndarray] = {}

    def covariance_of(column: int) -> np.ndarray:
        # Each is a pass over every PSU: rank intervals and comparisons of each ranking
        # group ask for the same one.
        if column in computed:
            return computed[column].copy()
        covariance = _covariance(
            design,
            layout,
            stats,
            beta,
            psu_margins,
            column,
            None if present is None else present[:, :, column],
        )
        if second is not None:
            covariance = covariance + _covariance(*second, None, None, column, None)
        unknown = ~estimable[:, column]
        covariance[unknown, :] = np.nan
        covariance[:, unknown] = np.nan
        computed[column] = covariance
        return covariance.copy()

    def combination_covariance(coefficients: np.ndarray) -> np.ndarray:
        covariance = _covariance(
            design,
            layout,
            stats,
            beta,
            psu_margins,
            np.asarray(coefficients, dtype=float),
            None if present is None else present[:, :, -1],
        )
        if second is not None:
            covariance = covariance + _covariance(
                *second, None, None, np.asarray(coefficients, dtype=float), None
            )
        used = np.asarray(coefficients) != 0
        unknown = ~estimable[:, used].all(axis=1)
        covariance[unknown, :] = np.nan
        covariance[:, unknown] = np.nan
        return covariance

    return IndexTable(
        statistic=statistic,
        index_code=scheme.code,
        domains=layout.domain_labels,
        levels=levels,
        codes=codes,
        estimate=estimate,
        se=se,
        ci_low=low,
        ci_high=high,
        n=n,
        deff=deff,
        df=df,
        rows=layout.domain_rows,
        ci_method=ci,
        ci_level=level,
        design=design.describe(),
        _covariance=covariance_of,
        _combination_covariance=combination_covariance,
    )


def _statistics(design, layout, matrix, value_of, scheme) -> _Statistics:
    """Sufficient statistics: weighted counts per domain, item and answer code, and the
    PSU totals of every statistic.

    An item's z is (value − p)/W, a lookup by (domain, answer code); one weighted
    bincount of the looked-up z per item gives every PSU total, and components and the
    overall index are linear combinations of item totals. Nothing is kept per PSU and
    answer code, so memory grows with PSUs × items, not × codes: an element design has a
    PSU per respondent.
    """
    n_rows, n_items = matrix.shape
    bins = value_of.size
    P, D = layout.n_pairs, layout.n_domains
    w = design.weights
    # Which rows answered, per (domain, PSU) pair, is only needed by the "average"
    # lonely-PSU rule; an element design has as many pairs as rows.
    track = design.lonely_psu == "average"
    by_domain = np.empty((D, n_items, bins))
    answered_in_domain = np.empty((D, n_items))
    pair_counts = np.zeros((P, n_items + len(scheme.components) + 1)) if track else None
    domain_key = layout.row_domain * bins
    for j in range(n_items):
        counts = np.bincount(domain_key + matrix[:, j], weights=w, minlength=(D + 1) * bins)
        by_domain[:, j] = counts[: D * bins].reshape(D, bins)
        given = matrix[:, j] > 0
        answered_in_domain[:, j] = np.bincount(layout.row_domain[given], minlength=D + 1)[:D]
        if track:
            pair_counts[:, j] = np.bincount(layout.row_pair[given], minlength=P + 1)[:P]

    W = by_domain[:, :, 1:].sum(axis=2)
    defined = W > 0
    safe_W = np.where(defined, W, 1.0)
    p = np.where(defined, (by_domain * value_of).sum(axis=2) / safe_W, np.nan)
    p0 = np.nan_to_num(p)

    # z = (value − p)/W for each domain, item and answer code (0 for no answer).
    item_scale = (value_of[None, None, :] - p0[:, :, None]) / safe_W[:, :, None]
    item_scale[:, :, 0] = 0.0
    item_scale[~defined] = 0.0

    # How each statistic's z combines item z's, per domain.
    index_of = {code: j for j, code in enumerate(scheme.items)}
    groups = [[index_of[i] for i in items] for items in scheme.components.values()]
    C = len(groups)
    m = n_items + C + 1
    combine = np.zeros((D, n_items, m))
    combine[:, np.arange(n_items), np.arange(n_items)] = 1.0
    component_estimate = np.full((D, C), np.nan)
    for c, index in enumerate(groups):
        k = defined[:, index].sum(axis=1)
        share = np.where(k > 0, 1.0 / np.maximum(k, 1), 0.0)
        combine[:, index, n_items + c] = defined[:, index] * share[:, None]
        component_estimate[:, c] = np.where(
            k > 0, (p0[:, index] * defined[:, index]).sum(axis=1) * share, np.nan
        )
    component_defined = ~np.isnan(component_estimate)
    K = component_defined.sum(axis=1)
    overall_share = np.where(K > 0, 1.0 / np.maximum(K, 1), 0.0)
    combine[:, :, -1] = (combine[:, :, n_items:-1] * component_defined[:, None, :]).sum(
        axis=2
    ) * overall_share[:, None]
    overall_estimate = np.where(
        K > 0, np.nan_to_num(component_estimate).sum(axis=1) * overall_share, np.nan
    )
    estimate = np.column_stack([p, component_estimate, overall_estimate])

    # PSU totals of w·z of every item: a lookup of each row's z in a flat (domain, item,
    # answer code) table, whose dummy domain D is zero, summed by pair. Components and the
    # overall index get theirs from their own row-level z below.
    row_offset = layout.row_domain * (n_items * bins)
    flat_scale = np.concatenate([item_scale, np.zeros((1, n_items, bins))]).reshape(-1)
    pair_totals = np.empty((P, m))
    for j in range(n_items):
        z = flat_scale[row_offset + (j * bins + matrix[:, j])]
        pair_totals[:, j] = np.bincount(layout.row_pair, weights=w * z, minlength=P + 1)[:P]

    # Rows that contribute (answered at least one item of the statistic), and Σ w z².
    n = np.zeros((D, m))
    contributing_weight = np.zeros((D, m))
    n[:, :n_items] = answered_in_domain
    contributing_weight[:, :n_items] = W
    weighted_squares = np.zeros((D, m))
    weighted_squares[:, :n_items] = (by_domain * item_scale**2).sum(axis=2)

    # Row-level z of each component: a lookup of (domain, item, answer code) in a table
    # that already holds the component's share of each item; the dummy domain D is zero.
    overall_share_of = np.append(
        component_defined * overall_share[:, None], np.zeros((1, C)), axis=0
    )
    z_overall = np.zeros(n_rows)
    any_item = np.zeros(n_rows, dtype=bool)
    for c, index in enumerate(groups):
        table = item_scale * combine[:, :, n_items + c][:, :, None]
        table = np.concatenate([table, np.zeros((1, n_items, bins))]).reshape(-1)
        z = np.zeros(n_rows)
        answered_any = np.zeros(n_rows, dtype=bool)
        for j in index:
            z += table[row_offset + (j * bins + matrix[:, j])]
            answered_any |= matrix[:, j] > 0
        any_item |= answered_any
        z_overall += z * overall_share_of[layout.row_domain, c]
        _row_sums(
            layout,
            w,
            answered_any,
            z,
            n_items + c,
            pair_totals,
            pair_counts,
            n,
            contributing_weight,
            weighted_squares,
        )
    _row_sums(
        layout,
        w,
        any_item,
        z_overall,
        m - 1,
        pair_totals,
        pair_counts,
        n,
        contributing_weight,
        weighted_squares,
    )
    return _Statistics(
        estimate=estimate,
        pair_totals=pair_totals,
        pair_counts=pair_counts,
        n=n,
        contributing_weight=contributing_weight,
        weighted_squares=weighted_squares,
        item_scale=item_scale,
        component_weights=combine,
    )


def _row_sums(
    layout,
    w,
    answered,
    z,
    column,
    pair_totals,
    pair_counts,
    n,
    contributing_weight,
    weighted_squares,
) -> None:
    P, D = layout.n_pairs, layout.n_domains
    pair_totals[:, column] = np.bincount(layout.row_pair, weights=w * z, minlength=P + 1)[:P]
    if pair_counts is not None:
        pair_counts[:, column] = np.bincount(layout.row_pair[answered], minlength=P + 1)[:P]
    n[:, column] = np.bincount(layout.row_domain, weights=answered, minlength=D + 1)[:D]
    contributing_weight[:, column] = np.bincount(
        layout.row_domain, weights=w * answered, minlength=D + 1
    )[:D]
    weighted_squares[:, column] = np.bincount(
        layout.row_domain, weights=w * z * z, minlength=D + 1
    )[:D]


def _calibration_terms(design, layout, matrix, value_of, stats):
    """β (domains × p × statistics): the regression of z on the margins weighted by the
    weights before raking; and R (PSUs × p) = Σ_{k∈i} w_k X_k. The residualised PSU total
    of a statistic is T_i − R_i·β."""
    calibration = design.calibration
    cells = calibration.cell_matrix.shape[0]
    X = calibration.cell_matrix
    d = calibration.base_weights
    bins = value_of.size
    D = layout.n_domains
    gram = X.T @ (X * np.bincount(calibration.cell, weights=d, minlength=cells)[:, None])
    base = (layout.row_domain * cells + calibration.cell) * bins
    moments = np.zeros((D, X.shape[1], stats.pair_totals.shape[1]))
    for j in range(matrix.shape[1]):
        by_cell = np.bincount(base + matrix[:, j], weights=d, minlength=(D + 1) * cells * bins)
        by_cell = by_cell[: D * cells * bins].reshape(D, cells, bins)
        item_moment = np.einsum("dcv,dv,cq->dq", by_cell, stats.item_scale[:, j], X)
        moments += item_moment[:, :, None] * stats.component_weights[:, j, None, :]
    beta = np.linalg.solve(gram, moments.transpose(1, 0, 2).reshape(X.shape[1], -1))
    beta = beta.reshape(X.shape[1], D, -1).transpose(1, 0, 2)
    by_psu = np.bincount(
        design.psu * cells + calibration.cell,
        weights=design.weights,
        minlength=design.n_psu * cells,
    ).reshape(design.n_psu, cells)
    return beta, by_psu @ X


def _variances(design, layout, stats, beta, psu_margins):
    """Σ_h c_h [Σ_i T'² − κ_h (Σ_i T')²/n_h] per domain and statistic, T' = T − R·β.

    Sums run over the strata where the domain has PSUs ("groups"); after raking the β
    terms reach every stratum through the global matrix G.
    """
    rule = variance.stratum_rule(design)
    pair_stratum = design.psu_stratum[layout.pair_psu]
    group_key = layout.pair_domain * design.n_strata + pair_stratum
    group_starts = np.flatnonzero(np.concatenate(([True], group_key[1:] != group_key[:-1])))
    group_domain = layout.pair_domain[group_starts]
    group_stratum = pair_stratum[group_starts]
    n_h = design.psus_in_stratum.astype(float)
    scale = rule.scale[group_stratum][:, None]
    centre = (rule.centred / n_h)[group_stratum][:, None]
    T = stats.pair_totals
    # Sums over each group's contiguous pairs, column by column: reduceat along the rows
    # of a million-row matrix is far slower than a bincount per column.
    group_of_pair = np.repeat(
        np.arange(group_starts.size), np.diff(np.append(group_starts, len(T)))
    )
    S = _group_sums(T, group_of_pair, group_starts.size)
    Q = _group_sums(T, group_of_pair, group_starts.size, squared=True)
    contribution = scale * (Q - centre * S * S)
    D = layout.n_domains
    result = _by_domain(contribution, group_domain, D)
    if beta is not None:
        R = psu_margins
        U = np.add.reduceat(R[layout.pair_psu][:, :, None] * T[:, None, :], group_starts, axis=0)
        R_sum = np.add.reduceat(R, design.stratum_starts, axis=0)  # strata × p
        cross = U - centre[:, :, None] * R_sum[group_stratum][:, :, None] * S[:, None, :]
        cross = np.einsum("gqm,gqm->gm", scale[:, :, None] * cross, beta[group_domain])
        result -= 2 * _by_domain(cross, group_domain, D)
        squares = np.add.reduceat(R[:, :, None] * R[:, None, :], design.stratum_starts, axis=0)
        G = np.einsum(
            "h,hqr->qr",
            rule.scale,
            squares - (rule.centred / n_h)[:, None, None] * R_sum[:, :, None] * R_sum[:, None, :],
        )
        result += np.einsum("dqm,qr,drm->dm", beta, G, beta)

    present = None
    if design.lonely_psu == "average" and rule.lonely.any():
        if beta is None:
            present = np.zeros((design.n_strata, D, T.shape[1]), dtype=bool)
            counts = np.add.reduceat(stats.pair_counts, group_starts, axis=0)
            present[group_stratum, group_domain, :] = counts > 0
        else:
            present = np.ones((design.n_strata, D, T.shape[1]), dtype=bool)
        result = result * variance.average_rescaling(rule, present)
    return result, present


def _group_sums(values: np.ndarray, group: np.ndarray, groups: int, squared: bool = False):
    out = np.empty((groups, values.shape[1]))
    for k in range(values.shape[1]):
        column = values[:, k]
        out[:, k] = np.bincount(
            group, weights=column * column if squared else column, minlength=groups
        )
    return out


def _by_domain(values: np.ndarray, group_domain: np.ndarray, domains: int) -> np.ndarray:
    out = np.zeros((domains, values.shape[1]))
    np.add.at(out, group_domain, values)
    return out


def _covariance(design, layout, stats, beta, psu_margins, column, present) -> np.ndarray:
    """Domains × domains covariance of one statistic (`column` an index), or of a linear
    combination of statistics (`column` a vector of coefficients, one per statistic),
    from dense PSU totals: the influence values of a combination are the combination of
    theirs."""
    totals = np.zeros((design.n_psu, layout.n_domains))
    if np.ndim(column) == 0:
        totals[layout.pair_psu, layout.pair_domain] = stats.pair_totals[:, column]
        if beta is not None:
            totals -= psu_margins @ beta[:, :, column].T
    else:
        totals[layout.pair_psu, layout.pair_domain] = stats.pair_totals @ column
        if beta is not None:
            totals -= psu_margins @ (beta @ column).T
    return variance.covariance(design, totals, present)


def _answered(matrix: np.ndarray, scheme: IndexScheme) -> np.ndarray:
    """Rows × statistics: whether the row answered the statistic (an item; at least one
    item of a component; at least one item of the index)."""
    index_of = {code: j for j, code in enumerate(scheme.items)}
    given = matrix > 0
    components = [
        given[:, [index_of[i] for i in items]].any(axis=1) for items in scheme.components.values()
    ]
    overall = np.column_stack(components).any(axis=1) if components else given.any(axis=1)
    return np.column_stack([given, *components, overall])


def _degrees_of_freedom(design, layout, answered):
    """Per domain and statistic: PSUs minus strata among the domain's rows with positive
    weight that answered it (R's `degf` of `subset(domain, answered)`, which is also
    `svyglm`'s residual df once it drops the missing answers), and those rows including
    any of weight zero (their `nrow`, which the Korn–Graubard interval uses).

    An item a few respondents of an agency answered has the degrees of freedom of those
    few: the variance rests on their PSUs alone, the others' totals being zero. (R's
    `svyciprop(na.rm = TRUE)` on the whole domain would take the domain's `degf`;
    METHODS.md §3 says why the smaller is kept.)"""
    D, P = layout.n_domains, layout.n_pairs
    statistics = answered.shape[1]
    df = np.zeros((D, statistics), dtype=np.int64)
    rows = np.zeros((D, statistics), dtype=np.int64)
    pair_stratum = design.psu_stratum[layout.pair_psu]
    for s in range(statistics):
        chosen = answered[:, s]
        present = np.bincount(layout.row_pair[chosen], minlength=P + 1)[:P] > 0
        psus = np.bincount(layout.pair_domain[present], minlength=D)
        strata_key = np.unique(
            layout.pair_domain[present] * design.n_strata + pair_stratum[present]
        )
        strata = np.bincount(strata_key // design.n_strata, minlength=D)
        df[:, s] = psus - strata
        rows[:, s] = np.bincount(layout.row_named[chosen], minlength=D + 1)[:D]
    return df, rows
