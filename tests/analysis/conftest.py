"""The sample R's reference values were computed from, and helpers to compare with them."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from analysis.design import Design
from analysis.scheme import IndexScheme

RESULTS = Path(__file__).resolve().parent / "results"
QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / "sipas-citizen.yaml"
TEXT_COLUMNS = ("agency", "field", "gender", "age_band")


def read_sample() -> dict[str, np.ndarray]:
    with (RESULTS / "responses.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for name in rows[0]:
        raw = [row[name] for row in rows]
        if name in TEXT_COLUMNS:
            columns[name] = np.array(raw)
        else:
            columns[name] = np.array([float(v) if v != "" else np.nan for v in raw])
    return columns


def read_reference(name: str) -> list[dict[str, str]]:
    with (RESULTS / f"reference_{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_margins() -> dict[str, dict[str, float]]:
    targets: dict[str, dict[str, float]] = {}
    with (RESULTS / "margins.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            targets.setdefault(row["variable"], {})[row["level"]] = float(row["target"])
    return targets


@pytest.fixture(scope="session")
def sample():
    return read_sample()


@pytest.fixture(scope="session")
def scheme():
    return IndexScheme.from_questionnaire(QUESTIONNAIRE)


def make_design(sample, *, lonely_psu="adjust", fpc=False) -> Design:
    return Design.from_columns(
        strata=sample["stratum"].astype(int),
        psu=sample["psu"].astype(int),
        weights=sample["weight"],
        fpc=sample["fpc"] if fpc else None,
        lonely_psu=lonely_psu,
    )
