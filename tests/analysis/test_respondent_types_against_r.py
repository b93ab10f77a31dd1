"""Citizens and organisations weighted together, against R.

results/make_respondent_type_data.py made respondent_types.csv (answers) and
respondent_type_frames.csv (dossiers per agency × field × respondent type);
results/make_respondent_type_reference.R computed, with R's survey package and the
weighting rule written out independently: the weights (a cell without respondents folded
into its agency × type, a type without respondents into the agency's other type), and the
overall index, components and two items for each agency (the combined index), each agency
× type (svyby with the type in the domain) and each type over the province.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis import Design, cell_weights, estimate_indices
from tests.analysis.conftest import RESULTS, read_reference

ESTIMATE = {"abs": 1e-9, "rel": 0}
SE = {"rel": 1e-7, "abs": 0}


@pytest.fixture(scope="module")
def sample():
    with (RESULTS / "respondent_types.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (RESULTS / "respondent_type_frames.csv").open(encoding="utf-8") as handle:
        frames = {row["cell"]: float(row["dossiers"]) for row in csv.DictReader(handle)}
    cells = np.array([row["cell"] for row in rows])
    group_of = {cell: "|".join(cell.split("|")[::2]) for cell in frames}
    parent_of = {group: group.split("|")[0] for group in group_of.values()}
    weighting = cell_weights(cells, frames, group_of, parent_of)
    return {
        "rows": np.arange(1, len(rows) + 1),
        "agency": np.array([row["agency"] for row in rows]),
        "type": np.array([row["respondent_type"] for row in rows]),
        "cells": cells,
        "frames": frames,
        "weighting": weighting,
        "answers": {
            code: np.array([float(row[code]) if row[code] else np.nan for row in rows])
            for code in rows[0]
            if code[:2] in ("TC", "TT", "CC", "KQ", "PA")
        },
    }


def _design(sample) -> Design:
    return Design.from_columns(
        strata=sample["cells"],
        psu=sample["rows"],
        weights=sample["weighting"].weights,
        lonely_psu="adjust",
    )


def test_weights_equal_the_rule_written_out_in_r(sample):
    reference = {
        int(r["row"]): float(r["weight"]) for r in read_reference("respondent_type_weights")
    }
    assert len(reference) == sample["rows"].size
    for row, weight in zip(sample["rows"], sample["weighting"].weights, strict=True):
        assert weight == pytest.approx(reference[int(row)], rel=1e-12)


def test_each_agency_keeps_its_dossiers_and_each_answered_type_its_own(sample):
    weights, frames = sample["weighting"].weights, sample["frames"]
    for agency in np.unique(sample["agency"]):
        total = sum(n for cell, n in frames.items() if cell.startswith(f"{agency}|"))
        assert weights[sample["agency"] == agency].sum() == pytest.approx(total)
    # The commune's organisations answered (land only): they keep their 210 dossiers.
    commune_organisations = (sample["agency"] == "XA-EAKAR") & (sample["type"] == "organisation")
    assert weights[commune_organisations].sum() == pytest.approx(150 + 60)
    collapsed = {(c.cell, c.group, c.dossiers) for c in sample["weighting"].collapsed}
    assert collapsed == {
        ("XA-EAKAR|HT|organisation", "XA-EAKAR|organisation", 60.0),
        ("SXD|organisation", "SXD", 450.0),
    }
    assert sample["weighting"].unrepresented == {}


@pytest.mark.parametrize("level", ["agency", "agency × type", "type"])
def test_citizen_organisation_and_combined_indices_match_r(sample, scheme, level):
    domains = {
        "agency": sample["agency"],
        "agency × type": np.char.add(np.char.add(sample["agency"], "|"), sample["type"]),
        "type": np.char.add("all|", sample["type"]),
    }[level]
    table = estimate_indices(_design(sample), sample["answers"], scheme, domains)
    reference = [r for r in read_reference("respondent_types") if r["domain"] in table.domains]
    expected = {"agency": 3 * 8, "agency × type": 5 * 8, "type": 2 * 8}[level]
    assert len(reference) == expected
    for row in reference:
        estimate = table.get(row["domain"], row["code"])
        assert estimate.estimate == pytest.approx(float(row["estimate"]), **ESTIMATE), row
        assert estimate.se == pytest.approx(float(row["se"]), **SE), row
