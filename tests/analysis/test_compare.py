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
    assert flags["low_precision"][table.n < 30].all()


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


def test_key_drivers_leave_out_components_few_answered(sample, scheme):
    drivers, left_out = key_drivers(make_design(sample), sample, scheme)
    assert left_out == ["PA"]
    assert [d.component for d in drivers] == ["TC", "TT", "CC", "KQ"]
    assert sum(d.importance for d in drivers) == pytest.approx(1.0)
    assert all(d.coefficient > 0 and d.se > 0 for d in drivers)
