"""Selection maths without a database (analysis/selection.py): sample sizes, π, the
Poisson draw's inclusion frequencies and independence, AAPOR outcomes and rates."""

import random

import numpy as np
import pytest

from analysis import selection


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        # n = N / (1 + N e²), rounded up: 400 / (1 + 400 × 0.0025) = 200.
        (400, 0.05, 200),
        (100, 0.05, 80),  # 100 / 1.25
        (1000, 0.05, 286),  # 1000 / 3.5 = 285.7
        (7, 0.05, 7),  # 7 / 1.0175 = 6.88
        (0, 0.05, 0),
    ],
)
def test_yamane_as_provincial_plans_state_it(population, margin, expected):
    assert selection.yamane(population, margin) == expected


def test_the_sample_for_a_margin_of_error_by_hand():
    # n0 = 1.96² × 0.25 / 0.1² = 96.04; n = 96.04 / (1 + 95.04 / 400) = 77.6 -> 78.
    assert selection.for_margin(400, 0.10) == 78
    # No finite population to speak of: n0 itself, 384.1 -> 385.
    assert selection.for_margin(10**9, 0.05) == 385
    assert selection.for_margin(0, 0.05) == 0


def test_the_inclusion_probability_brings_the_planned_answers_and_never_exceeds_one():
    # 200 answers wanted from 1,000 dossiers, 80% with a phone, 30% answering: 240
    # answers if all were invited, so π = 200 / 240.
    assert selection.inclusion_probability(200, 1000 * 0.8 * 0.3) == pytest.approx(200 / 240)
    assert selection.inclusion_probability(300, 240) == 1.0
    assert selection.inclusion_probability(5, 0) == 1.0


def test_the_poisson_draw_selects_each_unit_with_its_probability_independently():
    """20,000 simulated draws of 6 units with different π: each unit's share of draws is
    its π (within 4 standard errors), pairs are selected together with π_i π_j (the draw
    has no memory: a selected neighbour says nothing), and the sample size varies by
    √Σπ(1 − π) around Σπ."""
    probabilities = np.array([0.05, 0.2, 0.2, 0.5, 0.9, 1.0])
    draws = 20_000
    generator = random.Random(7)
    chosen = np.array(
        [[selection.selected(p, generator) for p in probabilities] for _ in range(draws)]
    )
    share = chosen.mean(axis=0)
    error = np.sqrt(probabilities * (1 - probabilities) / draws)
    assert np.all(np.abs(share - probabilities) <= 4 * error + 1e-12), share
    assert share[-1] == 1.0, "π = 1: always"
    for i, j in ((1, 2), (2, 3), (0, 4)):
        both = (chosen[:, i] & chosen[:, j]).mean()
        expected = probabilities[i] * probabilities[j]
        assert abs(both - expected) <= 4 * np.sqrt(expected * (1 - expected) / draws)
    sizes = chosen.sum(axis=1)
    assert sizes.mean() == pytest.approx(probabilities.sum(), abs=0.03)
    spread = np.sqrt((probabilities * (1 - probabilities)).sum())
    assert sizes.std() == pytest.approx(spread, rel=0.05)


@pytest.mark.parametrize(
    ("answered", "asked", "expected"),
    [(10, 10, "complete"), (8, 10, "complete"), (7, 10, "partial"), (5, 10, "partial"),
     (4, 10, "breakoff"), (0, 10, "breakoff"), (0, 0, "complete")],
)  # fmt: skip
def test_outcomes_by_the_share_of_index_items_answered(answered, asked, expected):
    assert selection.outcome(answered, asked) == expected


def test_response_rates_against_a_hand_worked_table():
    """100 links drawn: 30 complete, 10 partial, 20 refused or broken off, 40 never
    opened. RR1 = 30 / 100, RR2 = (30 + 10) / 100; none drawn: no rate."""
    complete, partial, refused, no_contact = 30, 10, 20, 40
    selected = complete + partial + refused + no_contact
    assert selection.rr1(complete, selected) == 0.30
    assert selection.rr2(complete, partial, selected) == 0.40
    assert selection.rr1(0, 0) is None
    assert selection.rr2(0, 0, 0) is None
