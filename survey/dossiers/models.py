"""Dossier records from the province's one-stop-shop system: when each dossier was
received, due and returned, and how it ended. The platform reads timeliness from them
(the province's own complaint is late dossiers, land above all)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency, Service
from survey.db import enum_column, one_of, utcnow
from survey.extensions import db
from survey.questionnaires.models import RESPONDENT_TYPES

DOSSIER_CHANNELS = ("counter", "online", "post")
DOSSIER_RESULTS = ("approved", "refused", "withdrawn")


class DossierRecord(db.Model):
    """One dossier as the one-stop-shop system exported it, updated by later exports."""

    __tablename__ = "dossier_record"
    __table_args__ = (
        one_of("channel", DOSSIER_CHANNELS),
        one_of("applicant_type", RESPONDENT_TYPES),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint(
            "returned_on IS NULL OR returned_on >= received_on", name="returned_after_received"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    channel: Mapped[str] = enum_column(DOSSIER_CHANNELS)
    # A citizen (or family) or an organisation: which form the applicant is invited to
    # answer, and the frame counts' respondent type.
    applicant_type: Mapped[str] = enum_column(
        RESPONDENT_TYPES, default="citizen", server_default="citizen"
    )
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # Empty while the dossier is in process.
    returned_on: Mapped[date | None] = mapped_column(Date, index=True)
    result: Mapped[str | None] = mapped_column(String(16))
    # For inviting the applicant to the survey; never leaves through exports or the API.
    phone: Mapped[str | None] = mapped_column(String(20))
    # The province system whose API token wrote the record (survey/integrations); empty
    # for file imports. A token cannot change another system's records.
    source_system: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
    service: Mapped[Service] = relationship()
