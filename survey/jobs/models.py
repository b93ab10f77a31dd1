"""A job: work asked for on a page, run by a worker, followed on a page of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import enum_column, one_of, utcnow
from survey.extensions import db

JOB_STATUSES = ("queued", "running", "done", "failed")
JOB_KINDS = (
    "analysis_run",
    "agency_reports",
    "report_pdf",
    "paper_forms",
    "audit_export",
    "responses_export",
    "invitations_export",
    "run_data_export",
)


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        one_of("status", JOB_STATUSES),
        one_of("kind", JOB_KINDS),
        # Joining a running job: the unfinished job of the same work.
        Index("ix_job_work_status", "work", "status"),
    )

    # Random, not sequential: job pages are not enumerable.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = enum_column(JOB_KINDS)
    # What the job does, e.g. "analysis_run:campaign:7": a second request for the same
    # work while one is unfinished joins it instead of starting another.
    work: Mapped[str] = mapped_column(String(120))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = enum_column(JOB_STATUSES, default="queued")
    step: Mapped[str | None] = mapped_column(String(64))
    percent: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Written at every step: a running job whose worker died stops beating.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class JobFile(db.Model):
    """The file a job made, kept in the database so that whichever machine ran the job,
    the web server can hand it out."""

    __tablename__ = "job_file"

    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
