import numpy as np
import pytest

from analysis import AnalysisError, Design, DesignError, IndexScheme, estimate_indices
from analysis.intervals import beta_interval, logit_interval

SCHEME = IndexScheme(code="SIPAS", threshold=4, components={"A": ("Q1",)})


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"weights": [1, -2, 3]}, "weight in row 2 is negative"),
        ({"weights": [1, np.nan, 3]}, "weight in row 2 is missing"),
        ({"weights": ["1", "x", "3"]}, "weight in row 2 is not a number: 'x'"),
        ({"psu": [1, None, 3]}, "PSU in row 2 is missing"),
        ({"strata": ["a", "", "b"]}, "stratum in row 2 is missing"),
        ({"fpc": [10, 20, 10], "strata": ["a", "a", "b"]}, "population size .* varies within"),
        (
            {"fpc": [1, 1, 5], "strata": ["a", "a", "b"], "psu": [1, 2, 3]},
            "smaller than its 2 sampled PSUs",
        ),
        ({"lonely_psu": "ignore"}, "lonely PSU rule 'ignore' is not one of"),
        ({"psu": [1, 2]}, "differ in length"),
    ],
)
def test_bad_design_columns_are_refused_by_row(columns, message):
    arguments = {"strata": None, "psu": [1, 2, 3], "weights": [1.0, 1.0, 1.0], **columns}
    with pytest.raises(DesignError, match=message):
        Design.from_columns(**arguments)


def test_answers_off_the_scale_are_refused_with_column_and_row():
    design = Design.from_columns(strata=None, psu=[1, 2, 3], weights=[1, 1, 1])
    with pytest.raises(AnalysisError, match="column Q1, row 3: 7 is not an answer on the 1–5"):
        estimate_indices(design, {"Q1": [1, 5, 7]}, SCHEME, ["a", "a", "a"])
    with pytest.raises(AnalysisError, match="column Q1, row 2: 'good' is not an answer"):
        estimate_indices(design, {"Q1": [1, "good", 4]}, SCHEME, ["a", "a", "a"])
    with pytest.raises(AnalysisError, match="item Q1 of index SIPAS has no column"):
        estimate_indices(design, {"Q2": [1, 2, 3]}, SCHEME, ["a", "a", "a"])


def test_an_all_satisfied_domain_gets_an_exact_interval_not_nan():
    design = Design.from_columns(strata=None, psu=np.arange(12) % 4, weights=np.ones(12))
    table = estimate_indices(design, {"Q1": [5] * 12}, SCHEME, ["a"] * 12)
    e = table.get("a", "Q1")
    assert e.estimate == 1.0
    assert e.se == 0.0
    assert e.ci_high == 1.0
    assert 0.5 < e.ci_low < 1.0


def test_logit_interval_falls_back_to_beta_only_at_the_edges():
    low, high = logit_interval(np.array([0.8]), np.array([0.05]), np.array([20]))
    assert low[0] < 0.8 < high[0]
    beta_low, beta_high = beta_interval(
        np.array([0.0]), np.array([0.0]), np.array([20]), np.array([50]), np.array([50])
    )
    assert beta_low[0] == 0.0
    assert 0 < beta_high[0] < 0.2


def test_a_missing_domain_leaves_the_row_in_the_design_only():
    design = Design.from_columns(strata=None, psu=[1, 2, 3, 4], weights=[1, 1, 1, 1])
    table = estimate_indices(design, {"Q1": [5, 1, 5, 5]}, SCHEME, ["a", "a", None, "b"])
    assert table.domains == ("a", "b")
    assert table.get("a", "Q1").n == 2


def test_no_domain_means_the_whole_population():
    design = Design.from_columns(strata=None, psu=[1, 2, 3, 4], weights=[1, 1, 1, 3])
    table = estimate_indices(design, {"Q1": [5, 1, 5, 5]}, SCHEME, None)
    assert table.domains == ("all",)
    assert table.get("all", "SIPAS").estimate == pytest.approx(5 / 6)


def test_an_estimate_without_a_variance_has_no_interval_at_all():
    """One answer, satisfied: 100% without a variance. Neither end of an interval is
    published (the beta fallback at the boundary once kept an upper limit of 100%)."""
    from analysis import Design, IndexScheme, estimate_indices

    scheme = IndexScheme(code="X", threshold=4, components={"C": ("Q1",)})
    design = Design.from_columns(
        strata=["A", "A", "A", "B"], psu=[1, 2, 3, 4], weights=[1.0, 1.0, 1.0, 1.0]
    )
    table = estimate_indices(
        design, {"Q1": [5, 2, 4, 5]}, scheme, np.array(["many", "many", "many", "one"])
    )
    one = table.get("one", "X")
    assert one.estimate == 1.0
    assert np.isnan(one.se)
    assert np.isnan(one.ci_low)
    assert np.isnan(one.ci_high)
    many = table.get("many", "X")
    assert many.ci_low < many.estimate < many.ci_high
