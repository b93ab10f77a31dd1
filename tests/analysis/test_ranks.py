"""Rank intervals that agree with the intervals: draws with each estimate's df."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis import rank_intervals_of


def brute_force(estimate, se, df, *, draws=40_000, seed=5):
    """Independent t draws, ranked: what the rank intervals must reproduce."""
    rng = np.random.default_rng(seed)
    sample = estimate + se * stats.t.rvs(df, size=(draws, estimate.size), random_state=rng)
    ranks = (-sample).argsort(axis=1).argsort(axis=1) + 1
    low = np.quantile(ranks, 0.025, axis=0, method="inverted_cdf")
    high = np.quantile(ranks, 0.975, axis=0, method="inverted_cdf")
    return low.astype(int), high.astype(int)


def test_few_degrees_of_freedom_widen_ranks_as_a_brute_force_t_simulation():
    estimate = np.array([0.0, 3.0, 6.0, 9.0])
    se = np.ones(4)
    df = np.array([2, 2, 40, 2])
    ours = rank_intervals_of(estimate, np.diag(se**2), df, draws=40_000)
    low, high = brute_force(estimate, se, df)
    assert [(lo, hi) for _, lo, hi in ours] == list(zip(low, high, strict=True))
    # A normal draw (df ignored) would pin the middle estimates to their ranks.
    normal = rank_intervals_of(estimate, np.diag(se**2), np.full(4, 10**6), draws=40_000)
    assert [(lo, hi) for _, lo, hi in normal] != [(lo, hi) for _, lo, hi in ours]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    k=st.integers(2, 8),
    df=st.integers(1, 6),
)
def test_rank_intervals_agree_with_brute_force_simulation(seed, k, df):
    rng = np.random.default_rng(seed)
    estimate = rng.uniform(0.6, 0.95, k)
    se = rng.uniform(0.005, 0.05, k)
    ours = rank_intervals_of(estimate, np.diag(se**2), np.full(k, df), draws=20_000)
    low, high = brute_force(estimate, se, np.full(k, df), draws=20_000, seed=seed + 1)
    for (rank, lo, hi), b_lo, b_hi in zip(ours, low, high, strict=True):
        assert lo <= rank <= hi
        # Two independent simulations of 20,000 draws agree within a rank.
        assert abs(lo - b_lo) <= 1
        assert abs(hi - b_hi) <= 1


def test_rank_intervals_cover_the_true_ranks_of_data_with_few_df():
    """Simulated surveys: ten agencies a standard error apart, one degree of freedom
    each (their variances estimated from two PSUs). Drawing from a normal covers the true
    rank about 96% of the time; drawing with the df keeps it at the nominal level."""
    rng = np.random.default_rng(7)
    theta = np.arange(10.0)
    truth = (-theta).argsort().argsort() + 1
    covered = []
    for replication in range(200):
        estimate = theta + rng.normal(size=10)
        se = np.sqrt(rng.chisquare(1, size=10))
        ranks = rank_intervals_of(
            estimate, np.diag(se**2), np.ones(10), draws=1000, seed=replication
        )
        covered += [lo <= t <= hi for (_, lo, hi), t in zip(ranks, truth, strict=True)]
    assert np.mean(covered) >= 0.975


def test_a_rank_interval_is_never_narrower_than_the_intervals_allow():
    """The Ea H'leo case: the best estimate with a 19-point interval cannot be ranked
    "1 (1–1)" while nine others sit inside its interval."""
    estimate = np.array([0.8975, 0.88, 0.875, 0.87, 0.865, 0.86, 0.855, 0.85, 0.845, 0.84])
    se = np.array([0.001, *[0.001] * 9])  # what a zero-ish variance would claim
    ci_low = np.array([0.8035, *(estimate[1:] - 0.002)])
    ci_high = np.array([0.9915, *(estimate[1:] + 0.002)])
    ranks = rank_intervals_of(
        estimate, np.diag(se**2), np.full(10, 30), ci=(ci_low, ci_high), draws=2000
    )
    assert ranks[0] == (1, 1, 10)
