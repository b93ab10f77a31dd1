"""An analysis run is immutable: what went in (a hash of the exact data), how (the
parameters and library versions), and everything that came out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, event
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
    results: Mapped[dict[str, Any]] = mapped_column(JSON)

    campaign: Mapped[Campaign] = relationship()


class ImmutableRunError(Exception):
    pass


@event.listens_for(AnalysisRun, "before_update")
@event.listens_for(AnalysisRun, "before_delete")
def _refuse_changes(mapper, connection, target: AnalysisRun) -> None:
    raise ImmutableRunError(f"analysis run {target.id} is immutable")
