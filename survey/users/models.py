"""Staff who administer, key in, evaluate or view results; citizens never have accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency
from survey.db import enum_column, one_of, utcnow
from survey.extensions import db

ROLES = ("admin", "surveyor", "evaluator", "agency-viewer")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        one_of("role", ROLES),
        # An agency viewer sees one agency's results, so it must have one.
        CheckConstraint(
            "role <> 'agency-viewer' OR agency_id IS NOT NULL", name="viewer_has_agency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = enum_column(ROLES)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Changing the password changes this, which signs the account out everywhere.
    session_token: Mapped[str] = mapped_column(String(64))

    agency: Mapped[Agency | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignInFailure(db.Model):
    """A failed sign-in, for throttling per account and per client across processes.

    Only salted hashes of the account name and the client address are kept.
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_account_at", "account_key", "occurred_at"),
        Index("ix_sign_in_failure_client_at", "client_key", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    account_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
