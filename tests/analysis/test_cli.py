"""The command line contract: `python -m analysis indices ...`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import estimate_indices
from analysis.cli import COLUMNS, main
from tests.analysis.conftest import QUESTIONNAIRE, RESULTS, make_design, read_reference

RESPONSES = RESULTS / "responses.csv"
MARGINS = RESULTS / "margins.csv"
BASE = [
    "indices",
    "--input",
    str(RESPONSES),
    "--questionnaire",
    str(QUESTIONNAIRE),
    "--domain",
    "agency",
    "--strata",
    "stratum",
    "--psu",
    "psu",
    "--weight",
    "weight",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_output_has_the_contract_columns_in_percent(tmp_path, sample, scheme, capsys):
    out = tmp_path / "out.csv"
    assert main([*BASE, "--output", str(out)]) == 0
    assert capsys.readouterr().out == "", "nothing on stdout when --output is given"
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    rows = _read(out)
    table = estimate_indices(make_design(sample), sample, scheme, sample["agency"])
    assert len(rows) == len(table.domains) * len(table.codes)
    assert {r["level"] for r in rows} == {"item", "component", "overall"}
    for row in rows:
        e = table.get(row["agency"], row["code"])
        assert float(row["estimate"]) == 100 * e.estimate  # unrounded
        assert float(row["se"]) == 100 * e.se
        assert float(row["ci_low"]) == 100 * e.ci_low
        assert int(row["n"]) == e.n
        assert int(row["df"]) == e.df
        assert float(row["deff"]) == e.deff


def test_raking_and_beta_intervals_change_the_numbers(tmp_path):
    plain, raked = tmp_path / "plain.csv", tmp_path / "raked.csv"
    main([*BASE, "--output", str(plain)])
    main([*BASE, "--rake", str(MARGINS), "--ci", "beta", "--output", str(raked)])
    a, b = _read(plain), _read(raked)
    assert [r["code"] for r in a] == [r["code"] for r in b]
    assert any(x["estimate"] != y["estimate"] for x, y in zip(a, b, strict=True))


def test_without_output_the_csv_goes_to_stdout(capsys):
    assert main(BASE) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].startswith("A,item,TC1,")


def _broken_copy(tmp_path, replace):
    text = RESPONSES.read_text(encoding="utf-8")
    path = tmp_path / "responses.csv"
    path.write_text(replace(text), encoding="utf-8")
    return path


def _lines(text, row, column, value):
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


ERRORS = [
    (
        "missing column",
        lambda a: [*a[:7], "--strata", "region", *a[9:]],
        None,
        "column 'region' (--strata) is not in",
    ),
    (
        "unknown item",
        None,
        lambda t: t.replace(",TC3,", ",TCX,", 1),
        "item TC3 of index SIPAS has no column",
    ),
    (
        "non-numeric weight",
        None,
        lambda t: _lines(t, 5, "weight", "heavy"),
        "weight column 'weight', row 5: 'heavy' is not a number",
    ),
    (
        "negative weight",
        None,
        lambda t: _lines(t, 7, "weight", "-3"),
        "weight in row 7 is negative",
    ),
    (
        "answer off the scale",
        None,
        lambda t: _lines(t, 9, "CC2", "8"),
        "column CC2, row 9: 8 is not an answer on the 1–5 scale",
    ),
    (
        "lonely PSU under fail",
        lambda a: [*a, "--lonely-psu", "fail"],
        None,
        "stratum 9 has only one PSU",
    ),
    (
        "empty margin cell",
        lambda a: [*a, "--rake", "MARGINS_EMPTY"],
        None,
        "margin cell gender=X has no respondents",
    ),
    (
        "raking that does not converge",
        lambda a: [*a, "--rake", "MARGINS_BAD"],
        None,
        "add up to different population totals",
    ),
]


@pytest.mark.parametrize(
    ("change_args", "change_file", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_bad_input_exits_with_one_line_and_leaves_no_file(
    tmp_path, capsys, change_args, change_file, message
):
    args = list(BASE)
    if change_file:
        args[2] = str(_broken_copy(tmp_path, change_file))
    (tmp_path / "empty.csv").write_text(
        MARGINS.read_text(encoding="utf-8") + "gender,X,1.0\n", encoding="utf-8"
    )
    (tmp_path / "bad.csv").write_text(
        "variable,level,target\ngender,F,10\ngender,M,10\nage_band,18-34,1\n"
        "age_band,35-49,1\nage_band,50-60,1\nage_band,60+,1\n",
        encoding="utf-8",
    )
    if change_args:
        args = [
            str(tmp_path / "empty.csv")
            if a == "MARGINS_EMPTY"
            else str(tmp_path / "bad.csv")
            if a == "MARGINS_BAD"
            else a
            for a in change_args(args)
        ]
    out = tmp_path / "out.csv"
    assert main([*args, "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip()
    assert len(error.splitlines()) == 1
    assert error.startswith("error: ")
    assert message in error
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.*")), "no temporary file left behind"


def test_an_existing_output_survives_a_failed_run(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous results\n", encoding="utf-8")
    assert main([*BASE, "--lonely-psu", "fail", "--output", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "previous results\n"


def test_parquet_input_gives_the_same_numbers(tmp_path):
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    parquet = tmp_path / "responses.parquet"
    pq.write_table(pc.read_csv(RESPONSES), parquet)
    from_csv, from_parquet = tmp_path / "a.csv", tmp_path / "b.csv"
    main([*BASE, "--output", str(from_csv)])
    args = list(BASE)
    args[2] = str(parquet)
    main([*args, "--output", str(from_parquet)])
    assert from_csv.read_text() == from_parquet.read_text()


def test_the_module_runs_as_a_program_and_reports_progress_on_long_input(tmp_path):
    rng = np.random.default_rng(0)
    n = 120_000
    lines = [
        "agency,stratum,psu,weight,TC1,TC2,TC3,TC4,TT1,TT2,TT3,TT4,CC1,CC2,CC3,CC4,CC5,"
        "KQ1,KQ2,KQ3,PA1,PA2,PA3"
    ]
    psu = rng.integers(0, 400, n)
    answers = rng.integers(1, 6, (n, 19))
    for k in range(n):
        lines.append(
            f"{'ABCD'[psu[k] % 4]},{psu[k] % 40},{psu[k]},1.5," + ",".join(map(str, answers[k]))
        )
    data = tmp_path / "big.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["--input", str(data), *BASE[3:]]
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "indices", *args, "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "read 120,000 rows" in result.stderr
    assert len(_read(out)) == 4 * (19 + 5 + 1)


def test_arguments_are_checked(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*BASE, "--lonely-psu", "sometimes"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'sometimes'" in capsys.readouterr().err


def _copy_with(tmp_path: Path, change) -> Path:
    """responses.csv with `change(row, index)` applied to every row (index from 1)."""
    rows = _read(RESPONSES)
    for index, row in enumerate(rows, start=1):
        change(row, index)
    path = tmp_path / "changed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(path: Path, tmp_path: Path, *extra: str) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    args = [*BASE, *extra, "--output", str(out)]
    args[2] = str(path)
    assert main(args) == 0
    return _read(out)


def test_average_rule_leaves_a_domain_in_single_psu_strata_without_se_as_r(tmp_path):
    def lone(row, _):
        row["lone"] = "single" if row["stratum"] in ("9", "10") else "rest"

    path = _copy_with(tmp_path, lone)
    rows = _run(path, tmp_path, "--lonely-psu", "average", "--domain", "lone")
    ours = {r["agency"]: r for r in rows if r["code"] == "TC1"}
    for reference in read_reference("average_single"):
        row = ours[reference["domain"]]
        assert float(row["estimate"]) == pytest.approx(100 * float(reference["estimate"]))
        if reference["se"] == "NaN":
            assert row["se"] == ""
            assert row["ci_low"] == ""
            assert row["ci_high"] == ""
        else:
            assert float(row["se"]) == pytest.approx(100 * float(reference["se"]), rel=1e-7)
    assert any(r["se"] == "" for r in ours.values()), "R's NaN case is in the file"


def test_beta_intervals_count_zero_weight_rows_in_n_as_r(tmp_path):
    def zero(row, index):
        if index % 10 == 0:
            row["weight"] = "0"

    rows = _run(_copy_with(tmp_path, zero), tmp_path, "--ci", "beta")
    ours = {r["agency"]: r for r in rows if r["code"] == "TC1"}
    for reference in read_reference("beta_zero_weights"):
        row = ours[reference["agency"]]
        assert float(row["estimate"]) == pytest.approx(100 * float(reference["estimate"]))
        assert float(row["ci_low"]) == pytest.approx(100 * float(reference["ci_low"]), rel=1e-7)
        assert float(row["ci_high"]) == pytest.approx(100 * float(reference["ci_high"]), rel=1e-7)


def test_all_weights_zero_is_one_line(tmp_path, capsys):
    def zero(row, _):
        row["weight"] = "0"

    args = [*BASE, "--output", str(tmp_path / "out.csv")]
    args[2] = str(_copy_with(tmp_path, zero))
    assert main(args) == 1
    error = capsys.readouterr().err.strip()
    assert error == "error: every weight is zero: no response counts in any estimate"


def test_an_estimate_nobody_could_give_has_no_se(tmp_path):
    def no_feedback_in_h(row, _):
        if row["agency"] == "H":
            row["PA1"] = row["PA2"] = row["PA3"] = ""

    rows = _run(_copy_with(tmp_path, no_feedback_in_h), tmp_path)
    pa = [r for r in rows if r["agency"] == "H" and r["code"] in ("PA1", "PA")]
    assert len(pa) == 2
    for row in pa:
        assert row["estimate"] == row["se"] == row["ci_low"] == row["ci_high"] == ""
        assert row["n"] == "0"
    overall = next(r for r in rows if r["agency"] == "H" and r["code"] == "SIPAS")
    assert float(overall["se"]) > 0, "the overall index averages the components answered"
