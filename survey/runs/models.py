"""An analysis run is immutable: what went in (a hash of the exact data), how (the
parameters and library versions), and everything that came out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, and_, event, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db


class AnalysisRun(db.Model):
    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Submissions received up to this moment are the run's input.
    cutoff_at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))
    data_hash: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON)
    screening: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Megabytes at province size: loaded when read, not with every run a page names (the
    # league, the headers and the job pages read the run's snapshot and columns only).
    results: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)

    campaign: Mapped[Campaign] = relationship()
    # Loaded on its own when a page reads it (the estimates are a large blob of their own).
    snapshot: Mapped[RunSnapshot | None] = relationship(lazy="select", uselist=False)


class RunSnapshot(db.Model):
    """What a run's pages and reports show beside its estimates, recorded by the run job
    as things stood when the run was made: the reform league with the points entered by
    then, dossier timeliness up to the cut-off, response rates, the comparison with the
    previous league. A report of run N shows run N alone, whatever is imported or
    entered after it; the next run shows the change (survey/runs/snapshots.py)."""

    __tablename__ = "run_snapshot"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_run.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class RunFlag(db.Model):
    """A submission a run set aside or flagged, and why: its screening rules and the
    person's decision it honoured. Stored with the run (never on the submission), so
    each run's verdict stays as it was and its inputs can be listed exactly: a run used
    every submission up to its cut-off except those here with decision "exclude", or
    with rules and no "keep"."""

    __tablename__ = "run_flag"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_run.id", ondelete="CASCADE"), primary_key=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rules: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    decision: Mapped[str | None] = mapped_column(String(7))  # "exclude", "keep" or none

    # One definition of "the run did not use it", in Python and in SQL.
    @hybrid_property
    def set_aside(self) -> bool:
        return self.decision == "exclude" or (bool(self.rules) and self.decision != "keep")

    @set_aside.inplace.expression
    @classmethod
    def _set_aside_expression(cls):
        return or_(
            cls.decision == "exclude",
            and_(cls.rules != "", or_(cls.decision.is_(None), cls.decision != "keep")),
        )


class ImmutableRunError(Exception):
    pass


@event.listens_for(AnalysisRun, "before_update")
@event.listens_for(AnalysisRun, "before_delete")
@event.listens_for(RunSnapshot, "before_update")
@event.listens_for(RunSnapshot, "before_delete")
@event.listens_for(RunFlag, "before_update")
@event.listens_for(RunFlag, "before_delete")
def _refuse_changes(mapper, connection, target) -> None:
    raise ImmutableRunError(f"{target.__tablename__} rows of a run are immutable")
