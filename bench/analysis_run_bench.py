"""Time `flask analysis run` on N demo submissions stored in a given database.

    python bench/analysis_run_bench.py --database-url sqlite:////tmp/b.sqlite3 \\
        --responses 100000
    python bench/analysis_run_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/scratch --responses 1000000

The database must be empty (it is migrated and seeded here), or already seeded with
--reuse. Prints the seeding time, the run's own timings (load, screen, estimate), the whole
command's wall time and peak memory, and last one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="The database is seeded already: only run."
    )
    args = parser.parse_args()
    env = {**os.environ, "SURVEY_ENV": "development", "SURVEY_DATABASE_URL": args.database_url}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seed_seconds = None
    if not args.reuse:
        started = time.perf_counter()
        subprocess.run(
            [*flask, "demo", "seed", "--responses", str(args.responses)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        seed_seconds = round(time.perf_counter() - started, 2)
        print(f"seeded {args.responses:,} submissions in {seed_seconds:.1f} s")
    started = time.perf_counter()
    result = subprocess.run(
        [*flask, "analysis", "run", "--campaign", "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(result.stdout.splitlines()[0])
    print(f"analysis run: {wall:.1f} s wall, peak RSS {peak:,.0f} MB")
    submissions, runs = _counts(args.database_url)
    print(
        json.dumps(
            {
                "responses": args.responses,
                "seed_s": seed_seconds,
                "run_s": round(wall, 2),
                "peak_rss_mb": round(peak),
                "submissions": submissions,
                "runs": runs,
            }
        )
    )


def _counts(database_url: str) -> tuple[int, int]:
    """Submissions stored and runs recorded: a bench that stores nothing says so."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from survey.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        counts = tuple(
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("submission", "analysis_run")
        )
    engine.dispose()
    return counts


if __name__ == "__main__":
    main()
