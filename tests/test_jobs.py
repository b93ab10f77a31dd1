"""Analysis runs are jobs: queued by the button, run by a worker (a real Huey consumer here,
on its SQLite queue), followed on their page, joined by a second click, retried after a
worker died."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from survey.db import utcnow
from survey.extensions import db
from survey.jobs import services
from survey.jobs.models import Job
from survey.runs.models import AnalysisRun
from survey.users.services import create_user
from tests.conftest import migrated_app


@pytest.fixture
def province(tmp_path):
    """A committed database with the demo province and a queue on disk, no immediate mode."""
    with migrated_app(
        tmp_path,
        SURVEY_JOBS_IMMEDIATE=False,
        SURVEY_JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
    ) as app:
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--responses", "300"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            create_user(
                username="evaluator", role="evaluator", password="jobs run elsewhere 1", actor="t"
            )
            db.session.commit()
        client = app.test_client()
        client.post("/sign-in", data={"login": "evaluator", "password": "jobs run elsewhere 1"})
        yield app, client


@pytest.fixture
def worker(province):
    app, _client = province
    consumer = app.extensions["huey"].create_consumer(
        workers=1, worker_type="thread", periodic=False, check_worker_health=False
    )
    consumer.start()
    yield consumer
    consumer.stop(graceful=True)


def _click_run(client) -> str:
    response = client.post("/results/demo/runs")
    assert response.status_code == 303
    return re.search(r"/jobs/([0-9a-f]{32})$", response.headers["Location"])[1]


def _wait(app, job_id: str, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            db.session.expunge(job)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.status} after {seconds} s")


def _runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AnalysisRun))


def test_the_run_button_queues_a_job_that_a_worker_runs(province, worker):
    app, client = province
    job_id = _click_run(client)
    page = client.get(f"/jobs/{job_id}?lang=en")
    if page.status_code == 200:  # still queued or running: the page says so and follows it
        text = page.get_data(as_text=True)
        assert 'http-equiv="refresh"' not in text, "no meta refresh (axe: critical)"
        assert "js/job.js" in text
        assert f'href="/jobs/{job_id}"' in text, "without JavaScript: a link to look again"
        assert "Waiting for a worker" in text or "Running:" in text
        state = client.get(f"/jobs/{job_id}/state?lang=en").get_json()
        assert state["status"] in ("queued", "running", "done")
        assert state["ended"] == (state["status"] == "done")
    job = _wait(app, job_id)
    assert job.status == "done", job.error
    assert job.attempts == 1
    assert job.percent == 100
    finished = client.get(f"/jobs/{job_id}")
    assert finished.status_code == 302
    assert f"run={job.result['run_id']}" in finished.headers["Location"]
    assert _runs(app) == 1


def test_a_second_click_while_a_run_is_queued_joins_it(province):
    app, client = province
    first, second = _click_run(client), _click_run(client)
    assert first == second, "no worker yet: the second click joins the queued job"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_job_whose_worker_died_is_retried(province):
    app, client = province
    job_id = _click_run(client)
    with app.app_context():
        # What a killed worker leaves: running, its heartbeat stopped long ago.
        job = db.session.get(Job, job_id)
        job.status, job.attempts = "running", 1
        job.heartbeat_at = utcnow() - services.STALLED - timedelta(minutes=1)
        db.session.commit()
    page = client.get(f"/jobs/{job_id}?lang=en").get_data(as_text=True)
    assert "stopped answering" in page
    assert 'http-equiv="refresh"' not in page
    assert client.post(f"/jobs/{job_id}/retry").status_code == 303
    assert _click_run(client) == job_id, "the retried job is the one to join"
    consumer = app.extensions["huey"].create_consumer(
        workers=1, worker_type="thread", periodic=False, check_worker_health=False
    )
    consumer.start()
    try:
        job = _wait(app, job_id)
    finally:
        consumer.stop(graceful=True)
    assert job.status == "done", job.error
    assert job.attempts == 2
    assert _runs(app) == 1, "the queue held the job twice; it ran once"


def test_a_job_that_cannot_run_says_why(province, worker):
    app, client = province
    with app.app_context():
        # Nothing to analyse: the run refuses, and the job says why.
        db.session.execute(text("DELETE FROM answer"))
        db.session.execute(text("DELETE FROM submission"))
        db.session.commit()
    job = _wait(app, _click_run(client))
    assert job.status == "failed"
    assert "no valid submissions" in job.error
    page = client.get(f"/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert "could not be done" in page
    assert "Try again" in page


def test_every_kind_of_job_is_declared_by_its_package(app):
    """The database's kinds and the registered ones are the same: a worker can run every
    job it may find, and the jobs package imports none of the packages whose work it runs."""
    import grimp

    from survey.jobs.kinds import KINDS
    from survey.jobs.models import JOB_KINDS

    assert set(KINDS) == set(JOB_KINDS)
    graph = grimp.build_graph("survey")
    for module in [m for m in graph.modules if m.startswith("survey.jobs")]:
        directly = graph.find_modules_directly_imported_by(module)
        imported = {m.split(".")[1] for m in directly if m.startswith("survey.")}
        assert imported <= {"jobs", "db", "extensions", "downloads", "permissions", "web"}, module
