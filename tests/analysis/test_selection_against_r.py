"""Design weights from selection probabilities, and the late/on-time gap, against R.

results/make_selection_data.py made selection_sample.csv (every drawn invitation,
answered or not); results/make_selection_reference.R computed with R's survey package:
weights from `svydesign(ids = ~1, strata = ~cell, probs = ~prob_adjusted)` (1/π with the
within-cell nonresponse adjustment), item indices per agency, and the gap between on-time
and late dossiers per agency (svycontrast). Tolerances as in test_against_r.py.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis import Design, estimate_indices, gaps, selection_weights
from analysis.compare import units_less_strata
from tests.analysis.conftest import RESULTS, read_reference

ESTIMATE = {"abs": 1e-9, "rel": 0}
SE = {"rel": 1e-7, "abs": 0}


@pytest.fixture(scope="module")
def drawn():
    with (RESULTS / "selection_sample.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=1):
        row["row"] = number
    return rows


@pytest.fixture(scope="module")
def respondents(drawn):
    selected: dict[str, float] = {}
    for row in drawn:
        selected[row["cell"]] = selected.get(row["cell"], 0.0) + 1 / float(row["prob"])
    answered = [row for row in drawn if row["responded"] == "1"]
    cells = np.array([row["cell"] for row in answered])
    weighting = selection_weights(
        cells,
        np.array([float(row["prob"]) for row in answered]),
        selected,
        {cell: cell.split("|")[0] for cell in selected},
    )
    columns = {
        code: np.array([float(row[code]) if row[code] else np.nan for row in answered])
        for code in answered[0]
        if code[:2] in ("TC", "TT", "CC", "KQ", "PA")
    }
    return {
        "rows": np.array([row["row"] for row in answered]),
        "agency": np.array([row["agency"] for row in answered]),
        "timeliness": np.array(["late" if row["late"] == "1" else "on_time" for row in answered]),
        "cells": cells,
        "weights": weighting.weights,
        "selected": selected,
        "answers": columns,
    }


def _design(respondents) -> Design:
    return Design.from_columns(
        strata=respondents["cells"],
        psu=respondents["rows"],
        weights=respondents["weights"],
        lonely_psu="adjust",
    )


def test_weights_equal_r_from_probabilities(respondents):
    reference = {int(r["row"]): float(r["weight"]) for r in read_reference("selection_weights")}
    assert len(reference) == respondents["rows"].size
    for row, weight in zip(respondents["rows"], respondents["weights"], strict=True):
        assert weight == pytest.approx(reference[int(row)], rel=1e-12)
    # Each cell's weights add up to the dossiers its selections stand for.
    for cell, total in respondents["selected"].items():
        assert respondents["weights"][respondents["cells"] == cell].sum() == pytest.approx(total)


def test_item_indices_match_svyby(respondents, scheme):
    table = estimate_indices(
        _design(respondents), respondents["answers"], scheme, respondents["agency"]
    )
    reference = read_reference("selection_items")
    assert reference
    for row in reference:
        estimate = table.get(row["agency"], row["code"])
        assert estimate.estimate == pytest.approx(float(row["estimate"]), **ESTIMATE), row
        assert estimate.se == pytest.approx(float(row["se"]), **SE), row


def test_late_and_on_time_gap_matches_svycontrast(respondents, scheme):
    design = _design(respondents)
    domains = np.char.add(
        np.char.add(respondents["agency"].astype(str), "|"), respondents["timeliness"]
    )
    table = estimate_indices(design, respondents["answers"], scheme, domains)
    agencies = sorted(set(respondents["agency"]))
    df = {a: units_less_strata(design, respondents["agency"] == a) for a in agencies}
    reference = read_reference("selection_gap")
    assert {r["code"] for r in reference} == {"TC1", "SIPAS"}
    for row in reference:
        found = {g.group: g for g in gaps(table, row["code"], "on_time", "late", df=df)}
        gap = found[row["agency"]]
        assert gap.difference == pytest.approx(float(row["gap"]), **ESTIMATE), row
        assert gap.se == pytest.approx(float(row["se"]), **SE), row
        assert gap.ci_low < gap.difference < gap.ci_high
