"""Benchmark the Fay–Herriot fit at the country's scale: every commune-level unit.

    python bench/small_areas_bench.py [--areas 3000] [--covariates 4] [--repeat 5]

Prints the in-process fit (REML, EBLUPs, MSE, benchmarking) and the whole command line
`python -m analysis small-areas` on a CSV of the same size, then one JSON line. Target:
3,000 areas under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.small_areas import fay_herriot  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--areas", type=int, default=3000)
    parser.add_argument("--covariates", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(2025)
    m, p = args.areas, args.covariates
    x = rng.normal(size=(m, p))
    variance = 600.0 / rng.integers(15, 200, m)
    frame = rng.integers(500, 60_000, m)
    y = 80 + x @ rng.normal(0, 2, p) + rng.normal(0, 3, m) + rng.normal(0, np.sqrt(variance))

    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        fit = fay_herriot(y, variance, x, benchmark_weights=frame)
        timings.append(time.perf_counter() - started)
    fit_seconds = min(timings)
    print(
        f"fit of {m:,} areas × {p} covariates: {fit_seconds * 1000:.1f} ms "
        f"(best of {args.repeat}; REML in {fit.iterations} iterations)"
    )

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "areas.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["area", "direct", "variance", "frame"] + [f"x{j}" for j in range(p)])
            for i in range(m):
                writer.writerow([f"A{i:05d}", y[i], variance[i], frame[i], *x[i]])
        command = [
            sys.executable,
            "-m",
            "analysis",
            "small-areas",
            "--input",
            str(source),
            "--area",
            "area",
            "--direct",
            "direct",
            "--variance",
            "variance",
            "--covariates",
            ",".join(f"x{j}" for j in range(p)),
            "--benchmark-weight",
            "frame",
            "--output",
            str(Path(folder) / "out.csv"),
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        cli_seconds = time.perf_counter() - started
    print(
        f"command line, reading and writing {m:,} areas: {cli_seconds:.2f} s "
        "(Python start-up and imports included)"
    )
    print(json.dumps({"areas": m, "fit_s": round(fit_seconds, 4), "cli_s": round(cli_seconds, 3)}))


if __name__ == "__main__":
    main()
