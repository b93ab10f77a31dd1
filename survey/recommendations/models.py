"""Citizens' and organisations' recommendations to an agency ("kiến nghị"), the agency's
reply, and the contact left for it.

A recommendation is kept apart from any submission (README.md, "Privacy"): its id is
drawn at random (no order to match with the submissions'), it knows its day and never a
time, and after each one arrives the agency's recommendations of that day are rewritten
together so that PostgreSQL's row versions (xmin) do not say which came in which
transaction. The contact, for a reply by SMS or e-mail, lives in its own table and is
erased 30 days after the reply (services.ERASE_CONTACTS).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency, ServiceField
from survey.campaigns.models import Campaign
from survey.db import enum_column, one_of
from survey.extensions import db

# Where a recommendation stands on the public page: not yet decided, shown, or held
# back with a reason (threats, personal data the masks missed). Never deleted.
PUBLICATIONS = ("pending", "published", "withheld")
# How it came: typed by the person after the survey, or keyed from a paper form.
SOURCES = ("web", "paper")
MAX_TEXT = 2000
MAX_REPLY = 4000


class Recommendation(db.Model):
    __tablename__ = "recommendation"
    __table_args__ = (
        one_of("publication", PUBLICATIONS),
        one_of("source", SOURCES),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint("(reply IS NULL) = (replied_on IS NULL)", name="reply_and_its_day"),
        CheckConstraint(
            "publication <> 'withheld' OR withheld_reason IS NOT NULL", name="withheld_why"
        ),
    )

    # Drawn at random (services.new_id), not counted: ids in arrival order would pair
    # recommendations with the submissions stored just before them.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    service_field_id: Mapped[int | None] = mapped_column(ForeignKey("service_field.id"))
    source: Mapped[str] = enum_column(SOURCES, default="web")
    # The theme the person picked, if any; the agency's classification (themes.py codes).
    theme_chosen: Mapped[str | None] = mapped_column(String(32))
    theme: Mapped[str | None] = mapped_column(String(32))
    # Masked for personal data as it is stored (survey/privacy.py): no one reads the
    # original.
    text: Mapped[str] = mapped_column(Text)
    # Days, never times: a time would pair it with the submission made a moment before.
    received_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_on: Mapped[date | None] = mapped_column(Date)
    publication: Mapped[str] = enum_column(PUBLICATIONS, default="pending")
    withheld_reason: Mapped[str | None] = mapped_column(Text)
    # The day the reply was handed to the SMS/e-mail gateway (export), when a contact was
    # left.
    reply_sent_on: Mapped[date | None] = mapped_column(Date)

    campaign: Mapped[Campaign] = relationship()
    agency: Mapped[Agency] = relationship()
    service_field: Mapped[ServiceField | None] = relationship()
    contact: Mapped[RecommendationContact | None] = relationship(
        uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    def overdue(self, on: date) -> bool:
        return self.replied_on is None and on > self.due_on

    def on_time(self) -> bool | None:
        return None if self.replied_on is None else self.replied_on <= self.due_on


class RecommendationContact(db.Model):
    """The phone or e-mail a person left to be told the reply: personal data, apart from
    the text, and erased `CONTACT_DAYS` after the reply."""

    __tablename__ = "recommendation_contact"
    __table_args__ = (
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="phone_or_email"),
    )

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
