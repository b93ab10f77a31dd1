import numpy as np
import pytest

from analysis import (
    compare_to_mean,
    compare_to_previous,
    cronbach_alpha,
    design_degrees_of_freedom,
    estimate_indices,
    holm,
    key_drivers,
    precision,
    precision_flags,
    rank_intervals,
)
from tests.analysis.conftest import make_design, read_reference


@pytest.fixture(scope="module")
def table(sample, scheme):
    return estimate_indices(make_design(sample), sample, scheme, sample["agency"])


def test_holm_matches_r_p_adjust():
    reference = read_reference("holm")
    p = np.array([np.nan if r["p"] == "NA" else float(r["p"]) for r in reference])
    expected = np.array([np.nan if r["holm"] == "NA" else float(r["holm"]) for r in reference])
    np.testing.assert_allclose(holm(p), expected, rtol=1e-12)


def test_comparison_with_the_mean_uses_the_covariance(sample, table):
    design = make_design(sample)
    rows = compare_to_mean(table, "SIPAS", design_df=design_degrees_of_freedom(design))
    column = table.column("SIPAS")
    estimate = table.estimate[:, column]
    assert [r.domain for r in rows] == list(table.domains)
    for i, row in enumerate(rows):
        assert row.difference == pytest.approx(estimate[i] - estimate.mean())
        contrast = np.full(len(rows), -1 / len(rows))
        contrast[i] += 1
        assert row.se == pytest.approx(np.sqrt(contrast @ table.covariance("SIPAS") @ contrast))
        assert row.p_holm >= row.p_value
    assert sum(r.difference for r in rows) == pytest.approx(0, abs=1e-12)


def test_comparison_with_the_previous_campaign_adds_independent_variances(table):
    rows = compare_to_previous(table, table, "SIPAS")
    assert all(r.difference == 0 and r.p_value == 1.0 for r in rows)
    assert rows[0].se == pytest.approx(np.sqrt(2) * table.get(rows[0].domain, "SIPAS").se)


def test_rank_intervals_are_reproducible_and_contain_the_rank(table):
    first = rank_intervals(table, "SIPAS", draws=10_000)
    again = rank_intervals(table, "SIPAS", draws=10_000)
    assert first == again
    ranks = sorted(r.rank for r in first)
    assert ranks == list(range(1, len(first) + 1))
    for r in first:
        assert 1 <= r.low <= r.rank <= r.high <= len(first)
    assert any(r.low < r.high for r in first), "sampling error shows in the ranks"


def test_precision_flags_follow_the_sample_sizes(table):
    flags = precision_flags(table)
    assert (flags["suppressed"] == (table.n < 5)).all()
    small = (table.n < 30) & (table.n >= 5)
    assert flags["low_precision"][small].all()
    for d, c in zip(*np.nonzero(small), strict=True):
        assert ("n", int(table.n[d, c])) in flags["reasons"][d, c]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"n": 400, "deff": 1.0, "df": 300}, (False, False, ())),
        ({"n": 12, "deff": 1.0, "df": 11}, (True, False, (("n", 12),))),
        ({"n": 40, "deff": 2.0, "df": 39}, (True, False, (("effective_n", 20.0),))),
        ({"n": 400, "deff": 1.0, "df": 2}, (True, False, (("df", 2),))),
        ({"n": 3, "deff": 1.0, "df": 2}, (False, True, (("n", 3), ("df", 2)))),
        ({"n": 400, "deff": 1.0, "df": 300, "ci": (0.6, 0.95)}, (True, False, None)),
        ({"n": 80, "deff": float("nan"), "df": 0, "se": float("nan")}, (False, True, None)),
        ({"n": 40, "deff": 1.0, "df": 39, "se": 0.0}, (True, False, (("all_alike", None),))),
    ],
    ids=[
        "precise",
        "few answers",
        "design effect",
        "few df",
        "suppressed",
        "wide",
        "no variance",
        "all alike",
    ],
)
def test_publication_rules_say_why(values, expected):
    ci = values.get("ci", (0.78, 0.82))
    verdict = precision(
        n=values["n"],
        deff=values["deff"],
        df=values["df"],
        estimate=0.8,
        se=values.get("se", 0.01),
        ci_low=ci[0],
        ci_high=ci[1],
    )
    low, suppressed, reasons = expected
    assert (verdict.low_precision, verdict.suppressed) == (low, suppressed)
    if reasons is not None:
        assert verdict.reasons == reasons
    if "ci" in values:
        assert verdict.reasons == (("half_width", 0.2),)
    if values.get("se") != values.get("se"):
        assert verdict.not_estimable
        assert ("not_estimable", None) in verdict.reasons


def test_a_domain_met_in_one_psu_has_no_variance_and_is_suppressed(sample, scheme):
    """Everyone of agency Z answered at one point: under points-as-PSUs its variance
    cannot be estimated (df 0) and must not come out as an SE of 0."""
    agency = sample["agency"].copy()
    agency[sample["psu"] == 1] = "Z"
    table = estimate_indices(make_design(sample), sample, scheme, agency)
    z = table.domain_index("Z")
    assert (table.df[z] == 0).all()
    assert np.isnan(table.se[z]).all()
    assert np.isnan(table.ci_low[z]).all()
    assert not np.isnan(table.estimate[z, table.column("SIPAS")])
    flags = precision_flags(table)
    assert flags["suppressed"][z].all()
    assert flags["not_estimable"][z].all()
    ranked = {r.domain for r in rank_intervals(table, "SIPAS")}
    assert "Z" not in ranked
    assert "A" in ranked
    compared = {c.domain: c for c in compare_to_mean(table, "SIPAS", design_df=30)}
    assert np.isnan(compared["Z"].se)
    assert not np.isnan(compared["A"].se)


def test_cronbach_alpha_equals_the_textbook_formula_with_equal_weights(sample, scheme):
    design = make_design(sample)
    equal = design.with_weights(np.ones(design.n), None)
    alphas = cronbach_alpha(equal, sample, scheme)
    block = np.column_stack([sample[c] for c in scheme.components["TC"]])
    block = block[~np.isnan(block).any(axis=1)]
    k = block.shape[1]
    expected = k / (k - 1) * (1 - block.var(axis=0).sum() / block.sum(axis=1).var())
    assert alphas["TC"] == pytest.approx(expected, rel=1e-12)
    assert 0 < alphas["CC"] < 1


def test_key_drivers_need_an_outcome_outside_the_index(sample, scheme):
    model = key_drivers(make_design(sample), sample, scheme, outcome=sample["HL"])
    assert model.left_out == ["PA"]
    assert [d.component for d in model.drivers] == ["TC", "TT", "CC", "KQ"]
    assert sum(d.importance for d in model.drivers) == pytest.approx(1.0)
    assert all(d.coefficient > 0 and d.se > 0 for d in model.drivers)


def test_comparisons_within_a_group_use_only_the_group(table):
    group = ["A", "B", "C"]
    rows = compare_to_mean(table, "SIPAS", design_df=30, domains=group)
    assert [r.domain for r in rows] == group
    estimate = {d: table.get(d, "SIPAS").estimate for d in group}
    mean = sum(estimate.values()) / 3
    for row in rows:
        assert row.difference == pytest.approx(estimate[row.domain] - mean)
    assert sum(r.difference for r in rows) == pytest.approx(0, abs=1e-12)


def test_the_covariance_of_a_combination_is_that_of_its_parts_combined(table, scheme):
    """The survey points of a reform framework are a linear combination of an agency's
    indices: their covariance keeps the covariances between components (checked against
    the overall index, the plain mean of the components, whose covariance equals R's)."""
    one = table.combination_covariance({"TC": 1.0})
    np.testing.assert_allclose(one, table.covariance("TC"), rtol=1e-12, equal_nan=True)
    components = list(scheme.components)
    mean = table.combination_covariance({c: 1 / len(components) for c in components})
    overall = table.covariance("SIPAS")
    complete = ~np.isnan(table.estimate[:, [table.column(c) for c in components]]).any(axis=1)
    np.testing.assert_allclose(
        mean[np.ix_(complete, complete)], overall[np.ix_(complete, complete)], rtol=1e-10
    )
    points = table.combination_covariance({"SIPAS": 10.0, **dict.fromkeys(components, 4.0)})
    np.testing.assert_allclose(
        points[np.ix_(complete, complete)],
        30.0**2 * overall[np.ix_(complete, complete)],
        rtol=1e-10,
    )
