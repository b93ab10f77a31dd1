"""The element design, group contrasts, key drivers and agency-preserving raking against R.

Reference values: results/make_reference.R (the second half). The element design is the
one post-service surveys use (METHODS.md §1): strata = weighting cells, PSU = respondent.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import (
    Design,
    compare_to_mean,
    design_degrees_of_freedom,
    estimate_indices,
    key_drivers,
    margins_with_missing,
    rake,
)
from tests.analysis.conftest import make_design, read_reference
from tests.analysis.test_against_r import ESTIMATE, LOGIT_CI, SE, _check

GROUPS = {"departments": ["A", "B", "C", "D"], "districts": ["E", "F", "G", "H"]}


def element_design(sample) -> Design:
    cells = np.char.add(np.char.add(sample["agency"], "|"), sample["field"])
    return Design.from_columns(
        strata=cells, psu=np.arange(sample["agency"].size), weights=sample["weight"]
    )


@pytest.fixture(scope="module")
def element(sample):
    return element_design(sample)


@pytest.fixture(scope="module")
def element_table(element, sample, scheme):
    return estimate_indices(element, sample, scheme, sample["agency"])


def test_element_design_items_match_svyby_with_respondents_as_units(element_table):
    _check(
        element_table,
        read_reference("items_element"),
        lambda e, r: [
            (e.estimate, r["estimate"], ESTIMATE),
            (e.se, r["se"], SE),
            (e.deff, r["deff"], SE),
            (e.df, r["df"], {"abs": 0, "rel": 0}),
            (e.ci_low, r["logit_low"], LOGIT_CI),
            (e.ci_high, r["logit_high"], LOGIT_CI),
        ],
    )


def test_element_design_components_and_overall_match_r(element_table):
    _check(
        element_table,
        read_reference("components_element"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )


def test_element_design_has_the_degrees_of_freedom_of_its_respondents(sample, element_table):
    """Respondents minus cells, where points as PSUs left one or two per agency: of the
    respondents who answered each statistic (an item; any item, for the index)."""
    items = [
        c
        for c in element_table.codes
        if element_table.levels[element_table.codes.index(c)] == "item"
    ]
    answered_any = np.zeros(len(sample["agency"]), dtype=bool)
    for code in items:
        answered_any |= ~np.isnan(np.asarray(sample[code], dtype=float))
    overall = element_table.column(element_table.index_code)
    for d, agency in enumerate(element_table.domains):
        for column, answered in [
            (overall, answered_any),
            *(
                (element_table.column(c), ~np.isnan(np.asarray(sample[c], dtype=float)))
                for c in items
            ),
        ]:
            inside = (sample["agency"] == agency) & answered
            cells = np.unique(sample["field"][inside]).size
            assert element_table.df[d, column] == inside.sum() - cells


@pytest.mark.parametrize(
    ("design_name", "reference"),
    [
        ("clustered", "contrasts_clustered"),
        ("element", "contrasts_element"),
    ],
)
def test_each_agency_against_its_group_mean_matches_svycontrast(
    sample, scheme, element, design_name, reference
):
    design = make_design(sample) if design_name == "clustered" else element
    table = estimate_indices(design, sample, scheme, sample["agency"])
    rows = read_reference(reference)
    assert rows
    for row in rows:
        comparisons = {
            c.domain: c
            for c in compare_to_mean(
                table,
                row["code"],
                design_df=design_degrees_of_freedom(design),
                domains=GROUPS[row["group"]],
            )
        }
        assert set(comparisons) == set(GROUPS[row["group"]])
        ours = comparisons[row["agency"]]
        assert ours.difference == pytest.approx(float(row["difference"]), **ESTIMATE)
        assert ours.se == pytest.approx(float(row["se"]), **SE)
        assert ours.df == int(row["df"])
        assert ours.p_value == pytest.approx(float(row["p"]), rel=1e-6)
        assert ours.p_holm == pytest.approx(float(row["holm"]), rel=1e-6)


def _check_drivers(model, reference):
    rows = {r["term"]: r for r in read_reference(reference)}
    assert model.intercept == pytest.approx(float(rows["(Intercept)"]["estimate"]), rel=1e-9)
    assert model.intercept_se == pytest.approx(float(rows["(Intercept)"]["se"]), **SE)
    assert [d.component for d in model.drivers] == ["TC", "TT", "CC", "KQ"]
    for driver in model.drivers:
        row = rows[f"score_{driver.component}"]
        assert driver.coefficient == pytest.approx(float(row["estimate"]), rel=1e-9)
        assert driver.se == pytest.approx(float(row["se"]), **SE)
        assert driver.p_value == pytest.approx(float(row["p"]), rel=1e-6)
        assert model.df == int(row["df"])
    # Importance with its delta-method SE and interval: R's svycontrast of the ratio.
    importance = {r["term"]: r for r in read_reference(reference.replace("drivers", "importance"))}
    for driver in model.drivers:
        row = importance[f"score_{driver.component}"]
        assert driver.importance == pytest.approx(float(row["importance"]), rel=1e-9)
        assert driver.importance_se == pytest.approx(float(row["se"]), **SE)
        assert driver.importance_low == pytest.approx(float(row["low"]), rel=1e-7, abs=1e-12)
        assert driver.importance_high == pytest.approx(float(row["high"]), rel=1e-7)
        assert driver.importance_low <= driver.importance <= driver.importance_high
        assert model.r_squared == pytest.approx(float(row["r_squared"]), rel=1e-9)


@pytest.mark.parametrize(
    ("design_name", "reference"),
    [
        ("clustered", "drivers_clustered"),
        ("element", "drivers_element"),
    ],
)
def test_key_drivers_match_svyglm(sample, scheme, element, design_name, reference):
    design = make_design(sample) if design_name == "clustered" else element
    model = key_drivers(design, sample, scheme, outcome=sample["HL"])
    assert model.left_out == ["PA"]
    _check_drivers(model, reference)
    assert sum(d.importance for d in model.drivers) == pytest.approx(1.0)


def test_the_civil_servant_drives_the_global_item_most(sample, scheme, element):
    """The sample was made with CC the strongest driver of HL: importance must say so,
    which regressing the index on its own components could never tell."""
    model = key_drivers(element, sample, scheme, outcome=sample["HL"])
    top = max(model.drivers, key=lambda d: d.importance)
    assert top.component == "CC"
    assert 0 < model.r_squared < 0.9


@pytest.fixture(scope="module")
def raked_by_agency(sample, element):
    gender = np.where(np.arange(1, sample["agency"].size + 1) % 7 == 0, "", sample["gender"])
    variables, targets = margins_with_missing(
        {"gender": gender}, {"gender": {"F": 0.51, "M": 0.49}}, element.weights
    )
    agency_totals = {
        a: float(element.weights[sample["agency"] == a].sum()) for a in np.unique(sample["agency"])
    }
    return rake(
        element,
        {"agency": sample["agency"], **variables},
        {"agency": agency_totals, **targets},
        tolerance=1e-12,
    )


def test_raking_with_the_agency_and_a_missing_level_matches_calibrate(raked_by_agency):
    theirs = np.array([float(r["weight"]) for r in read_reference("raked_agency_weights")])
    assert raked_by_agency.weights == pytest.approx(theirs, rel=1e-9)


def test_raking_keeps_every_agency_at_its_frame_total(sample, element, raked_by_agency):
    for agency in np.unique(sample["agency"]):
        inside = sample["agency"] == agency
        assert raked_by_agency.weights[inside].sum() == pytest.approx(
            element.weights[inside].sum(), rel=1e-10
        )


def test_raked_items_components_and_drivers_match_r(sample, scheme, raked_by_agency):
    table = estimate_indices(raked_by_agency, sample, scheme, sample["agency"])
    _check(
        table,
        read_reference("items_raked_agency"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )
    _check(
        table,
        read_reference("components_raked_agency"),
        lambda e, r: [(e.estimate, r["estimate"], ESTIMATE), (e.se, r["se"], SE)],
    )
    model = key_drivers(raked_by_agency, sample, scheme, outcome=sample["HL"])
    _check_drivers(model, "drivers_raked_agency")
