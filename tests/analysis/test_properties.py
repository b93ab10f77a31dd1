"""Properties any design-based estimator must have, checked on random designs (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import Design, IndexScheme, estimate_indices, rake

SCHEME = IndexScheme(code="SIPAS", threshold=4, components={"A": ("Q1", "Q2"), "B": ("Q3",)})
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def surveys(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(40, 200))
    strata = draw(st.integers(1, 5))
    stratum = rng.integers(0, strata, n)
    psu = stratum * 100 + rng.integers(0, 4, n)
    domain = rng.choice(["x", "y", "z"], n)
    weights = rng.uniform(0.5, 20, n)
    answers = {}
    for code in SCHEME.items:
        values = rng.integers(1, 6, n).astype(float)
        values[rng.random(n) < 0.15] = np.nan
        answers[code] = values
    rule = draw(st.sampled_from(["adjust", "remove", "certainty", "average"]))
    return {
        "stratum": stratum,
        "psu": psu,
        "domain": domain,
        "weights": weights,
        "answers": answers,
        "rule": rule,
        "rng": rng,
    }


def _table(survey, weights=None, order=None, answers=None):
    order = np.arange(survey["weights"].size) if order is None else order
    design = Design.from_columns(
        strata=survey["stratum"][order],
        psu=survey["psu"][order],
        weights=(survey["weights"] if weights is None else weights)[order],
        lonely_psu=survey["rule"],
    )
    answers = survey["answers"] if answers is None else answers
    return estimate_indices(
        design, {k: v[order] for k, v in answers.items()}, SCHEME, survey["domain"][order]
    )


def _same(a, b):
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-8, atol=1e-12)


@SETTINGS
@given(surveys(), st.floats(0.01, 1000))
def test_scaling_all_weights_changes_nothing(survey, factor):
    _same(_table(survey), _table(survey, weights=survey["weights"] * factor))


@SETTINGS
@given(surveys())
def test_the_order_of_rows_changes_nothing(survey):
    order = survey["rng"].permutation(survey["weights"].size)
    _same(_table(survey), _table(survey, order=order))


@SETTINGS
@given(surveys())
def test_a_domain_does_not_depend_on_other_domains_answers(survey):
    changed = {code: values.copy() for code, values in survey["answers"].items()}
    others = survey["domain"] != "x"
    for values in changed.values():
        values[others] = survey["rng"].integers(1, 6, others.sum())
    before, after = _table(survey), _table(survey, answers=changed)
    if "x" in before.domains:
        d = before.domain_index("x")
        np.testing.assert_allclose(before.estimate[d], after.estimate[d], rtol=1e-12)
        np.testing.assert_allclose(before.se[d], after.se[d], rtol=1e-10)


@SETTINGS
@given(surveys())
def test_each_domain_alone_equals_its_row_in_the_table(survey):
    """svyby and a subset give the same numbers: domains are estimated independently."""
    table = _table(survey)
    for d, domain in enumerate(table.domains):
        mask = survey["domain"] == domain
        alone = estimate_indices(
            Design.from_columns(
                strata=survey["stratum"],
                psu=survey["psu"],
                weights=survey["weights"],
                lonely_psu=survey["rule"],
            ),
            survey["answers"],
            SCHEME,
            np.where(mask, domain, ""),
        )
        np.testing.assert_allclose(alone.estimate[0], table.estimate[d], rtol=1e-12)
        np.testing.assert_allclose(alone.se[0], table.se[d], rtol=1e-10)


def test_raking_meets_every_margin_and_scaling_margins_scales_weights():
    rng = np.random.default_rng(3)
    n = 500
    gender = rng.choice(["F", "M"], n)
    age = rng.choice(["young", "old"], n, p=[0.3, 0.7])
    design = Design.from_columns(strata=None, psu=np.arange(n), weights=rng.uniform(1, 3, n))
    targets = {"gender": {"F": 600.0, "M": 400.0}, "age": {"young": 500.0, "old": 500.0}}
    raked = rake(design, {"gender": gender, "age": age}, targets)
    assert raked.weights[gender == "F"].sum() == pytest.approx(600, rel=1e-10)
    assert raked.weights[age == "young"].sum() == pytest.approx(500, rel=1e-10)
    doubled = rake(
        design,
        {"gender": gender, "age": age},
        {v: {k: 2 * t for k, t in levels.items()} for v, levels in targets.items()},
    )
    np.testing.assert_allclose(doubled.weights, 2 * raked.weights, rtol=1e-9)
