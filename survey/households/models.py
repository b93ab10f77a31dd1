"""The household survey's frame and samples (SIPAS since 2022): villages of each commune
with their household counts, the villages a campaign drew, the households listed in them
and those drawn from the listing, each with its probability of selection.

Two stages, as the national survey draws them: K villages per commune (simple random, or
with probability proportional to households), then M households from each drawn
village's listing. The probabilities are what weights and the design (π₁π₂) need; no
random state is kept, so nothing replays a draw.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.db import enum_column, one_of, utcnow
from survey.extensions import db

# What became of a drawn household's visit (AAPOR's outcome classes for households): an
# interview complete or broken off, a refusal, no one found at home, or not a household
# the survey is about (vacant, not a dwelling).
OUTCOMES = ("complete", "partial", "refusal", "non_contact", "not_eligible")
# How villages are drawn within a commune: simple random sampling without replacement,
# or systematic sampling with probability proportional to the households (πps).
VILLAGE_METHODS = ("srs", "pps")


class Village(db.Model):
    """A village (thôn, buôn, tổ dân phố) of a commune, with its number of households: the
    first stage's frame (`households frame import`)."""

    __tablename__ = "village"
    __table_args__ = (
        UniqueConstraint("agency_id", "code"),
        CheckConstraint("households >= 1", name="households_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The commune (or ward): an agency of the commune level.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()


class HouseholdPlan(db.Model):
    """A campaign's household draw: villages per commune and how, households per village."""

    __tablename__ = "household_plan"
    __table_args__ = (
        one_of("method", VILLAGE_METHODS),
        CheckConstraint("villages_per_commune >= 1", name="villages_positive"),
        CheckConstraint("households_per_village >= 1", name="households_positive"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    villages_per_commune: Mapped[int] = mapped_column(Integer)
    households_per_village: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = enum_column(VILLAGE_METHODS)
    drawn_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()


class DrawnVillage(db.Model):
    """A village the campaign drew, with its first-stage probability; once listed, how many
    households the listing found (the second stage's population, N_i)."""

    __tablename__ = "drawn_village"
    __table_args__ = (
        CheckConstraint("probability > 0 AND probability <= 1", name="probability_range"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    probability: Mapped[float] = mapped_column(Float)
    # The commune's villages in the frame when drawn (N_h) and those drawn (n_h).
    frame_villages: Mapped[int] = mapped_column(Integer)
    listed: Mapped[int | None] = mapped_column(Integer)

    village: Mapped[Village] = relationship()


class ListedHousehold(db.Model):
    """A household as the surveyor listed it in a drawn village (its number in the listing
    and how the surveyor finds it again), and, if drawn, its second-stage probability."""

    __tablename__ = "listed_household"
    __table_args__ = (
        UniqueConstraint("campaign_id", "village_id", "number"),
        CheckConstraint(
            "probability IS NULL OR (probability > 0 AND probability <= 1)",
            name="probability_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # House number, road or landmark as written on the listing: how to find it, not who
    # lives there.
    description: Mapped[str] = mapped_column(Text)
    # Set for the drawn households only: π₂ = M / listed.
    probability: Mapped[float | None] = mapped_column(Float)

    village: Mapped[Village] = relationship()


class HouseholdOutcome(db.Model):
    """How the drawn households of a village ended, as counts: the response rates and the
    nonresponse adjustment within the village need no more, and no household row says
    how its visit went or which answer is its."""

    __tablename__ = "household_outcome"
    __table_args__ = (one_of("outcome", OUTCOMES),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(12), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class FieldDevice(db.Model):
    """A surveyor's phone: the token it sends its interviews with (kept as a hash), given
    when it downloads its assignment and good for `DEVICE_DAYS` — days offline in the
    villages, beyond any staff session."""

    __tablename__ = "field_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class FieldReceipt(db.Model):
    """A hash of the key a phone made for one listing or visit, stored with it: the same
    key sent again (a cut in the middle of sending) stores nothing twice. No time, no
    household, nothing else."""

    __tablename__ = "field_receipt"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
