"""Reform frameworks as imported (immutable) and the points evaluators give each agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db
from survey.reform.framework import Framework


class ReformFramework(db.Model):
    """A framework file as imported; a changed file is a new row, never an edit."""

    __tablename__ = "reform_framework"
    __table_args__ = (UniqueConstraint("code", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def definition(self) -> Framework:
        return Framework.from_content(self.content)

    def __repr__(self) -> str:
        return f"<ReformFramework {self.code} {self.content_hash[:8]}>"


@event.listens_for(ReformFramework, "before_update")
def _refuse_edits(mapper, connection, target: ReformFramework) -> None:
    raise ValueError(f"reform framework {target.code} is immutable; import a new file")


class ReformPoints(db.Model):
    """Points for one agency and one entered criterion: self-assessed and appraised.

    The appraisal council's points are the ones that count; the self-assessment is kept
    beside them because the gap between the two is itself something evaluators report.
    """

    __tablename__ = "reform_points"
    __table_args__ = (
        CheckConstraint("self_points IS NULL OR self_points >= 0", name="self_not_negative"),
        CheckConstraint(
            "appraised_points IS NULL OR appraised_points >= 0", name="appraised_not_negative"
        ),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(32), primary_key=True)
    self_points: Mapped[float | None] = mapped_column(Float)
    appraised_points: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    campaign: Mapped[Campaign] = relationship()
    agency: Mapped[Agency] = relationship()
