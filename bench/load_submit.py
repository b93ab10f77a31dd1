"""Load test of the citizen survey: concurrent clients fetch the form and post answers.

    python bench/load_submit.py --database-url postgresql+psycopg://postgres@127.0.0.1/scratch
        [--workers 4] [--clients 32] [--submissions 3000] [--kill-worker] [--port 8765]
        [--mode one-page|steps] [--baseline-seconds 5]

Rate limits are counted in Redis (BENCH_RATE_LIMIT_STORAGE, default
redis://127.0.0.1:6379/15), as production counts them, with limits out of reach.

Point it at a scratch database: it migrates it and seeds the demo province if empty.
The app runs under gunicorn with W sync workers; C client threads each loop: GET a
service point's citizen survey (cookie, CSRF token, one-time form token), POST complete
answers (`--mode one-page`), or each step's answers after a GET of each step (`--mode
steps`), until K submissions are acknowledged (303 to the thank-you page). A POST that fails (a
killed worker, a reset connection) is retried with the same body: the form token makes a
retry of a stored answer come back as acknowledged without storing it twice. The same
clients then hit a bare Flask endpoint under the same gunicorn setup for the baseline.
The last line printed is one JSON object, with `server_cpu_ms`: CPU time of the gunicorn
workers per acknowledged submission.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
POINT = "sxd-1"
# A citizen's form at the point: the campaign surveys citizens and organisations, and the
# point's own address first asks on whose behalf the respondent came.
FORM = f"/p/{POINT}/citizen"
RATE_LIMIT_STORAGE = os.environ.get("BENCH_RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/15")
ANSWERS = {"A1": "1", "A2": "3", "B2": "1", "B4": "3", "E10": "Tốt"}


def _criteria() -> list[str]:
    """Satisfaction items of the demo questionnaire that every respondent is asked."""
    sys.path.insert(0, str(ROOT))
    from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file

    definition = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
    asked = [*definition.satisfaction_items, definition.global_item]
    return [q.code for q in asked if q is not None and q.show_if is None]


CRITERIA = _criteria()


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SURVEY_ENV": "production",
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": "bench-" + "x" * 40,
        "SURVEY_SECURE_COOKIES": "0",  # plain HTTP on loopback
        # One machine plays every client: the limits are set out of reach, but counted
        # where production counts them (BENCH_RATE_LIMIT_STORAGE, Redis by default).
        "SURVEY_RATELIMIT_STORAGE_URL": RATE_LIMIT_STORAGE,
        "SURVEY_RATE_LIMIT_CLIENT": "1000000/minute",
        "SURVEY_RATE_LIMIT_POINT": "1000000/minute",
    }


def _prepare(database_url: str) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    # The demo province is seeded as development: demo commands refuse production.
    env = {**_env(database_url), "SURVEY_ENV": "development"}
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "demo", "seed", "--if-empty", "--responses", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _stored(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    from survey.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM submission")).scalar_one()
    engine.dispose()
    return count


def _gunicorn(app: str, workers: int, port: int, env: dict[str, str]) -> subprocess.Popen:
    # The server's log goes to a file: a pipe nobody reads would fill and stall it.
    log_path = Path(tempfile.gettempdir()) / f"load_submit_{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise SystemExit(f"gunicorn did not start; see {log_path}")
    _wait_for_idle_workers(process, workers)
    return process


def _wait_for_idle_workers(process: subprocess.Popen, workers: int) -> None:
    """Until every worker has loaded the app: one answering does not mean the others are
    done importing, and their start-up is not the cost of any submission."""
    deadline = time.monotonic() + 60
    before: dict[int, float | None] = {}
    while time.monotonic() < deadline:
        now = {pid: _cpu_seconds(pid) for pid in _workers_of(process)}
        if len(now) == workers and now == before:
            return
        before = now
        time.sleep(1.0)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _workers_of(process: subprocess.Popen) -> list[int]:
    output = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(process.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [int(pid) for pid in output.split()]


class Counters:
    def __init__(self, target: int):
        self.target = target
        self.lock = threading.Lock()
        self.acknowledged = 0
        self.abandoned = 0  # submissions given up after every retry failed: reported
        self.in_flight = 0
        self.failures: list[str] = []
        self.latencies: list[float] = []

    def done(self) -> int:
        return self.acknowledged + self.abandoned + self.in_flight


def _client(base: str, counters: Counters, mode: str) -> None:
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        while True:
            with counters.lock:
                if counters.done() >= counters.target:
                    return
                counters.in_flight += 1
            try:
                _one_submission(client, counters, mode)
            finally:
                with counters.lock:
                    counters.in_flight -= 1


def _one_submission(client: httpx.Client, counters: Counters, mode: str) -> None:
    # Each submission is another respondent's phone: a browser that has just answered is
    # told so instead of getting a new form.
    client.cookies.clear()
    started = time.perf_counter()
    for _attempt in range(5):
        try:
            outcome = (_one_page if mode == "one-page" else _in_steps)(client, counters)
            break
        except httpx.HTTPError as error:
            counters.failures.append(f"{type(error).__name__}")
        except AssertionError as error:  # the page is not the form (_fields)
            outcome = str(error)[:120]
            break
    else:
        outcome = "abandoned"
    with counters.lock:
        if outcome == "acknowledged":
            counters.acknowledged += 1
            counters.latencies.append(time.perf_counter() - started)
        else:
            counters.abandoned += 1
            counters.failures.append(outcome)


def _fields(page: str) -> dict[str, str]:
    """The hidden fields of a survey page and the service to choose, or raise when the
    page is not a survey form (so a bench that stores nothing says why)."""
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    if csrf is None or token is None:
        raise AssertionError(f"not a survey form: {page[:300]!r}")
    fields = {"csrf_token": csrf.group(1), "form_token": token.group(1)}
    step = re.search(r'name="step" value="(\d+)"', page)
    if step:
        fields["step"] = step.group(1)
    service = re.search(r'name="B1" required type="radio" value="(\d+)"', page)
    if service:
        fields["B1"] = service.group(1)
    return fields


def _answers() -> dict[str, str]:
    return {**ANSWERS, **dict.fromkeys(CRITERIA, "4")}


def _post(client: httpx.Client, url: str, body: dict, counters: Counters) -> httpx.Response:
    """POST, again with the same body after a failure: the form token makes a retry of a
    stored answer come back acknowledged without storing it twice."""
    for attempt in range(5):
        try:
            response = client.post(url, data=body)
        except httpx.HTTPError as error:
            counters.failures.append(f"POST attempt {attempt + 1}: {type(error).__name__}")
            continue
        if response.status_code == 303:
            return response
        counters.failures.append(f"POST attempt {attempt + 1}: HTTP {response.status_code}")
    raise httpx.HTTPError("gave up after 5 attempts")


def _one_page(client: httpx.Client, counters: Counters) -> str:
    """The one-page form (?all=1): one GET and one POST per respondent."""
    page = client.get(f"{FORM}?all=1").text
    response = _post(client, FORM, {**_answers(), **_fields(page)}, counters)
    return "acknowledged" if response.headers["location"].endswith("/thanks") else "refused"


def _in_steps(client: httpx.Client, counters: Counters) -> str:
    """The survey as a phone shows it: a GET and a POST per step, each step's answers
    only, following the redirect to the next step until the thanks."""
    answers = _answers()
    url = FORM
    for _ in range(20):
        page = client.get(url).text
        asked = set(re.findall(r'name="([A-Z][A-Z0-9_]*)"', page))
        body = {**{c: v for c, v in answers.items() if c in asked}, **_fields(page)}
        location = _post(client, FORM, body, counters).headers["location"]
        if location.endswith("/thanks"):
            return "acknowledged"
        if "check=1" in location:
            return f"step {body.get('step')} refused its answers"
        url = location
    return "more than 20 steps"


def _baseline(base: str, clients: int, seconds: float = 5.0) -> tuple[float, int]:
    stop = time.monotonic() + seconds
    counts = []

    def hammer():
        done = 0
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.monotonic() < stop:
                client.get("/")
                done += 1
        counts.append(done)

    threads = [threading.Thread(target=hammer) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds, sum(counts)


class WorkerCpu:
    """CPU seconds the gunicorn workers spend during the run, sampled from /proc every
    0.2 s (so a worker killed mid-run still counts what it used until its last sample)."""

    def __init__(self, server: subprocess.Popen):
        self.server = server
        self.seen: dict[int, float] = {}
        self.start = {pid: self._cpu(pid) for pid in _workers_of(server)}
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _cpu(self, pid: int) -> float:
        used = _cpu_seconds(pid)
        return self.seen.get(pid, 0.0) if used is None else used

    def _sample(self) -> None:
        while self.running:
            for pid in _workers_of(self.server):
                self.seen[pid] = max(self.seen.get(pid, 0.0), self._cpu(pid))
            time.sleep(0.2)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        for pid in _workers_of(self.server):
            self.seen[pid] = max(self.seen.get(pid, 0.0), self._cpu(pid))
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--mode",
        choices=["one-page", "steps"],
        default="one-page",
        help="the whole form on one page (?all=1), or a GET and a POST per step",
    )
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="kill one gunicorn worker when a third of the run is done",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    _prepare(args.database_url)
    before = _stored(args.database_url)
    server = _gunicorn("wsgi:app", args.workers, args.port, _env(args.database_url))
    base = f"http://127.0.0.1:{args.port}"
    counters = Counters(args.submissions)
    killed = None
    cpu = WorkerCpu(server)
    try:
        started = time.perf_counter()
        threads = [
            threading.Thread(target=_client, args=(base, counters, args.mode))
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        if args.kill_worker:
            while counters.acknowledged < args.submissions // 3:
                time.sleep(0.05)
            killed = _workers_of(server)[0]
            os.kill(killed, signal.SIGKILL)
            print(
                f"killed worker {killed} after {counters.acknowledged} submissions", file=sys.stderr
            )
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        worker_seconds = cpu.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = _stored(args.database_url) - before

    bare = _gunicorn("bench.bare_app:app", args.workers, args.port + 1, dict(os.environ))
    bare_cpu = WorkerCpu(bare)
    try:
        baseline, bare_requests = _baseline(
            f"http://127.0.0.1:{args.port + 1}", args.clients, args.baseline_seconds
        )
        bare_seconds = bare_cpu.stop()
    finally:
        bare.terminate()
        bare.wait(timeout=30)

    summary = {
        "mode": args.mode,
        "workers": args.workers,
        "clients": args.clients,
        "requested": args.submissions,
        "acknowledged": counters.acknowledged,
        "stored": stored,
        "abandoned": counters.abandoned,
        "failed_requests": len(counters.failures),
        "failures": sorted(set(counters.failures))[:10],
        "killed_worker": killed,
        "seconds": round(elapsed, 2),
        "submissions_per_s": round(counters.acknowledged / elapsed, 1),
        "p50_ms": round(_percentile(counters.latencies, 50), 1),
        "p95_ms": round(_percentile(counters.latencies, 95), 1),
        "p99_ms": round(_percentile(counters.latencies, 99), 1),
        "baseline_rps": round(baseline, 1),
        # CPU of the gunicorn workers per stored submission (every GET and POST of it).
        "server_cpu_ms": round(1000 * worker_seconds / max(counters.acknowledged, 1), 2),
        # The floor under the same load: worker CPU per request of the bare endpoint (a
        # submission is two requests).
        "baseline_cpu_ms_per_request": round(1000 * bare_seconds / max(bare_requests, 1), 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
