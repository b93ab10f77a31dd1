"""Fay–Herriot small-area estimates: what they promise, shown on synthetic communes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import special

from analysis.cli import main
from analysis.errors import AnalysisError
from analysis.small_areas import fay_herriot, fay_herriot_proportions
from tests.analysis.conftest import RESULTS


def synthetic(rng, m=100, spread=4.0):
    """Communes whose true index follows a covariate, with 15–200 answers each."""
    x = rng.normal(0, 1, m)
    n = np.where(np.arange(m) < m // 2, rng.integers(15, 40, m), rng.integers(100, 200, m))
    variance = 700.0 / n
    truth = 80 + 5 * x + rng.normal(0, spread, m)
    return x, n, variance, truth


def test_eblups_beat_direct_estimates_for_small_areas_and_cover_at_95_percent():
    """Over 400 replicates of 100 communes: for the 50 with 15–40 answers the EBLUP's
    empirical MSE is below the direct estimator's (the point of the model), and the
    intervals EBLUP ± 1.96·√mse cover the true index close to 95% of the time."""
    rng = np.random.default_rng(17)
    x, n, variance, _ = synthetic(rng)
    small = n < 40
    squared_eblup = np.zeros(len(n))
    squared_direct = np.zeros(len(n))
    covered = np.zeros(len(n))
    replicates = 400
    for _ in range(replicates):
        truth = 80 + 5 * x + rng.normal(0, 4.0, len(n))
        direct = truth + rng.normal(0, np.sqrt(variance))
        fit = fay_herriot(direct, variance, x[:, None])
        squared_eblup += (fit.eblup - truth) ** 2
        squared_direct += (direct - truth) ** 2
        covered += np.abs(fit.eblup - truth) <= 1.96 * np.sqrt(fit.mse)
    mse_eblup = squared_eblup / replicates
    mse_direct = squared_direct / replicates
    assert mse_eblup[small].mean() < 0.8 * mse_direct[small].mean()
    assert (mse_eblup[small] < mse_direct[small]).mean() > 0.9
    coverage = covered.sum() / (replicates * len(n))
    assert 0.93 <= coverage <= 0.97


def test_the_mse_estimator_tracks_the_empirical_mse():
    rng = np.random.default_rng(3)
    x, n, variance, _ = synthetic(rng)
    estimated, empirical = np.zeros(len(n)), np.zeros(len(n))
    for _ in range(300):
        truth = 80 + 5 * x + rng.normal(0, 4.0, len(n))
        fit = fay_herriot(truth + rng.normal(0, np.sqrt(variance)), variance, x[:, None])
        estimated += fit.mse
        empirical += (fit.eblup - truth) ** 2
    ratio = estimated.sum() / empirical.sum()
    assert 0.9 < ratio < 1.1


def test_benchmarked_eblups_keep_the_groups_weighted_direct_mean():
    rng = np.random.default_rng(5)
    x, n, variance, truth = synthetic(rng, m=40)
    direct = truth + rng.normal(0, np.sqrt(variance))
    frame = rng.integers(500, 30_000, len(n)).astype(float)
    fit = fay_herriot(direct, variance, x[:, None], benchmark_weights=frame)
    assert np.average(fit.benchmarked, weights=frame) == pytest.approx(
        np.average(direct, weights=frame), abs=1e-9
    )
    assert fit.benchmark == pytest.approx(np.average(direct, weights=frame))
    # Benchmarking moves every area by the same amount: the order stays.
    shift = fit.benchmarked - fit.eblup
    assert np.ptp(shift) == pytest.approx(0, abs=1e-9)


def test_an_area_without_answers_gets_the_regression_prediction():
    rng = np.random.default_rng(9)
    x, _n, variance, truth = synthetic(rng, m=30)
    direct = truth + rng.normal(0, np.sqrt(variance))
    direct[4] = np.nan
    fit = fay_herriot(direct, variance, x[:, None])
    assert fit.shrinkage[4] == 0
    assert fit.eblup[4] == pytest.approx(fit.coefficients[0] + fit.coefficients[1] * x[4])
    assert fit.mse[4] > fit.variance_component


def test_the_shrinkage_is_larger_where_the_direct_estimate_is_noisier():
    rng = np.random.default_rng(11)
    x, _n, variance, truth = synthetic(rng, m=60)
    fit = fay_herriot(truth + rng.normal(0, np.sqrt(variance)), variance, x[:, None])
    order = np.argsort(variance)
    assert np.all(np.diff(fit.shrinkage[order]) <= 1e-12)


@pytest.mark.parametrize(
    ("direct", "variance", "covariates", "message"),
    [
        ([80, 81, 82, 90], [4, 0, 4, 4], None, "area 1: a direct estimate needs a positive"),
        ([80, 81], [4, 4], np.array([[1.0], [2.0]]), "2 areas with a direct estimate cannot fit"),
        ([80, 81, 82, 83], [4, 4, 4, 4], np.ones((4, 1)), "collinear"),
        ([80, 81, 82, 83], [4, 4, 4, 4], np.array([[1.0], [np.nan], [2], [3]]), "area 1"),
    ],
)
def test_bad_input_is_named(direct, variance, covariates, message):
    with pytest.raises(AnalysisError, match=message):
        fay_herriot(direct, variance, covariates)


def _coverage(method: str, *, deff: float, replications: int = 300, seed: int = 7):
    """Coverage of the 95% intervals of 100 communes' indices (12–60 answers each, true
    indices from 60% to 97%, a covariate that explains part of them), for the fifth of
    communes expected to do best and the fifth expected to do worst (by the model's
    mean, x'β: what the variance function must get right at both ends)."""
    rng = np.random.default_rng(seed)
    m = 100
    n = rng.integers(12, 61, m).astype(float)
    x = rng.normal(0, 1, m)
    expected = special.expit(1.6 + 0.6 * x)
    high, low = expected >= np.quantile(expected, 0.8), expected <= np.quantile(expected, 0.2)
    rho = (deff - 1) / (n.mean() - 1)
    covered = {"high": [], "low": []}
    for _ in range(replications):
        truth = special.expit(1.6 + 0.6 * x + rng.normal(0, 0.5, m))
        # Clustered answers (beta-binomial): the design effect the variances carry.
        level = rng.beta(truth * (1 - rho) / rho, (1 - truth) * (1 - rho) / rho) if rho else truth
        direct = rng.binomial(n.astype(int), level) / n
        variance = deff * direct * (1 - direct) / (n - 1)
        if method == "arcsine":
            fit = fay_herriot_proportions(direct, variance, n, x[:, None])
            lower, upper = fit.ci_low, fit.ci_high
        else:  # K / n on the 0-100 scale: what runs did before
            usable = variance > 0
            k = np.mean(1e4 * variance[usable] * n[usable])
            fit = fay_herriot(100 * direct, k / n, x[:, None])
            half = 1.959963984540054 * np.sqrt(fit.mse)
            lower, upper = (fit.eblup - half) / 100, (fit.eblup + half) / 100
        hit = (lower <= truth) & (truth <= upper)
        covered["high"].append(hit[high].mean())
        covered["low"].append(hit[low].mean())
    return {k: float(np.mean(v)) for k, v in covered.items()}


@pytest.mark.parametrize("deff", [1.0, 1.6])
def test_small_area_intervals_cover_95_percent_at_both_ends(deff):
    """Issue #30: D = K/n gave the best communes 2.3-4.1 times their variance and the worst
    about half, so the worst performers' intervals were too narrow. On the arcsine scale
    with the group's design effect both ends are covered as promised."""
    coverage = _coverage("arcsine", deff=deff)
    assert 0.93 <= coverage["high"] <= 0.97, coverage
    assert 0.93 <= coverage["low"] <= 0.97, coverage


def test_the_old_variance_function_fails_the_same_check():
    """The same simulation with D = K/n on the points scale: the test can fail."""
    coverage = _coverage("k_over_n", deff=1.0)
    assert coverage["high"] > 0.97 or coverage["low"] < 0.93, coverage


def test_an_area_whose_answers_all_agree_still_gets_a_variance():
    rng = np.random.default_rng(3)
    n = rng.integers(12, 61, 40).astype(float)
    direct = np.clip(rng.normal(0.85, 0.06, 40), 0, 1)
    direct[0] = 1.0  # twelve answers, all satisfied: a design variance of zero
    n[0] = 12
    variance = 1.4 * direct * (1 - direct) / (n - 1)
    fit = fay_herriot_proportions(direct, variance, n, benchmark_weights=n)
    assert fit.sampling_variance[0] == pytest.approx(fit.variance_factor / (4 * 12))
    assert fit.variance_factor == pytest.approx(1.4 * np.mean(n[1:] / (n[1:] - 1)), rel=0.15)
    assert fit.ci_low[0] < fit.estimate[0] < fit.ci_high[0] <= 1.0
    assert fit.estimate[0] < 1.0, "shrunk towards the group"
    assert np.all(fit.se > 0)
    # Benchmarked: the n-weighted mean of the estimates is the direct one's.
    assert np.average(fit.estimate, weights=n) == pytest.approx(np.average(direct, weights=n))
    with pytest.raises(AnalysisError, match="three areas"):
        fay_herriot_proportions([1.0, 1.0, 0.5, 0.6], [0.0, 0.0, 0.01, 0.0], [10, 10, 10, 10])
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        fay_herriot_proportions([85.0, 0.5, 0.6, 0.7], [0.01] * 4, [10] * 4)


ARGS = [
    "small-areas",
    "--input",
    str(RESULTS / "small_areas.csv"),
    "--area",
    "area",
    "--direct",
    "direct",
    "--variance",
    "variance",
    "--covariates",
    "ward,earlier,on_time,log_frame",
]


def test_cli_writes_estimates_and_the_model_beside_them(tmp_path):
    out = tmp_path / "communes.csv"
    assert main([*ARGS, "--benchmark-weight", "frame", "--output", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "area,direct,direct_variance,eblup,mse,shrinkage,benchmarked"
    assert len(lines) == 103
    first = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert first["area"] == "X001"
    assert float(first["mse"]) > 0
    assert 0 < float(first["shrinkage"]) < 1
    model = json.loads((tmp_path / "communes.model.json").read_text(encoding="utf-8"))
    assert set(model["coefficients"]) == {"(intercept)", "ward", "earlier", "on_time", "log_frame"}
    assert model["variance_component"] > 0


def test_cli_without_benchmark_has_no_benchmarked_column(tmp_path):
    out = tmp_path / "communes.csv"
    assert main([*ARGS, "--output", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "area,direct,direct_variance,eblup,mse,shrinkage"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("area,y,v\nA,80,4\nB,81,\nC,82,5\nD,83,6\n", "row 2: area B has a direct estimate but"),
        ("area,y,v\nA,80,4\nA,81,4\nC,82,5\nD,83,6\n", "row 2: area A already came in row 1"),
        ("area,y,w\nA,80,4\n", "column 'v' (--variance) is not in"),
        ("area,y,v\nA,80,4\nB,eighty,4\nC,82,5\nD,83,6\n", "row 2: 'eighty' is not a number"),
    ],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, table, message):
    source = tmp_path / "direct.csv"
    source.write_text(table, encoding="utf-8")
    out = tmp_path / "out.csv"
    argv = ["small-areas", "--input", str(source), "--area", "area", "--direct", "y"]
    assert main([*argv, "--variance", "v", "--output", str(out)]) == 1
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
    assert list(tmp_path.iterdir()) == [source]
