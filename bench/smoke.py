"""Every bench at a tiny size, so that none rots: each must finish, print its figures as
a JSON object on its last line, and have done its work (stored what it was to store).
The figures themselves mean nothing at this size and are not judged.

    python bench/smoke.py [--only NAME ...]

`make bench-smoke` runs it; `.ci/run` runs that after the suite. Each bench works in a
scratch SQLite file of its own; Redis (127.0.0.1:6379) counts the rate limits.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Smoke:
    name: str
    arguments: Callable[[Path], list[str]]  # given a scratch directory
    # What the figures must show for the bench to have done its work: (what, holds).
    checks: Callable[[dict], list[tuple[str, bool]]]


def _sqlite(scratch: Path, name: str) -> list[str]:
    return ["--database-url", f"sqlite:///{scratch / name}.sqlite3"]


def _load(mode: str) -> Smoke:
    return Smoke(
        f"load_submit ({mode})",
        lambda d: [
            "load_submit.py", *_sqlite(d, "load"), "--workers", "1", "--clients", "2",
            "--submissions", "6", "--mode", mode, "--baseline-seconds", "0.5",
            "--port", "18765" if mode == "steps" else "18775",
        ],
        lambda f: [
            ("6 acknowledged", f["acknowledged"] == 6),
            ("6 stored", f["stored"] == 6),
            ("none abandoned", f["abandoned"] == 0),
        ],
    )  # fmt: skip


def _analysis(*extra: str) -> Smoke:
    """The analysis bench at a tiny size, one stage or (`--two-stage`) two."""
    two_stage = "--two-stage" in extra
    return Smoke(
        "analysis_bench (two stages)" if two_stage else "analysis_bench",
        lambda d: [
            "analysis_bench.py", "--rows", "3000", "--agencies", "5", "--strata", "20",
            "--psus", "100", "--cli-rows", "3000", "--skip-r", *extra,
        ],
        lambda f: [
            ("estimates made", f["estimates"] > 0),
            ("command line ran", f["cli_s"]),
            *([("two stages", f["design"] == "two-stage")] if two_stage else []),
        ],
    )  # fmt: skip


SMOKES = (
    Smoke(
        "admin_import_bench",
        lambda d: ["admin_import_bench.py", "--rows", "300"],
        lambda f: [
            ("300 services stored", f["services"] == 300),
            ("file accepted twice", (f["created_status"], f["updated_status"]) == (302, 302)),
        ],
    ),
    _analysis(),
    _analysis("--two-stage"),
    Smoke(
        "analysis_run_bench",
        lambda d: ["analysis_run_bench.py", *_sqlite(d, "run"), "--responses", "300"],
        lambda f: [("300 submissions", f["submissions"] == 300), ("one run", f["runs"] == 1)],
    ),
    Smoke(
        "dossiers_bench",
        lambda d: [
            "dossiers_bench.py",
            *_sqlite(d, "dossiers"),
            "--records",
            "2000",
            "--api-records",
            "1000",
        ],
        lambda f: [
            ("3,000 records stored", f["stored"] == 3000),
            ("timeliness computed", f["timeliness_lines"] > 0),
        ],
    ),
    _load("one-page"),
    _load("steps"),
    Smoke(
        "paper_forms_bench",
        lambda d: [
            "paper_forms_bench.py",
            *_sqlite(d, "paper"),
            "--forms",
            "5",
            "--output",
            str(d / "forms.pdf"),
        ],
        lambda f: [("two pages a form", f["pages"] == 10)],
    ),
    Smoke(
        "rate_limits",
        lambda d: [
            "rate_limits.py",
            *_sqlite(d, "limits"),
            "--workers",
            "2",
            "--posts",
            "8",
            "--limit",
            "5/minute",
            "--storage",
            "redis://127.0.0.1:6379/14",
            "--port",
            "18785",
        ],
        lambda f: [("5 stored", f["stored"] == 5), ("3 refused", f["refused"] == 3)],
    ),
    Smoke(
        "report_bench",
        lambda d: ["report_bench.py", *_sqlite(d, "reports"), "--responses", "300"],
        lambda f: [("answers reported", f["submissions"] > 0), ("a PDF", f["province_s"] > 0)],
    ),
    Smoke(
        "small_areas_bench",
        lambda d: ["small_areas_bench.py", "--areas", "50", "--repeat", "1"],
        lambda f: [("50 areas fitted", f["areas"] == 50)],
    ),
)


def run(smoke: Smoke, scratch: Path) -> list[str]:
    """The problems of one bench (none: it works)."""
    arguments = smoke.arguments(scratch)
    command = [sys.executable, str(BENCH / arguments[0]), *arguments[1:]]
    result = subprocess.run(
        command, cwd=scratch, capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        return [f"exit {result.returncode}: {result.stderr.strip()[-1500:]}"]
    try:
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return [f"the last line is not a JSON object: {result.stdout[-300:]!r}"]
    return [f"not so: {what} ({figures})" for what, holds in smoke.checks(figures) if not holds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run these benches only (by name)")
    args = parser.parse_args()
    chosen = [s for s in SMOKES if not args.only or s.name.split(" ")[0] in args.only]
    failed = 0
    for smoke in chosen:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            problems = run(smoke, Path(scratch))
        seconds = time.perf_counter() - started
        print(f"{'FAIL' if problems else 'ok  '} {smoke.name} ({seconds:.0f} s)", flush=True)
        for problem in problems:
            print(f"     {problem}")
        failed += bool(problems)
    print(f"{len(chosen) - failed} of {len(chosen)} benches work at a tiny size")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
