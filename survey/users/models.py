"""Staff who administer, key in, evaluate or view results; citizens never have accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency
from survey.db import enum_column, one_of, unique_in_any_case, utcnow
from survey.extensions import db

ROLES = ("admin", "surveyor", "evaluator", "agency-viewer")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        unique_in_any_case("user_account", "username"),
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
    # A password someone else saw (generated at creation or by an administrator's reset)
    # is changed at the next sign-in before anything else can be done.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    agency: Mapped[Agency | None] = relationship()

    # The secret of the staff session this request runs in (set by the session loader):
    # Flask-Login keeps get_id() in the signed cookie, and the session row decides.
    session_secret = None  # str | None; not a column

    def get_id(self) -> str:
        return f"{self.id}:{self.session_secret or ''}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class StaffSession(db.Model):
    """One signed-in browser. The cookie holds its secret; only a hash is stored here.

    Signing out, changing the password or idling past the timeout ends it, so a copied
    cookie stops working at once instead of living as long as the cookie.
    """

    __tablename__ = "staff_session"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInThrottle(db.Model):
    """Recent failed sign-ins of one account from one client, or of one client overall.

    Attempts are claimed with one conditional UPDATE before the password is checked, so
    parallel tries cannot all slip under the limit. Only keyed hashes are stored.
    """

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    allowed_from: Mapped[datetime] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime)
