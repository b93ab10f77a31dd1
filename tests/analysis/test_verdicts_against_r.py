"""Verdicts that survive their own interval, against R (make_verdict_reference.R):

- an agency at 100% (12 answers, all satisfied) has a linearised SE of zero; compared with
  its group's mean it enters with the variance its Korn–Graubard interval implies, so the
  test is no longer certain of what the data cannot tell;
- a district of the earlier campaign split into two communes is compared with its parts
  combined by their dossiers (R's svycontrast), not with each part;
- the late-dossier gap takes the smaller domain's degrees of freedom.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis import (
    Design,
    IndexScheme,
    compare_combined,
    compare_to_mean,
    estimate_indices,
    gaps,
    guarded_variance,
)
from analysis.compare import units_less_strata
from analysis.intervals import t_quantile
from tests.analysis.conftest import RESULTS, read_reference

SCHEME = IndexScheme(code="X", threshold=4, components={"C": ("Q1",)})
GROUP = ("FULL", "MID1", "MID2", "LOW")


def _data(campaign: str) -> dict[str, np.ndarray]:
    with (RESULTS / "verdict_data.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["campaign"] == campaign]
    return {
        name: np.array(
            [row[name] for row in rows], dtype=float if name in ("weight", "Q1") else object
        )
        for name in rows[0]
    }


def _design(data) -> Design:
    return Design.from_columns(strata=data["stratum"], psu=data["psu"], weights=data["weight"])


@pytest.fixture(scope="module")
def now():
    data = _data("now")
    return data, _design(data)


def _number(text: str) -> float:
    return float(text)


def test_an_agency_at_100_percent_is_compared_on_its_intervals_variance(now):
    data, design = now
    table = estimate_indices(design, {"Q1": data["Q1"]}, SCHEME, data["agency"])
    reference = {r["agency"]: r for r in read_reference("verdict_group")}
    vcov_rows = read_reference("verdict_group_vcov")
    order = [r["agency"] for r in vcov_rows]
    v = np.array([[_number(r[a]) for a in order] for r in vcov_rows])
    # Ours equal R's estimate, linearised SE, df and (at the boundary) KG interval.
    for agency, r in reference.items():
        entry = table.get(agency, "X")
        assert entry.estimate == pytest.approx(_number(r["estimate"]), abs=1e-12)
        assert entry.se == pytest.approx(_number(r["se"]), abs=1e-12)
        assert entry.df == int(r["df"])
    full = table.get("FULL", "X")
    assert (full.ci_low, full.ci_high) == pytest.approx(
        (_number(reference["FULL"]["beta_low"]), _number(reference["FULL"]["beta_high"])), abs=1e-12
    )
    # What R's svycontrast gives (the linearised SE, FULL's variance zero) …
    compared = {c.domain: c for c in compare_to_mean(table, "X", design_df=100, domains=GROUP)}
    assert compared["FULL"].difference == pytest.approx(
        _number(reference["FULL"]["difference"]), abs=1e-12
    )
    # … and what the verdict rests on: FULL's variance from its own interval.
    implied = (
        (_number(reference["FULL"]["beta_high"]) - _number(reference["FULL"]["beta_low"]))
        / (2 * t_quantile(np.array(float(reference["FULL"]["df"])), 0.95))
    ) ** 2
    guarded = v.copy()
    i = order.index("FULL")
    guarded[i, i] = implied
    for agency in GROUP:
        contrast = np.full(len(order), -1 / len(order))
        contrast[order.index(agency)] += 1
        expected = np.sqrt(contrast @ guarded @ contrast)
        assert compared[agency].se == pytest.approx(expected, rel=1e-9), agency
        # The group mean holds FULL too: every contrast is wider than R's linearised one.
        assert compared[agency].se > _number(reference[agency]["linear_se"]), agency
        assert compared[agency].boundary == (agency == "FULL")
    variance, at_edge = guarded_variance(
        np.array([1.0, 0.5]),
        np.array([0.0, 0.1]),
        np.array([0.7, 0.3]),
        np.array([1.0, 0.7]),
        np.array([10.0, 10.0]),
    )
    assert list(at_edge) == [True, False]
    assert variance[1] == pytest.approx(0.01)


def test_a_split_district_is_compared_with_its_parts_combined(now):
    data, design = now
    table = estimate_indices(design, {"Q1": data["Q1"]}, SCHEME, data["agency"])
    then = _data("then")
    earlier = estimate_indices(_design(then), {"Q1": then["Q1"]}, SCHEME, then["agency"])
    parent = earlier.get("PARENT", "X")
    (r,) = read_reference("verdict_split")
    parts_df = units_less_strata(design, np.isin(data["agency"], ["P1", "P2"]))
    change = compare_combined(
        table,
        "X",
        {"P1": 400, "P2": 900},
        earlier=parent.estimate,
        earlier_se=parent.se,
        df=min(parts_df, parent.df),
    )
    assert change.estimate == pytest.approx(_number(r["combined"]), abs=1e-12)
    assert change.se == pytest.approx(_number(r["combined_se"]), rel=1e-9)
    assert change.earlier_se == pytest.approx(_number(r["parent_se"]), rel=1e-9)
    assert change.difference == pytest.approx(_number(r["difference"]), abs=1e-12)
    assert change.difference_se == pytest.approx(_number(r["se"]), rel=1e-9)
    assert change.df == int(r["df"])
    assert change.p_value == pytest.approx(_number(r["p"]), rel=1e-9)


def test_the_late_dossier_gap_takes_the_smaller_domains_degrees_of_freedom(now):
    data, design = now
    inside = data["agency"] == "GAP"
    domains = np.where(inside, np.char.add("GAP|", data["timeliness"].astype(str)), None)
    table = estimate_indices(design, {"Q1": data["Q1"]}, SCHEME, domains)
    (r,) = read_reference("verdict_gap")
    smaller = min(
        units_less_strata(design, inside & (data["timeliness"] == kind))
        for kind in ("on_time", "late")
    )
    (gap,) = gaps(table, "X", "on_time", "late", df={"GAP": smaller})
    assert gap.difference == pytest.approx(_number(r["difference"]), abs=1e-12)
    assert gap.se == pytest.approx(_number(r["se"]), rel=1e-9)
    assert gap.df == int(r["df"]) < int(r["agency_df"])
    assert (gap.ci_low, gap.ci_high) == pytest.approx(
        (_number(r["ci_low"]), _number(r["ci_high"])), rel=1e-9
    )
