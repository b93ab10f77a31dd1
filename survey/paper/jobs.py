"""A paper batch's printed forms as a job (a few seconds for a large batch)."""

from __future__ import annotations

from typing import Any

from survey.extensions import db
from survey.jobs import services as jobs
from survey.jobs.kinds import Kind, Work
from survey.jobs.models import Job
from survey.paper.models import Batch
from survey.paper.printing import forms_pdf


def paper_forms(job: Job) -> dict[str, Any]:
    """The body laid out once, each serial stamped on."""
    batch = db.session.get(Batch, job.arguments["batch_id"])
    if batch is None:
        raise jobs.JobFailed("the batch no longer exists")
    jobs.progress(job, "paper_forms", 10)
    content = forms_pdf(batch, language=job.arguments["language"])
    name = f"batch-{batch.id}-forms-{job.arguments['language']}.pdf"
    jobs.keep_file(job, name, "application/pdf", content)
    return {"file": name, "forms": len(batch.forms)}


PAPER_FORMS = Kind("paper_forms", paper_forms, followers=("surveyor", "evaluator"))


def paper_forms_work(batch: Batch, language: str) -> Work:
    return Work(
        "paper_forms",
        f"paper_forms:batch:{batch.id}:{language}",
        {"batch_id": batch.id, "language": language},
    )
