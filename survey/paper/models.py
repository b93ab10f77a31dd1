"""Paper questionnaires: batches of numbered forms, the entries keyed from them, and the
resolutions of entries that disagree.

A form's serial is printed on it (with a QR code). A surveyor keys a returned form under its
serial; when the campaign verifies it, a second surveyor keys it blind. Agreeing entries
become one submission; disagreeing ones wait for a supervisor, who types what the paper
says. Nothing here is personal: entries hold the paper codes, as the submission will.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign
from survey.db import enum_column, one_of, utcnow
from survey.extensions import db
from survey.questionnaires.models import RESPONDENT_TYPES
from survey.users.models import User

FORM_STATUSES = ("issued", "keyed", "adjudication", "verified")


class Batch(db.Model):
    """Forms printed for one agency in one campaign and handed to one surveyor."""

    __tablename__ = "paper_batch"
    __table_args__ = (
        CheckConstraint("returned_count IS NULL OR returned_count >= 0", name="returned"),
        one_of("respondent_type", RESPONDENT_TYPES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    # Which form is printed: the citizens' or the organisations' (its serials say so).
    respondent_type: Mapped[str] = enum_column(
        RESPONDENT_TYPES, default="citizen", server_default="citizen"
    )
    # Who takes the forms out; may be assigned after printing.
    surveyor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Where the forms are handed out: the sampling unit of the design, like a QR point.
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_point.id"))
    # Services numbered as printed on the forms: {"1": service id, ...}, frozen at printing
    # so that a service added later cannot shift the numbers on forms already out.
    service_numbers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Forms the surveyor brought back, as counted when the envelope was handed in.
    returned_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship()
    agency: Mapped[Agency] = relationship()
    surveyor: Mapped[User | None] = relationship()
    service_point: Mapped[ServicePoint | None] = relationship()
    forms: Mapped[list[PaperForm]] = relationship(
        back_populates="batch", order_by="PaperForm.serial"
    )

    def definition(self):
        """The questionnaire its forms print and are keyed with."""
        version = self.campaign.version_for(self.respondent_type)
        if version is None:  # the campaign's questionnaires are pinned with its batches
            raise LookupError(f"campaign has no {self.respondent_type} questionnaire")
        return version.definition()


class PaperForm(db.Model):
    """One printed form, known by its serial."""

    __tablename__ = "paper_form"
    __table_args__ = (UniqueConstraint("campaign_id", "serial"), one_of("status", FORM_STATUSES))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"), index=True)
    serial: Mapped[str] = mapped_column(String(32))
    # Whether this form is keyed twice (all forms under full double entry, else a sample).
    verify: Mapped[bool]
    status: Mapped[str] = enum_column(FORM_STATUSES, default="issued")
    # Attempts to key it again after its entries were complete: counted, never stored.
    duplicate_attempts: Mapped[int] = mapped_column(Integer, default=0)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), unique=True)

    batch: Mapped[Batch] = relationship(back_populates="forms")
    entries: Mapped[list[PaperEntry]] = relationship(
        back_populates="form", order_by="PaperEntry.id"
    )


class PaperEntry(db.Model):
    """What one keyer typed from one form: the paper codes, item by item."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("form_id", "keyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("paper_form.id"), index=True)
    keyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # {item code: typed text} for every item the paper's skip rules showed; blank = "".
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    field_count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    form: Mapped[PaperForm] = relationship(back_populates="entries")
    keyer: Mapped[User] = relationship()


class PaperResolution(db.Model):
    """A disagreement settled by a supervisor reading the paper."""

    __tablename__ = "paper_resolution"
    __table_args__ = (UniqueConstraint("form_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("paper_form.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    first_value: Mapped[str | None] = mapped_column(String(2000))
    second_value: Mapped[str | None] = mapped_column(String(2000))
    paper_value: Mapped[str | None] = mapped_column(String(2000))
    # Who typed something other than the paper (attribution for the quality report).
    first_wrong: Mapped[bool]
    second_wrong: Mapped[bool]
    resolved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SurveyorAssignment(db.Model):
    """A surveyor may issue batches for this agency in this campaign (administrators
    keep the list; evaluators issue batches for any)."""

    __tablename__ = "surveyor_assignment"
    __table_args__ = (UniqueConstraint("campaign_id", "agency_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship()
    agency: Mapped[Agency] = relationship()
    user: Mapped[User] = relationship()
