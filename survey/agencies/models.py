"""Who serves citizens, and where: the units the satisfaction index is computed for."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import enum_column, one_of
from survey.extensions import db

AGENCY_KINDS = ("department", "district", "commune")
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
    __table_args__ = (one_of("kind", AGENCY_KINDS),)

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
    services: Mapped[list[Service]] = relationship(back_populates="agency")
    service_points: Mapped[list[ServicePoint]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class ServiceField(db.Model):
    """A field of administrative procedures (lĩnh vực): land, construction, civil status, ..."""

    __tablename__ = "service_field"

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
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

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
