"""Every estimator against R's survey package (values made by results/make_reference.R).

Tolerances from METHODS.md: estimates 1e-9, standard errors 1e-7 relative. Logit
intervals get 1e-8 relative: R reaches them through svyglm, whose iterations stop once
the deviance changes by less than 1e-8, so its own digits end about there.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import DesignError
from analysis.indices import estimate_indices, estimate_means
from analysis.weights import rake
from tests.analysis.conftest import make_design, read_margins, read_reference

ESTIMATE = {"abs": 1e-9, "rel": 0}
SE = {"rel": 1e-7, "abs": 0}
LOGIT_CI = {"rel": 1e-8, "abs": 0}


def _check(table, reference, columns):
    assert reference, "the reference file is empty"
    for row in reference:
        estimate = table.get(row["agency"], row["code"])
        for ours, theirs, tolerance in columns(estimate, row):
            assert ours == pytest.approx(float(theirs), **tolerance), (row, ours, theirs)


@pytest.fixture(scope="module")
def adjusted(sample, scheme):
    return estimate_indices(make_design(sample), sample, scheme, sample["agency"])


def test_item_estimates_ses_and_design_effects_match_svyby(adjusted):
    _check(
        adjusted,
        read_reference("items_adjust"),
        lambda e, r: [
            (e.estimate, r["estimate"], ESTIMATE),
            (e.se, r["se"], SE),
            (e.deff, r["deff"], SE),
            (e.df, r["df"], {"abs": 0, "rel": 0}),
        ],
    )


def test_logit_intervals_match_svyciprop(adjusted):
    _check(
        adjusted,
        read_reference("items_adjust"),
        lambda e, r: [(e.ci_low, r["logit_low"], LOGIT_CI), (e.ci_high, r["logit_high"], LOGIT_CI)],
    )


def test_korn_graubard_intervals_match_svyciprop_beta(sample, scheme):
    table = estimate_indices(make_design(sample), sample, scheme, sample["agency"], ci="beta")
    _check(
        table,
        read_reference("items_adjust"),
        lambda e, r: [(e.ci_low, r["beta_low"], SE), (e.ci_high, r["beta_high"], SE)],
    )


def test_components_and_overall_match_svytotal_of_influence_values(adjusted):
    reference = read_reference("components_adjust")
    assert {r["level"] for r in reference} == {"component", "overall"}
    _check(
        adjusted,
        reference,
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )


def test_covariance_between_domains_matches_svytotal(adjusted):
    _check_covariance(adjusted, "overall_covariance_adjust")


def _check_covariance(table, name):
    reference = read_reference(name)
    ours = table.covariance("SIPAS")
    for i, row in enumerate(reference):
        assert table.domains[i] == row["agency"]
        for j, domain in enumerate(table.domains):
            theirs = float(row[f"z_{domain}"])
            assert ours[i, j] == pytest.approx(theirs, rel=1e-7, abs=1e-15), (i, j)
    assert np.allclose(np.diag(ours), table.se[:, table.column("SIPAS")] ** 2, rtol=1e-12)


@pytest.mark.parametrize("rule", ["remove", "certainty", "average"])
def test_each_lonely_psu_rule_matches_r(sample, scheme, rule):
    table = estimate_indices(make_design(sample, lonely_psu=rule), sample, scheme, sample["agency"])
    _check(
        table,
        read_reference(f"items_{rule}"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )


def test_the_lonely_psu_rules_really_differ(sample, scheme, adjusted):
    removed = estimate_indices(
        make_design(sample, lonely_psu="remove"), sample, scheme, sample["agency"]
    )
    assert not np.allclose(removed.se, adjusted.se)


def test_fail_refuses_a_design_with_a_lonely_stratum_as_r_does(sample):
    (reference,) = read_reference("fail")
    assert "Stratum (9) has only one PSU" in reference["message"]
    with pytest.raises(DesignError, match="stratum 9 has only one PSU"):
        make_design(sample, lonely_psu="fail")


def test_finite_population_correction_matches_r(sample, scheme):
    table = estimate_indices(make_design(sample, fpc=True), sample, scheme, sample["agency"])
    _check(
        table,
        read_reference("items_fpc"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )


@pytest.fixture(scope="module")
def raked_design(sample):
    return rake(
        make_design(sample),
        {"gender": sample["gender"], "age_band": sample["age_band"]},
        read_margins(),
    )


def test_raked_weights_match_calibrate(raked_design):
    theirs = np.array([float(r["weight"]) for r in read_reference("raked_weights")])
    assert raked_design.weights == pytest.approx(theirs, rel=1e-9)


def test_raked_items_match_calibrate_with_the_greg_variance(sample, scheme, raked_design):
    table = estimate_indices(raked_design, sample, scheme, sample["agency"])
    _check(
        table,
        read_reference("items_raked"),
        lambda e, r: [
            (e.estimate, r["estimate"], ESTIMATE),
            (e.se, r["se"], SE),
            (e.deff, r["deff"], SE),
        ],
    )


def test_raked_components_and_covariance_match_r(sample, scheme, raked_design):
    table = estimate_indices(raked_design, sample, scheme, sample["agency"])
    _check(
        table,
        read_reference("components_raked"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )
    _check_covariance(table, "overall_covariance_raked")


def test_mean_scores_and_their_intervals_match_svymean(sample, scheme):
    table = estimate_means(make_design(sample), sample, scheme, sample["agency"])
    _check(
        table,
        read_reference("means_adjust"),
        lambda e, r: [
            (e.estimate, r["estimate"], ESTIMATE),
            (e.se, r["se"], SE),
            (e.ci_low, r["ci_low"], SE),
            (e.ci_high, r["ci_high"], SE),
        ],
    )


def test_option_shares_of_four_and_five_are_the_satisfaction_index_r_computed(sample, scheme):
    """A share of answer values is svymean of an indicator: the satisfied share of each
    item (4 or 5) must equal R's item estimate, domain by domain."""
    from analysis.indices import option_shares

    items = [c for codes in scheme.components.values() for c in codes]
    shares = option_shares(make_design(sample), {c: sample[c] for c in items}, sample["agency"])
    reference = read_reference("items_adjust")
    checked = 0
    for row in reference:
        if row["code"] not in items:
            continue
        given = shares[row["agency"]][row["code"]]
        assert given.get(4, 0) + given.get(5, 0) == pytest.approx(
            float(row["estimate"]), **ESTIMATE
        )
        assert sum(given.values()) == pytest.approx(1.0)
        checked += 1
    assert checked > 0
