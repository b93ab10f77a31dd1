"""Benchmark the index engine against R's survey package (and the svy package if present).

    python bench/analysis_bench.py [--rows 1000000] [--agencies 100] [--items 19]
                                   [--strata 300] [--psus 6000] [--r-items 1]
                                   [--cli-rows 300000] [--skip-r] [--two-stage]

Prints, in one run: our engine in-process (all item, component and overall indices with
SEs and CIs for every agency), R `svyby` per item (timed on --r-items items and
extrapolated to all), `svy` if importable, the peak memory of our process, and the whole
command line against an Rscript doing the same per-item svyby on --cli-rows rows;
last, one JSON object with the figures (null where R is not installed). With
--two-stage, the sample is a household survey: PSUs are villages drawn without
replacement from three times as many, each row a household drawn from twenty times as
many, and both sides estimate with both stages (R: ids = ~psu + ssu, fpc = ~N1 + N2).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import Design, IndexScheme, estimate_indices  # noqa: E402

COMPONENT_NAMES = ["TC", "TT", "CC", "KQ", "PA", "X1", "X2", "X3"]


def make_sample(rows, agencies, items, strata, psus, seed=1, two_stage=False):
    """A stratified cluster sample: PSUs nested in strata, strata nested in agencies."""
    rng = np.random.default_rng(seed)
    psu_stratum = np.sort(rng.integers(0, strata, psus))
    psu_stratum[:strata] = np.arange(strata)  # every stratum has at least one PSU
    psu_stratum.sort()
    stratum_agency = np.arange(strata) % agencies
    psu = rng.integers(0, psus, rows)
    stratum = psu_stratum[psu]
    agency = stratum_agency[stratum]
    weight = rng.uniform(5, 50, psus)[psu] * rng.uniform(0.8, 1.2, rows)
    latent = rng.normal(0, 0.4, agencies)[agency] + rng.normal(0, 0.3, psus)[psu]
    latent += rng.normal(0, 0.8, rows)
    answers = {}
    for j in range(items):
        value = 1 + np.searchsorted([-2.6, -1.7, -0.7, 1.1], latent + rng.logistic(0, 0.7, rows))
        value = value.astype(float)
        value[rng.random(rows) < 0.05] = np.nan
        answers[f"Q{j + 1}"] = value
    codes = list(answers)
    per = max(1, items // 5)
    components = {}
    for c in range(0, items, per):
        components[COMPONENT_NAMES[len(components) % len(COMPONENT_NAMES)] + str(c)] = tuple(
            codes[c : c + per]
        )
    scheme = IndexScheme(code="SIPAS", threshold=4, components=components)
    columns = {"agency": agency, "stratum": stratum, "psu": psu, "weight": weight, **answers}
    if two_stage:
        # Villages drawn from three times as many in their commune, households (one row
        # each) from twenty times as many in their village.
        per_stratum = np.bincount(psu_stratum, minlength=strata)
        per_psu = np.bincount(psu, minlength=psus)
        columns["N1"] = 3 * per_stratum[stratum]
        columns["N2"] = 20 * np.maximum(per_psu[psu], 1)
        columns["ssu"] = np.arange(rows)
        columns["weight"] = 3.0 * 20.0 * rng.uniform(0.9, 1.1, rows)
    return columns, scheme


def time_engine(columns, scheme, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        stages = (
            {"fpc": columns["N1"], "ssu": columns["ssu"], "fpc2": columns["N2"]}
            if "ssu" in columns else {}
        )  # fmt: skip
        design = Design.from_columns(
            strata=columns["stratum"], psu=columns["psu"], weights=columns["weight"], **stages
        )
        table = estimate_indices(design, columns, scheme, columns["agency"])
        best = min(best, time.perf_counter() - started)
    return best, table


def write_csv(columns, path):
    import pyarrow as pa
    import pyarrow.csv as pc

    pc.write_csv(pa.table(columns), path)


R_SCRIPT = r"""
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
items <- strsplit(args[2], ",")[[1]]
des <- if (args[3] == "two-stage") {
  svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, weights = ~weight,
            nest = TRUE, data = d)
} else svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
started <- proc.time()[["elapsed"]]
for (code in items) {
  f <- as.formula(paste0("~I(", code, " >= 4)"))
  r <- svyby(f, ~agency, des, svymean, na.rm = TRUE)
}
cat(proc.time()[["elapsed"]] - started, "\n")
"""


def time_r(csv_path, items, mode="one-stage"):
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True)
    if check.returncode != 0:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
        script.write(R_SCRIPT)
    started = time.perf_counter()
    result = subprocess.run(
        ["Rscript", script.name, str(csv_path), ",".join(items), mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"Rscript failed: {result.stderr.strip()}")
    whole = time.perf_counter() - started
    os.unlink(script.name)
    return float(result.stdout.strip().split()[-1]), whole


def time_svy(columns, scheme):
    try:
        import svy  # noqa: F401
    except ImportError:
        return None
    return None  # the svy package's API varies by version; reported as not measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--items", type=int, default=19)
    parser.add_argument("--strata", type=int, default=300)
    parser.add_argument("--psus", type=int, default=6000)
    parser.add_argument(
        "--r-items", type=int, default=1, help="items R is timed on (then extrapolated to all)"
    )
    parser.add_argument("--cli-rows", type=int, default=300_000)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--two-stage", action="store_true", help="a household survey")
    args = parser.parse_args()
    mode = "two-stage" if args.two_stage else "one-stage"

    columns, scheme = make_sample(
        args.rows, args.agencies, args.items, args.strata, args.psus, two_stage=args.two_stage
    )
    print(
        f"sample: {args.rows:,} rows × {args.items} items, {args.agencies} agencies, "
        f"{args.strata} strata, {args.psus:,} PSUs, 5% item non-response"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours, table = time_engine(columns, scheme)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    statistics = table.estimate.size
    figures: dict = {
        "rows": args.rows,
        "design": mode,
        "items": args.items,
        "agencies": args.agencies,
        "estimates": int(statistics),
        "ours_s": round(ours, 3),
        "peak_rss_mb": round(peak),
        "r_svyby_s": None,
        "cli_rows": args.cli_rows,
        "cli_s": None,
        "r_cli_s": None,
    }
    print(
        f"ours (in-process): {ours:.3f} s for {statistics:,} estimates with SE and CI; "
        f"peak RSS {peak:,.0f} MB (data alone {before:,.0f} MB)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_r:
            path = Path(tmp) / "sample.csv"
            write_csv(columns, path)
            timed = time_r(path, list(scheme.items)[: args.r_items], mode)
            if timed is None:
                print("R survey: Rscript with the survey package not found")
            else:
                per_item = timed[0] / args.r_items
                total = per_item * args.items
                figures["r_svyby_s"] = round(total, 2)
                note = (
                    ""
                    if args.r_items == args.items
                    else f" (timed {args.r_items} item(s), extrapolated)"
                )
                print(
                    f"R survey svyby: {per_item:.2f} s per item, {total:.1f} s for "
                    f"{args.items} items{note}; ours is {total / ours:,.0f}× faster"
                )
        svy = time_svy(columns, scheme)
        print("svy: not installed" if svy is None else f"svy: {svy:.2f} s")

        if args.cli_rows:
            cli_columns, cli_scheme = make_sample(
                args.cli_rows, args.agencies, args.items, args.strata, args.psus, seed=2,
                two_stage=args.two_stage,
            )  # fmt: skip
            cli_path = Path(tmp) / "cli.csv"
            write_csv(cli_columns, cli_path)
            questionnaire = Path(tmp) / "q.yaml"
            questionnaire.write_text(_questionnaire_yaml(cli_scheme), encoding="utf-8")
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "analysis",
                    "indices",
                    "--input",
                    str(cli_path),
                    "--questionnaire",
                    str(questionnaire),
                    "--domain",
                    "agency",
                    "--strata",
                    "stratum",
                    "--psu",
                    "psu",
                    "--weight",
                    "weight",
                    *(["--fpc", "N1", "--ssu", "ssu", "--fpc2", "N2"] if args.two_stage else []),
                    "--output",
                    str(Path(tmp) / "out.csv"),
                ],
                check=True,
                cwd=ROOT,
                capture_output=True,
            )
            cli = time.perf_counter() - started
            figures["cli_s"] = round(cli, 2)
            timed = None if args.skip_r else time_r(cli_path, list(cli_scheme.items), mode)
            if timed is not None:
                figures["r_cli_s"] = round(timed[1], 2)
                print(
                    f"command line on {args.cli_rows:,} rows: {cli:.2f} s; Rscript doing the "
                    f"same per-item svyby: {timed[1]:.1f} s; {timed[1] / cli:,.0f}× faster"
                )
            else:
                print(f"command line on {args.cli_rows:,} rows: {cli:.2f} s (no R to compare)")
    print(json.dumps(figures))


def _questionnaire_yaml(scheme: IndexScheme) -> str:
    lines = [
        "index:",
        f"  code: {scheme.code}",
        f"  threshold: {scheme.threshold}",
        "  components:",
    ]
    lines += [f"    - code: {c}" for c in scheme.components]
    lines += ["sections:", "  - items:"]
    for component, items in scheme.components.items():
        for item in items:
            lines += [f"      - {{code: {item}, type: satisfaction, component: {component}}}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
