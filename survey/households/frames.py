"""The villages of each commune and their households: the household survey's first-stage
frame, from a CSV (`commune_code,village_code,village_name,households`). All rows or
none, every bad row named; a village already in the frame is updated by its code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.codes import CODE_PATTERN
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.db import utcnow
from survey.extensions import db
from survey.households.models import Village
from survey.inputs import whole_number

COLUMNS = ("commune_code", "village_code", "village_name", "households")
# Communes and wards are the household survey's strata.
COMMUNE_KINDS = ("commune", "ward")


@dataclass(frozen=True)
class FrameImported:
    created: int
    updated: int
    unchanged: int


def import_frame(data: bytes, *, actor: str, user_id: int | None = None) -> FrameImported:
    """Store the villages of a frame file (CsvError naming every bad row; nothing
    changes then). Flushes; the caller commits."""
    communes = {
        a.code.lower(): a
        for a in db.session.scalars(select(Agency).where(Agency.kind.in_(COMMUNE_KINDS)))
    }
    problems: list[CsvProblem] = []
    rows: dict[tuple[int, str], tuple[str, int]] = {}
    for number, row in read_rows(data, required=COLUMNS):
        commune = communes.get(row["commune_code"].lower())
        if commune is None:
            problems.append(CsvProblem(number, "commune_code", _(
                "%(code)s is not a commune or ward", code=row["commune_code"] or "—")))  # fmt: skip
            continue
        code = row["village_code"]
        if not re.match(CODE_PATTERN, code) or len(code) > 32:
            problems.append(CsvProblem(number, "village_code", _("Letters, digits, . _ - only.")))
            continue
        name = row["village_name"]
        if not name or len(name) > 200:
            problems.append(CsvProblem(number, "village_name", _(
                "a name of 1 to 200 characters is needed")))  # fmt: skip
            continue
        households = whole_number(row["households"], maximum=10**6)
        if not households:
            problems.append(CsvProblem(number, "households", _(
                "a whole number of households, at least 1")))  # fmt: skip
            continue
        key = (commune.id, code.lower())
        if key in rows:
            problems.append(CsvProblem(number, "village_code", _(
                "%(code)s is listed twice for this commune", code=code)))  # fmt: skip
            continue
        rows[key] = (code, name, households)
    if problems:
        raise CsvError(problems)
    existing = {
        (v.agency_id, v.code.lower()): v
        for v in db.session.scalars(
            select(Village).where(func.lower(Village.code).in_([k[1] for k in rows]))
        )
    }
    created = updated = unchanged = 0
    for (agency_id, key), (code, name, households) in rows.items():
        village = existing.get((agency_id, key))
        if village is None:
            db.session.add(
                Village(agency_id=agency_id, code=code, name=name, households=households)
            )
            created += 1
        elif (village.name, village.households) != (name, households):
            village.name, village.households, village.updated_at = name, households, utcnow()
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    audit.record(
        "households.frame_import",
        "village",
        None,
        actor=actor,
        user_id=user_id,
        after={"created": created, "updated": updated, "unchanged": unchanged},
    )
    return FrameImported(created, updated, unchanged)
