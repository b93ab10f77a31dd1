"""The Fay–Herriot model against an R implementation of the textbook formulas.

results/make_small_area_data.py made two tables of synthetic communes (102 areas, two
without answers; 30 areas with almost no between-area variance, where REML stops at
zero); results/make_small_area_reference.R fitted REML by Fisher scoring with full
m×m matrices and computed EBLUPs, g1, g2, g3, the MSE g1 + g2 + 2·g3 and difference
benchmarking to the frame-weighted direct mean (Rao & Molina 2015, §6.1–6.2).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis.small_areas import fay_herriot
from tests.analysis.conftest import RESULTS, read_reference

COVARIATES = ("ward", "earlier", "on_time", "log_frame")
TIGHT = {"rel": 1e-8, "abs": 1e-10}


def fitted(case: str):
    with (RESULTS / f"{case}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def number(value: str) -> float:
        return float(value) if value else np.nan

    return fay_herriot(
        [number(r["direct"]) for r in rows],
        [number(r["variance"]) for r in rows],
        np.array([[float(r[c]) for c in COVARIATES] for r in rows]),
        names=COVARIATES,
        areas=[r["area"] for r in rows],
        benchmark_weights=[float(r["frame"]) for r in rows],
    )


@pytest.mark.parametrize("case", ["small_areas", "small_areas_flat"])
def test_variance_component_and_coefficients_equal_r(case):
    fit = fitted(case)
    model = {row["term"]: row for row in read_reference(f"{case}_model")}
    assert fit.variance_component == pytest.approx(float(model["A"]["value"]), **TIGHT)
    assert fit.variance_component_se == pytest.approx(float(model["A_se"]["value"]), **TIGHT)
    for name, beta, se in zip(fit.covariates, fit.coefficients, fit.coefficient_se, strict=True):
        assert beta == pytest.approx(float(model[name]["value"]), **TIGHT), name
        assert se == pytest.approx(float(model[name]["se"]), **TIGHT), name


@pytest.mark.parametrize("case", ["small_areas", "small_areas_flat"])
def test_eblups_and_their_mse_equal_r(case):
    fit = fitted(case)
    reference = read_reference(case)
    assert [r["area"] for r in reference] == list(fit.areas)
    for column in ("eblup", "mse", "shrinkage", "g1", "g2", "g3", "benchmarked"):
        expected = np.array([float(r[column]) for r in reference])
        got = getattr(fit, column)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10, err_msg=column)


def test_zero_variance_component_is_named_in_the_model():
    fit = fitted("small_areas_flat")
    assert fit.variance_component == 0.0
    assert np.all(fit.shrinkage == 0.0)
    assert fit.notes
    assert "zero" in fit.notes[0]
