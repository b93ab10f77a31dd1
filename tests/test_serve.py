"""make run's server and job worker start and stop together (scripts/serve, issue #34)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(tmp_path):
    database = tmp_path / "province.sqlite3"
    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "SURVEY_ENV": "development",
        "SURVEY_DATABASE_URL": f"sqlite:///{database}",
        "SURVEY_JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
    }
    serve = subprocess.Popen(
        [sys.executable, "scripts/serve", str(port)], cwd=ROOT, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.3)
    children = _children(serve.pid)
    assert len(children) == 2, children  # the server and the worker
    yield serve, children
    if serve.poll() is None:
        serve.kill()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent's pid
            found.append(int(stat.parent.name))
    return sorted(found)


def _gone(pids: list[int], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                # A zombie has exited; it waits only for its parent to read its status.
                state = Path(f"/proc/{pid}/stat").read_text().split()[2]
                if state != "Z":
                    alive.append(pid)
            except (ProcessLookupError, FileNotFoundError):
                pass
        if not alive:
            return True
        time.sleep(0.2)
    return False


def test_stopping_make_run_stops_the_server_and_the_worker(served):
    serve, children = served
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) == 0
    assert _gone(children)


def test_a_server_that_dies_takes_its_worker_with_it(served):
    serve, children = served
    os.kill(children[0], signal.SIGKILL)  # either one: the other must follow
    serve.wait(timeout=30)
    assert _gone(children)
