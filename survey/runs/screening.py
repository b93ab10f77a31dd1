"""Data-quality screening before estimation: each rule flags submissions with a reason.

Rules: speeders (a web form finished faster than the questionnaire's minimum), straight
lines (the same level for every one of at least ten satisfaction answers), repeated
dossier codes (a later form with the dossier code of an earlier one: the first stands),
bursts (more than a few forms from one client at one point within minutes), and
submissions dated outside the campaign period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from survey.questionnaires.definition import Definition
from survey.runs.extract import RunInput

STRAIGHT_LINE_MIN_ANSWERS = 10
BURST_SIZE = 5
BURST_WINDOW = timedelta(minutes=10)
WEB = ("web-qr", "web-link", "kiosk")


@dataclass(frozen=True)
class Screening:
    reasons: dict[int, list[str]]  # submission id -> rules it broke
    counts: dict[str, int]  # rule -> submissions it flagged

    @property
    def flagged(self) -> set[int]:
        return set(self.reasons)


def screen(
    data: RunInput,
    definition: Definition,
    period: tuple[date, date],
    local_days: np.ndarray | None = None,
) -> Screening:
    """`local_days`: each row's day in the province's zone (default: the UTC day)."""
    rules = {
        "speeder": _speeders(data, definition),
        "straight_line": _straight_lines(data, definition),
        "repeated_dossier": _repeated_dossiers(data),
        "burst": _bursts(data),
        "outside_period": _outside(data, period, local_days),
    }
    reasons: dict[int, list[str]] = {}
    for rule, mask in rules.items():
        for submission_id in data.ids[mask]:
            reasons.setdefault(int(submission_id), []).append(rule)
    return Screening(reasons=reasons, counts={rule: int(m.sum()) for rule, m in rules.items()})


def _speeders(data: RunInput, definition: Definition) -> np.ndarray:
    minimum = (definition.content.get("screening") or {}).get("min_seconds")
    if minimum is None:
        return np.zeros(len(data), dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.isin(data.channel, WEB) & (data.duration < minimum)


def _straight_lines(data: RunInput, definition: Definition) -> np.ndarray:
    codes = [q.code for q in definition.satisfaction_items]
    matrix = np.column_stack([data.answers[c] for c in codes]) if codes else np.zeros((0, 0))
    answered = ~np.isnan(matrix)
    count = answered.sum(axis=1)
    low = np.where(answered, matrix, np.inf).min(axis=1)
    high = np.where(answered, matrix, -np.inf).max(axis=1)
    return (count >= STRAIGHT_LINE_MIN_ANSWERS) & (low == high)


def _repeated_dossiers(data: RunInput) -> np.ndarray:
    """Every form but the first (lowest id: stored first) that carries a dossier code."""
    flagged = np.zeros(len(data), dtype=bool)
    seen: set[str] = set()
    for index in np.argsort(data.ids, kind="stable"):
        dossier = data.dossier[index]
        if not dossier:
            continue
        if dossier in seen:
            flagged[index] = True
        seen.add(dossier)
    return flagged


def _bursts(data: RunInput) -> np.ndarray:
    flagged = np.zeros(len(data), dtype=bool)
    known = np.flatnonzero(np.array([bool(c) for c in data.client], dtype=bool))
    if known.size < BURST_SIZE:
        return flagged
    # Group by (client, point) and keep only groups big enough to be a burst.
    keys = np.char.add(np.char.add(data.client[known].astype(str), "|"), data.point[known])
    _, group, sizes = np.unique(keys, return_inverse=True, return_counts=True)
    candidates = known[sizes[group] >= BURST_SIZE]
    groups: dict[str, list[int]] = {}
    for index, key in zip(candidates.tolist(), keys[sizes[group] >= BURST_SIZE], strict=True):
        groups.setdefault(key, []).append(index)
    window = np.timedelta64(BURST_WINDOW)
    for indices in groups.values():
        rows = np.array(indices)
        rows = rows[np.argsort(data.submitted_at[rows], kind="stable")]
        times = data.submitted_at[rows]
        start = 0
        for end in range(rows.size):
            while times[end] - times[start] > window:
                start += 1
            if end - start + 1 >= BURST_SIZE:
                flagged[rows[start : end + 1]] = True
    return flagged


def _outside(data: RunInput, period: tuple[date, date], days: np.ndarray | None) -> np.ndarray:
    """Forms dated outside the period: web answers by the local day they were sent, paper
    forms by the date written on them. A paper form's own time is when it was keyed (up
    to SURVEY_PAPER_KEYING_DAYS after the last day), which says nothing about the period;
    a paper form without a date is not flagged (forms are issued only during it)."""
    first, last = period
    if days is None:
        days = data.submitted_at.astype("datetime64[D]")
    paper = data.channel == "paper"
    days = np.where(paper, data.interviewed_on, days)
    # NaT compares false both ways: an undated paper form is never outside.
    return (days < np.datetime64(first)) | (days > np.datetime64(last))
