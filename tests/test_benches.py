"""Benches are code: each runs here at a small size, so that it keeps working (and its
figures keep their meaning) as the platform changes. The figures themselves are read
from the full-size runs, never asserted here."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_admin_import_bench_runs_small(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "admin_import_bench.py"), "--rows", "300"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["services"] == 300
    assert (figures["created_status"], figures["updated_status"]) == (302, 302)
    assert figures["bad_rows_status"] == 200
    assert figures["bad_rows_page_bytes"] < 100_000, "two hundred problems, not three hundred"
