"""The zero-setup default stays responsive (issue #34): on SQLite, while the job worker
runs an analysis of 20,000 answers, the overview, the job page and the survey each
answer in under a second, and the run still finishes.

Measured in a real Chromium against a live server, with the worker in a process of its
own, as `make run` starts them. Before pages read without the write lock
(survey/transactions.py) the survey page took up to 2.9 s here and the issue saw 11.8 s.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey.demo.services import DEMO_PASSWORD
from survey.extensions import db
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 1.0
PAGES = ("/results/demo", None, "/p/sxd-1/citizen")  # None: the run's job page


def test_pages_answer_within_a_second_while_a_run_of_20000_answers_works(browser, tmp_path):
    database, queue = tmp_path / "province.sqlite3", tmp_path / "jobs.sqlite3"
    url, jobs_url = f"sqlite:///{database}", f"sqlite:///{queue}"
    app = make_app(url, SURVEY_JOBS_IMMEDIATE=False, SURVEY_JOBS_URL=jobs_url)
    with app.app_context():
        upgrade()
        seeded = app.test_cli_runner().invoke(args=["demo", "seed", "--responses", "20000"])
        assert seeded.exit_code == 0, seeded.output
    environment = {
        **os.environ,
        "SURVEY_ENV": "development",
        "SURVEY_DATABASE_URL": url,
        "SURVEY_JOBS_URL": jobs_url,
        "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}")
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("danhgia")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/")
        # Each page once before the run: a first view compiles its templates, which is
        # not waiting for the worker (what this test measures).
        for path in ("/results/demo", "/p/sxd-1/citizen", "/jobs/none-yet"):
            page.goto(path)
        with app.app_context():
            from sqlalchemy import select

            from survey.campaigns.models import Campaign
            from survey.jobs import services as jobs

            campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
            work = f"analysis_run:campaign:{campaign.id}"
            job = jobs.start("analysis_run", work, {"campaign_id": campaign.id},
                             actor="test", user_id=None)  # fmt: skip
            job_id = job.id
            db.session.remove()
        timings: dict[str, list[float]] = {}
        status, steps = "queued", set()
        deadline = time.monotonic() + 600
        while status not in ("done", "failed") and time.monotonic() < deadline:
            state = _job_state(database, job_id)
            status = state[0]
            for path in PAGES:
                path = path or f"/jobs/{job_id}"
                clock = time.perf_counter()
                response = page.goto(path)
                took = time.perf_counter() - clock
                assert response is not None, path
                assert response.ok, (path, response.status)
                after = _job_state(database, job_id)
                if status == after[0] == "running":  # what counts: while the worker works
                    timings.setdefault(path, []).append(took)
                    steps.update((state[1], after[1]))
            time.sleep(0.2)
        context.close()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        server.shutdown()
        thread.join()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert status == "done", (tmp_path / "worker.log").read_text()[-2000:]
    # Measured through the run's heavy steps, several times each page.
    assert {"estimating", "recording"} & steps, steps
    assert all(len(t) >= 3 for t in timings.values()), timings
    worst = {path: max(t) for path, t in timings.items()}
    assert all(took < LIMIT_SECONDS for took in worst.values()), worst


def _job_state(database: Path, job_id: str) -> tuple[str, str | None]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute("SELECT status, step FROM job WHERE id = ?", (job_id,)).fetchone()
