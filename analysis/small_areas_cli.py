"""`python -m analysis small-areas`: the Fay–Herriot model over any table of direct estimates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from analysis.errors import AnalysisError
from analysis.io import numbers, read_table, require_columns, write_atomically, write_table
from analysis.small_areas import fay_herriot

COLUMNS = ("area", "direct", "direct_variance", "eblup", "mse", "shrinkage")


def run_small_areas(args) -> None:
    """Read, fit, then write the estimates and OUT.model.json; nothing is written on error."""
    table = read_table(args.input)
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    options = [("area", args.area), ("direct", args.direct), ("variance", args.variance)]
    options += [("covariates", c) for c in covariates]
    options.append(("benchmark-weight", args.benchmark_weight))
    require_columns(table, args.input, options)
    areas = [None if a is None else str(a) for a in table[args.area]]
    for row, area in enumerate(areas, start=1):
        if area is None or not area.strip():
            raise AnalysisError(f"{args.input}, row {row}: the area ({args.area}) is empty")
    seen: dict[str, int] = {}
    for row, area in enumerate(areas, start=1):
        if area in seen:
            raise AnalysisError(
                f"{args.input}, row {row}: area {area} already came in row {seen[area]}"
            )
        seen[area] = row
    direct = numbers(table[args.direct], f"direct column {args.direct!r}")
    variance = numbers(table[args.variance], f"variance column {args.variance!r}")
    for row in range(len(areas)):
        if np.isfinite(direct[row]) and not (np.isfinite(variance[row]) and variance[row] > 0):
            raise AnalysisError(
                f"{args.input}, row {row + 1}: area {areas[row]} has a direct estimate but "
                f"no positive variance ({args.variance})"
            )
    matrix = np.empty((len(areas), 0))
    if covariates:
        matrix = np.column_stack([numbers(table[c], f"covariate column {c!r}") for c in covariates])
        for row in range(len(areas)):
            absent = [c for c, v in zip(covariates, matrix[row], strict=True) if v != v]
            if absent:
                raise AnalysisError(
                    f"{args.input}, row {row + 1}: area {areas[row]} has no value for "
                    f"covariate {absent[0]}"
                )
    weights = None
    if args.benchmark_weight:
        weights = numbers(table[args.benchmark_weight], f"weight column {args.benchmark_weight!r}")
    fit = fay_herriot(
        direct, variance, matrix, names=covariates, areas=areas, benchmark_weights=weights
    )
    columns = COLUMNS + (("benchmarked",) if weights is not None else ())
    rows = []
    for i, area in enumerate(areas):
        row = [area, direct[i], variance[i], fit.eblup[i], fit.mse[i], fit.shrinkage[i]]
        if fit.benchmarked is not None:
            row.append(fit.benchmarked[i])
        rows.append(tuple(float(v) if isinstance(v, np.floating) else v for v in row))
    output = Path(args.output)
    model_path = output.with_name(output.stem + ".model.json")
    model = json.dumps(fit.as_model(), indent=2, ensure_ascii=False) + "\n"
    write_atomically(model_path, lambda handle: handle.write(model))
    write_table(output, rows, columns)
