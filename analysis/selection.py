"""Selecting respondents with known probabilities, and what became of them: sample sizes
as provincial plans state them, inclusion probabilities, Poisson selection, and the
AAPOR outcome classes and response rates. Pure functions, no database: the platform's
sampling plan and draws (survey/dossiers/sampling.py) and its response rates
(survey/campaigns/response_rates.py) call them, and so can evaluators' scripts.
"""

from __future__ import annotations

import math
import random as _random

Z95 = 1.959963984540054
YAMANE_MARGIN = 0.05

# AAPOR's rule of thumb on the share of the index items shown that were answered.
COMPLETE_SHARE = 0.8
PARTIAL_SHARE = 0.5


def yamane(population: int, margin: float = YAMANE_MARGIN) -> int:
    """Yamane's n = N / (1 + N e²), rounded up, as provincial plans state it."""
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin**2))


def for_margin(population: int, margin: float) -> int:
    """The simple random sample that gives a 95% margin of error `margin` for a
    proportion near 50%: n0 = z² · 0.25 / e², then n0 / (1 + (n0 - 1) / N), rounded up."""
    if population <= 0:
        return 0
    n0 = Z95**2 * 0.25 / margin**2
    return math.ceil(n0 / (1 + (n0 - 1) / population))


def inclusion_probability(wanted: float, reachable: float) -> float:
    """π that brings `wanted` answers from `reachable` expected answers if all were
    invited (units × share reachable × response rate): wanted / reachable, at most 1;
    1 when nothing is reachable (invite everyone there is)."""
    if reachable <= 0:
        return 1.0
    return min(1.0, wanted / reachable)


def selected(probability: float, random: _random.Random) -> bool:
    """One unit's turn in a Poisson draw: selected with its probability π, independently
    of every other unit. Nothing of the draw is kept to replay it; the sample size varies
    by √(Σ π(1 − π)) around Σ π. `random`: the operating system's randomness in a real
    draw (random.SystemRandom), a seeded generator in a simulation."""
    return random.random() < probability


def outcome(answered: int, asked: int) -> str:
    """How an interview ended by the share of the index items shown that were answered:
    complete (≥ 80%), partial (50–80%) or breakoff (< 50%). None asked: complete."""
    if asked <= 0:
        return "complete"
    share = answered / asked
    if share >= COMPLETE_SHARE:
        return "complete"
    return "partial" if share >= PARTIAL_SHARE else "breakoff"


def rr1(complete: int, eligible: int) -> float | None:
    """AAPOR RR1 = I / (I + P + R + NC + O + UH + UO) with every unknown eligible:
    complete interviews over the eligible cases (here, every case selected)."""
    return complete / eligible if eligible else None


def rr2(complete: int, partial: int, eligible: int) -> float | None:
    """AAPOR RR2 = (I + P) / (I + P + R + NC + O + UH + UO)."""
    return (complete + partial) / eligible if eligible else None


# --- Two-stage household samples -------------------------------------------------------
# Villages within a commune, then households within a village's listing, each drawn
# without replacement with known inclusion probabilities (what 1/(π₁π₂) weights need).


def simple_random(population: int, size: int, random: _random.Random) -> tuple[list[int], float]:
    """`size` of `population` units (indexes 0..population-1) by simple random sampling
    without replacement, in increasing order, and their common inclusion probability
    size/population (all of them, with probability 1, when size ≥ population)."""
    if population <= 0:
        return [], 0.0
    if size >= population:
        return list(range(population)), 1.0
    return sorted(random.sample(range(population), size)), size / population


def pps_probabilities(sizes: list[float], size: int) -> list[float]:
    """Inclusion probabilities proportional to `sizes` summing to `size` (capped at 1):
    a unit whose share would exceed 1 is taken for certain and the rest share what is
    left, until none exceeds 1."""
    count = len(sizes)
    if size >= count:
        return [1.0] * count
    certain: set[int] = set()
    while True:
        rest = [i for i in range(count) if i not in certain]
        total = sum(sizes[i] for i in rest)
        left = size - len(certain)
        probabilities = [1.0 if i in certain else left * sizes[i] / total for i in range(count)]
        over = {i for i in rest if probabilities[i] >= 1.0}
        if not over:
            return probabilities
        certain |= over


def systematic_pps(
    sizes: list[float], size: int, random: _random.Random
) -> tuple[list[int], list[float]]:
    """`size` units with probability proportional to `sizes` (randomised systematic πps):
    the units, shuffled, laid end to end with lengths π_i, and a unit taken where a point
    of u, u + 1, u + 2, ... (u uniform in [0, 1)) falls in it. Each unit is taken with
    exactly its π_i, and exactly `size` are taken. Returns the chosen indexes (increasing)
    and every unit's π."""
    probabilities = pps_probabilities(sizes, size)
    order = list(range(len(sizes)))
    random.shuffle(order)
    start = random.random()
    chosen, end = [], 0.0
    for i in order:
        begin, end = end, end + probabilities[i]
        # A point start + j lies in [begin, end) for some whole j.
        if math.floor(end - start) > math.floor(begin - start) or probabilities[i] >= 1.0:
            chosen.append(i)
    return sorted(chosen), probabilities


def rr3(complete: int, known_eligible: int, known_not_eligible: int, unknown: int) -> float | None:
    """AAPOR RR3 = I / (I + P + R + NC + O + e·U): the cases of unknown eligibility
    (drawn households nobody has visited yet) count as eligible in the share e that the
    cases whose eligibility is known were, e = known eligible / all known."""
    known = known_eligible + known_not_eligible
    e = known_eligible / known if known else 1.0
    denominator = known_eligible + e * unknown
    return complete / denominator if denominator else None
