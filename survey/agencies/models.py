"""Who serves citizens, and where: the units the satisfaction index is computed for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import enum_column, one_of, unique_in_any_case
from survey.extensions import db

# Since July 2025 the commune level has communes (xã) and wards (phường); the
# small-area model takes the difference as a covariate, so the kind says which.
AGENCY_KINDS = ("department", "district", "commune", "ward")
# How an agency came to replace others: several merged into one, one split into several
# (each part takes a share of its dossiers), or one renamed.
SUCCESSION_KINDS = ("merge", "split", "rename")
# The groups the PAR Index ranks in, with their names: the demo and the migration that
# made groups data start from these; administrators add others.
STANDARD_GROUPS = (
    ("departments", "Sở, ban, ngành", "Departments", 1),
    ("districts", "UBND cấp huyện", "District people's committees", 2),
    ("communes", "UBND cấp xã", "Commune and ward people's committees", 3),
)


class RankingGroup(db.Model):
    """Agencies that are ranked against each other (departments, communes and wards, ...),
    named in both languages for pages and reports."""

    __tablename__ = "ranking_group"
    __table_args__ = (unique_in_any_case("ranking_group", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Agencies name their group by this code (what CSV files and the analysis use).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # Where the group comes in leagues and reports.
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A group no longer in use (districts since July 2025) stays for earlier campaigns.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<RankingGroup {self.code}>"


class Agency(db.Model):
    """A department (sở, ban, ngành), district (UBND huyện) or commune scored each year."""

    __tablename__ = "agency"
    __table_args__ = (
        unique_in_any_case("agency", "code"),
        one_of("kind", AGENCY_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = enum_column(AGENCY_KINDS)
    # Agencies are ranked against their peers only: departments with departments, etc.
    # A group's code may be corrected: its agencies follow (ON UPDATE CASCADE).
    ranking_group: Mapped[str] = mapped_column(
        ForeignKey("ranking_group.code", onupdate="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])
    group: Mapped[RankingGroup] = relationship()
    # In id order: PostgreSQL returns unordered rows in whatever order its pages hold them,
    # which updates and vacuum change, and the demo's draws follow this order.
    services: Mapped[list[Service]] = relationship(back_populates="agency", order_by="Service.id")
    service_points: Mapped[list[ServicePoint]] = relationship(
        back_populates="agency", order_by="ServicePoint.id"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class ServiceField(db.Model):
    """A field of administrative procedures (lĩnh vực): land, construction, civil status, ..."""

    __tablename__ = "service_field"
    __table_args__ = (unique_in_any_case("service_field", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<ServiceField {self.code}>"


class Service(db.Model):
    """An administrative procedure (thủ tục hành chính) as one agency provides it."""

    __tablename__ = "service"
    # The same national procedure code is provided by many agencies (every district, say).
    __table_args__ = (
        unique_in_any_case("service", "code", "agency_id"),
        UniqueConstraint("agency_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("service_field.id"), index=True)
    name_vi: Mapped[str] = mapped_column(String(400))
    name_en: Mapped[str] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship(back_populates="services")
    field: Mapped[ServiceField] = relationship()

    def __repr__(self) -> str:
        return f"<Service {self.code} of agency {self.agency_id}>"


class ServicePoint(db.Model):
    """A counter or one-stop shop of an agency: its QR poster, and the PSU of the design."""

    __tablename__ = "service_point"
    __table_args__ = (unique_in_any_case("service_point", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Globally unique because it is the short URL printed on the poster (/p/<code>).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship(back_populates="service_points")

    def __repr__(self) -> str:
        return f"<ServicePoint {self.code}>"


class AgencySuccession(db.Model):
    """One agency taking over (all or a share of) another's work from a date.

    Trends and "since the previous campaign" follow these rows: a merged agency's earlier
    figure is its predecessors' combined. A withdrawn row is deactivated, not deleted, and
    every change is in the audit log, so the history of the structure stays readable.
    """

    __tablename__ = "agency_succession"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id"),
        CheckConstraint("predecessor_id <> successor_id", name="not_itself"),
        CheckConstraint("share > 0 AND share <= 1", name="share"),
        one_of("kind", SUCCESSION_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = enum_column(SUCCESSION_KINDS)
    # The share of the predecessor's dossiers the successor took over: 1 for a merge or a
    # rename, the part's share for a split.
    share: Mapped[float] = mapped_column(Float, default=1.0)
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    predecessor: Mapped[Agency] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Agency] = relationship(foreign_keys=[successor_id])

    def __repr__(self) -> str:
        return f"<AgencySuccession {self.predecessor_id} -> {self.successor_id} ({self.kind})>"
