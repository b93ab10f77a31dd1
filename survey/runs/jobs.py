"""The analysis run as a job: the run button queues it, a second click joins it, and the
finished job leads to the run's results."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from survey import transactions
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.jobs import services as jobs
from survey.jobs.kinds import Kind, Work
from survey.jobs.models import Job
from survey.runs.services import RunError, run


def analysis_run(job: Job) -> dict[str, Any]:
    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    if campaign is None:
        raise jobs.JobFailed("the campaign no longer exists")
    # The run reads for most of its time and writes at the end: on SQLite it reads
    # without the write lock (pages and surveys keep answering, survey/transactions.py)
    # and takes it only for its progress lines and for storing what it found.
    try:
        with transactions.reading():
            made = run(
                campaign,
                actor=job.actor,
                user_id=job.user_id,
                progress=lambda step, percent: _progress(job, step, percent),
            )
    except RunError as error:
        raise jobs.JobFailed(str(error)) from None
    db.session.commit()
    return {
        "run_id": made.id,
        "used": made.screening["used"],
        "flagged": made.screening["flagged"],
    }


def _progress(job: Job, step: str, percent: int) -> None:
    """A progress line in a short transaction of its own (the progress commits, as it
    always did; the run commits its own phases, survey/transactions.py)."""
    transactions.now_writing(db.session)
    with transactions.writing():
        jobs.progress(job, step, percent)


def _to_the_run(job: Job):
    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    flash(
        _(
            "Analysis run %(id)s stored: %(used)s submissions used, %(flagged)s flagged by "
            "screening.",
            id=job.result["run_id"],
            used=job.result["used"],
            flagged=job.result["flagged"],
        ),
        "success",
    )
    return redirect(
        url_for("dashboard.show_campaign", code=campaign.code, run=job.result["run_id"])
    )


ANALYSIS_RUN = Kind("analysis_run", analysis_run, followers=("evaluator",), landing=_to_the_run)


def analysis_work(campaign: Campaign) -> Work:
    """From the run button: the campaign's unfinished analysis, or a new one."""
    return Work(
        "analysis_run", f"analysis_run:campaign:{campaign.id}", {"campaign_id": campaign.id}
    )
