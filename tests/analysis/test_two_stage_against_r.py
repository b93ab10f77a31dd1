"""A two-stage household design against R's survey package: villages drawn within
communes, households within villages, population numbers at both stages (values made by
results/make_two_stage_reference.R from results/households.csv):

    svydesign(ids = ~village + household, strata = ~commune,
              fpc = ~N_villages + N_households, weights = ~weight, nest = TRUE)

Tolerances as for the one-stage design (METHODS.md): estimates 1e-9, SEs 1e-7 relative.
Where a domain has a single village drawn (XA4: 0 degrees of freedom) R's "adjust" rule
still prints an SE; the platform says the variance cannot be estimated (NaN, METHODS.md
§3), and the tests check that instead.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis.design import Design
from analysis.errors import DesignError
from analysis.indices import estimate_indices
from tests.analysis.conftest import RESULTS, read_reference

ESTIMATE = {"abs": 1e-9, "rel": 0}
SE = {"rel": 1e-7, "abs": 0}


@pytest.fixture(scope="module")
def households() -> dict[str, np.ndarray]:
    with (RESULTS / "households.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    text = ("commune", "gender", "village", "household")
    return {
        name: np.array([row[name] for row in rows])
        if name in text
        else np.array([float(row[name]) if row[name] else np.nan for row in rows])
        for name in rows[0]
    }


def _close(ours: float, theirs: str, tolerance) -> bool:
    """Equal within the tolerance; where R has no value (0/0: everyone satisfied), neither
    have we."""
    if np.isnan(float(theirs)):
        return bool(np.isnan(ours))
    return ours == pytest.approx(float(theirs), **tolerance)


def _same_se(ours: float, theirs: str, df: int) -> bool:
    if df < 1:
        return bool(np.isnan(ours))
    return ours == pytest.approx(float(theirs), **SE)


def two_stage(data, **options) -> Design:
    return Design.from_columns(
        strata=data["commune"],
        psu=data["village"],
        weights=data["weight"],
        fpc=data["N_villages"],
        ssu=data["household"],
        fpc2=data["N_households"],
        **options,
    )


@pytest.fixture(scope="module", params=["commune", "gender"])
def by(request):
    return request.param


@pytest.fixture(scope="module")
def table(households, scheme, by):
    return estimate_indices(two_stage(households), households, scheme, households[by])


def test_items_match_svyby_with_both_stages(table, by):
    reference = read_reference(f"two_stage_items_{by}")
    assert reference
    for row in reference:
        e = table.get(row["domain"], row["code"])
        assert e.estimate == pytest.approx(float(row["estimate"]), **ESTIMATE), row
        assert e.df == int(row["df"]), row
        assert _same_se(e.se, row["se"], e.df), row
        if e.df < 1:
            continue
        assert _close(e.deff, row["deff"], SE), row
        if float(row["estimate"]) in (0.0, 1.0):
            # R's logit interval degenerates to a point there; ours falls back to the
            # Korn–Graubard one (METHODS.md §3), as for one stage.
            continue
        assert _close(e.ci_low, row["logit_low"], {"rel": 1e-8}), row
        assert _close(e.ci_high, row["logit_high"], {"rel": 1e-8}), row


def test_components_and_overall_match_svytotal_of_influence_values(table, by):
    reference = read_reference(f"two_stage_components_{by}")
    assert {r["code"] for r in reference} >= {"TC", "PA", "SIPAS"}
    for row in reference:
        e = table.get(row["domain"], row["code"])
        assert e.estimate == pytest.approx(float(row["estimate"]), **ESTIMATE), row
        assert _same_se(e.se, row["se"], e.df), row


def test_the_covariance_between_domains_matches_svytotal(table, by):
    reference = read_reference(f"two_stage_covariance_{by}")
    ours = table.covariance("SIPAS")
    estimable = ~np.isnan(table.se[:, table.column("SIPAS")])
    for i, row in enumerate(reference):
        assert table.domains[i] == row["domain"]
        for j, domain in enumerate(table.domains):
            if not (estimable[i] and estimable[j]):
                assert np.isnan(ours[i, j])
                continue
            assert ours[i, j] == pytest.approx(float(row[f"z_{domain}"]), rel=1e-7, abs=1e-15)


def test_the_second_stage_is_not_forgotten(households, scheme):
    """Read as one stage (villages only), the SEs are R's one-stage ones, and smaller:
    with the first stage's fpc, the households' own variance is what the second adds."""
    one = Design.from_columns(
        strata=households["commune"], psu=households["village"],
        weights=households["weight"], fpc=households["N_villages"],
    )  # fmt: skip
    single = estimate_indices(one, households, scheme, households["commune"])
    both = estimate_indices(two_stage(households), households, scheme, households["commune"])
    for row in read_reference("two_stage_components_one_stage"):
        e = single.get(row["domain"], row["code"])
        assert _same_se(e.se, row["se"], e.df), row
    overall = single.column("SIPAS")
    estimable = ~np.isnan(single.se[:, overall])
    assert (both.se[estimable, overall] > single.se[estimable, overall]).all()
    # Where every village was taken (XA3), the first stage adds nothing: all of its
    # variance is the households'.
    xa3 = single.domains.index("XA3")
    assert single.se[xa3, overall] == 0
    assert both.se[xa3, overall] > 0


def test_without_first_stage_sizes_the_second_stage_changes_nothing(households, scheme):
    """With replacement at the first stage (no fpc), R's ultimate-cluster variance:
    the second stage adds nothing, and so no fpc2 is needed."""
    options = {"strata": households["commune"], "psu": households["village"],
               "weights": households["weight"]}  # fmt: skip
    plain = estimate_indices(Design.from_columns(**options), households, scheme, None)
    with_ssu = estimate_indices(
        Design.from_columns(**options, ssu=households["household"]), households, scheme, None
    )
    assert np.array_equal(plain.se, with_ssu.se)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fpc2": None}, r"second stage's population sizes \(fpc2\) are needed"),
        ({"ssu": None}, r"need its units \(ssu\)"),
        (
            {"fpc2": "small"},
            r"second stage: population size \(fpc2\) 3 of PSU XA1-T1 is "
            "smaller than its 6 sampled units",
        ),
        ({"lonely_psu": "fail"}, r"second stage: PSU XA2-T1 has only one unit \(H001\)"),
        ({"lonely_psu": "average"}, "'average' cannot take a second stage"),
    ],
)
def test_a_broken_second_stage_is_refused_naming_it(households, change, message):
    options = {
        "strata": households["commune"], "psu": households["village"],
        "weights": households["weight"], "fpc": households["N_villages"],
        "ssu": households["household"], "fpc2": households["N_households"],
    }  # fmt: skip
    for key, value in change.items():
        if value == "small":
            value = np.minimum(households["N_households"], 3)
        options[key] = value
    with pytest.raises(DesignError, match=message):
        Design.from_columns(**options)


def test_the_command_line_takes_the_second_stage(tmp_path, capsys):
    from analysis.cli import main
    from tests.analysis.conftest import QUESTIONNAIRE

    out = tmp_path / "out.csv"
    arguments = [
        "indices", "--input", str(RESULTS / "households.csv"), "--questionnaire",
        str(QUESTIONNAIRE), "--domain", "commune", "--strata", "commune", "--psu", "village",
        "--weight", "weight", "--fpc", "N_villages", "--ssu", "household", "--fpc2",
        "N_households", "--output", str(out),
    ]  # fmt: skip
    assert main(arguments) == 0
    with out.open(encoding="utf-8") as handle:
        printed = {(r["agency"], r["code"]): r for r in csv.DictReader(handle)}
    for row in read_reference("two_stage_components_commune"):
        if row["domain"] == "XA4":
            continue  # one village drawn: no variance (see the module's note)
        ours = float(printed[(row["domain"], row["code"])]["se"])
        assert ours == pytest.approx(100 * float(row["se"]), **SE), row
    capsys.readouterr()
    # Without the first stage's sizes, the second stage needs none either (R's ultimate
    # cluster); with them, it does, and the message says so.
    fpc = arguments.index("--fpc")
    assert main(arguments[:fpc] + arguments[fpc + 2 :]) == 0
    fpc2 = arguments.index("--fpc2")
    assert main(arguments[:fpc2] + arguments[fpc2 + 2 :]) != 0
    assert "(fpc2) are needed" in capsys.readouterr().err
