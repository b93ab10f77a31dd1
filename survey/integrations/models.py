"""An integration token lets one province system (the one-stop-shop system, say) call the
platform's API. Only a digest of the token is kept: the token itself is shown once, to
the administrator who created it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency
from survey.db import utcnow
from survey.extensions import db

# The agencies whose records a token may write and read; none: every agency.
integration_token_agency = Table(
    "integration_token_agency",
    db.metadata,
    Column("token_id", ForeignKey("integration_token.id"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
)


class IntegrationToken(db.Model):
    __tablename__ = "integration_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The province system the token speaks for: the records it writes carry this code,
    # and it can change no record written for another system.
    system: Mapped[str] = mapped_column(String(32), index=True)
    # The first characters of the token, so that logs and pages can name it.
    prefix: Mapped[str] = mapped_column(String(12))
    # SHA-256 of the token: 256 random bits need no slow hash, and a lookup by digest
    # takes constant time whatever the guess.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A local day, enough to see a token that nobody uses any more.
    last_used_on: Mapped[date | None] = mapped_column(Date)
    # A system that serves some agencies only (a commune's own software, say) gets a
    # token for those: records of other agencies are refused.
    agencies: Mapped[list[Agency]] = relationship(
        secondary=integration_token_agency, order_by="Agency.code"
    )

    @property
    def active(self) -> bool:
        return self.revoked_at is None
