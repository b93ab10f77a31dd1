"""`python -m analysis indices|small-areas ...`: indices from a response file, and
small-area estimates from a table of direct estimates.

`indices` writes one CSV row per domain × level × code with columns
agency,level,code,n,estimate,se,ci_low,ci_high,df,deff (estimate, se and CI in percent,
unrounded). `small-areas` writes area,direct,direct_variance,eblup,mse,shrinkage (and
benchmarked) plus the fitted model in OUT.model.json. Bad input exits with status 1 and
one line on stderr naming the problem and its column or row (rows count from 1 after the
header); no partial output is left behind.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

from analysis.design import LONELY_PSU_RULES, Design
from analysis.errors import AnalysisError
from analysis.scheme import IndexScheme

COLUMNS = ("agency", "level", "code", "n", "estimate", "se", "ci_low", "ci_high", "df", "deff")
PROGRESS_ROWS = 100_000


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    commands = main.add_subparsers(dest="command", required=True)
    indices = commands.add_parser("indices", help="item, component and overall indices")
    indices.add_argument("--input", required=True, help="responses, CSV or Parquet")
    indices.add_argument("--questionnaire", required=True, help="questionnaire YAML")
    indices.add_argument("--domain", required=True, help="column of the domain (agency)")
    indices.add_argument("--strata", required=True, help="column of the stratum")
    indices.add_argument("--psu", required=True, help="column of the primary sampling unit")
    indices.add_argument("--weight", required=True, help="column of the weight")
    indices.add_argument("--fpc", help="column of the stratum's population number of PSUs")
    indices.add_argument(
        "--ssu", help="column of the second-stage unit (e.g. the household within its village)"
    )
    indices.add_argument(
        "--fpc2", help="column of the PSU's population number of second-stage units"
    )
    indices.add_argument("--lonely-psu", choices=LONELY_PSU_RULES, default="adjust")
    indices.add_argument(
        "--rake", metavar="MARGINS.csv", help="population totals: columns variable,level,target"
    )
    indices.add_argument("--ci", choices=("logit", "beta"), default="logit")
    indices.add_argument("--output", help="CSV to write (default: standard output)")
    areas = commands.add_parser(
        "small-areas", help="Fay-Herriot EBLUPs (REML) from direct estimates and variances"
    )
    areas.add_argument("--input", required=True, help="direct estimates, CSV or Parquet")
    areas.add_argument("--area", required=True, help="column naming the area")
    areas.add_argument("--direct", required=True, help="column of the direct estimate")
    areas.add_argument("--variance", required=True, help="column of its sampling variance")
    areas.add_argument(
        "--covariates", default="", help="comma-separated columns known for every area"
    )
    areas.add_argument(
        "--benchmark-weight", help="column of weights (frame counts) for benchmarking"
    )
    areas.add_argument(
        "--output", required=True, help="CSV to write; the model goes beside it (.model.json)"
    )
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    # Here, not at the top: --help and argument errors answer without loading numpy.
    from analysis.io import write_rows, write_table

    try:
        if args.command == "small-areas":
            from analysis.small_areas_cli import run_small_areas

            run_small_areas(args)
            return 0
        rows = run_indices(args, started)
        if args.output:
            write_table(Path(args.output), rows, COLUMNS)
            return 0
    except AnalysisError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        write_rows(sys.stdout, rows, COLUMNS)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, less) stopped early; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def run_indices(args, started: float) -> list[tuple]:
    from analysis.indices import estimate_indices
    from analysis.io import numbers, read_table, require_columns
    from analysis.weights import rake

    scheme = IndexScheme.from_questionnaire(args.questionnaire)
    table = read_table(args.input)
    n = len(next(iter(table.values()))) if table else 0
    progress = _progress(n, started)
    progress(f"read {n:,} rows from {args.input}")
    require_columns(
        table,
        args.input,
        [
            (o, getattr(args, o))
            for o in ("domain", "strata", "psu", "weight", "fpc", "ssu", "fpc2")
        ],
    )
    missing = [code for code in scheme.items if code not in table]
    if missing:
        raise AnalysisError(
            f"item {missing[0]} of index {scheme.code} has no column in {args.input}"
        )
    design = Design.from_columns(
        strata=table[args.strata],
        psu=table[args.psu],
        weights=numbers(table[args.weight], f"weight column {args.weight!r}"),
        fpc=None if args.fpc is None else numbers(table[args.fpc], f"fpc column {args.fpc!r}"),
        lonely_psu=args.lonely_psu,
        ssu=None if args.ssu is None else table[args.ssu],
        fpc2=(
            None if args.fpc2 is None else numbers(table[args.fpc2], f"fpc2 column {args.fpc2!r}")
        ),
    )
    if args.rake:
        targets = read_margins(args.rake)
        absent = [v for v in targets if v not in table]
        if absent:
            raise AnalysisError(f"margin variable {absent[0]!r} has no column in {args.input}")
        design = rake(design, {v: table[v] for v in targets}, targets)
        progress(f"raked to {', '.join(targets)}")
    answers = {code: table[code] for code in scheme.items}
    result = estimate_indices(design, answers, scheme, table[args.domain], ci=args.ci)
    progress(f"estimated {len(result.domains)} domains × {len(result.codes)} statistics")
    percent = 100.0
    rows = []
    for d, domain in enumerate(result.domains):
        for c, code in enumerate(result.codes):
            rows.append(
                (
                    domain,
                    result.levels[c],
                    code,
                    int(result.n[d, c]),
                    float(result.estimate[d, c] * percent),
                    float(result.se[d, c] * percent),
                    float(result.ci_low[d, c] * percent),
                    float(result.ci_high[d, c] * percent),
                    int(result.df[d, c]),
                    float(result.deff[d, c]),
                )
            )
    return rows


def read_margins(path: str) -> dict[str, dict[str, float]]:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"variable", "level", "target"} - set(reader.fieldnames or [])
            if missing:
                raise AnalysisError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))} "
                    "(expected variable,level,target)"
                )
            targets: dict[str, dict[str, float]] = {}
            for row_number, row in enumerate(reader, start=1):
                try:
                    target = float(row["target"])
                except (TypeError, ValueError):
                    raise AnalysisError(
                        f"{path}, row {row_number}: target {row['target']!r} is not a number"
                    ) from None
                level = targets.setdefault(row["variable"], {})
                if row["level"] in level:
                    raise AnalysisError(
                        f"{path}, row {row_number}: {row['variable']}={row['level']} is given twice"
                    )
                level[row["level"]] = target
    except FileNotFoundError:
        raise AnalysisError(f"{path}: no such margins file") from None
    except UnicodeDecodeError:
        raise AnalysisError(f"{path}: not UTF-8 text") from None
    if not targets:
        raise AnalysisError(f"{path}: no margins")
    return targets


def _progress(rows: int, started: float):
    def say(message: str) -> None:
        if rows >= PROGRESS_ROWS:
            print(f"[{time.perf_counter() - started:6.2f} s] {message}", file=sys.stderr)

    return say
