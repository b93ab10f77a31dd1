"""Importing the one-stop-shop system's dossier export: all rows or none, every bad row
named, re-imports (the same or a cumulative file) updating by dossier code.

Header: dossier_code,agency_code,service_code,channel,received_date,due_date,
returned_date,result,phone,applicant_type (ISO dates; returned_date and result empty
while in process; phone optional; applicant_type citizen or organisation, citizen when
absent). The service code, within the agency, gives the service field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from survey.agencies.models import Agency, Service
from survey.audit import services as audit
from survey.campaigns.invitations import DOSSIER, PHONE
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.db import utcnow
from survey.dossiers.models import DOSSIER_CHANNELS, DOSSIER_RESULTS, DossierRecord
from survey.dossiers.retention import phones_kept_since
from survey.extensions import db
from survey.questionnaires.models import RESPONDENT_TYPES

COLUMNS = (
    "dossier_code",
    "agency_code",
    "service_code",
    "channel",
    "received_date",
    "due_date",
    "returned_date",
    "result",
)
OPTIONAL = ("phone", "applicant_type")
# Dossier codes and phones (DOSSIER, PHONE) read as in the invitations export.
MAX_FILE_BYTES = 1024 * 2**20  # the command line reads a province's yearly export
CHUNK = 5_000
# What an update compares and writes: a record is unchanged when all of these are.
FIELDS = (
    "agency_id",
    "service_id",
    "channel",
    "received_on",
    "due_on",
    "returned_on",
    "result",
    "phone",
    "applicant_type",
)


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int

    def counts(self) -> dict[str, int]:
        """What the audit trail, the command line and the API report."""
        return asdict(self)


class Codes:
    """Agencies' and services' ids by code, read once for a file or a batch."""

    def __init__(self) -> None:
        self.agencies = dict(db.session.execute(select(Agency.code, Agency.id)).all())
        self.services = {
            (agency_id, code): service_id
            for service_id, agency_id, code in db.session.execute(
                select(Service.id, Service.agency_id, Service.code)
            )
        }


def import_records(data: bytes, *, actor: str, user_id: int | None = None) -> Imported:
    """Check every row, then write them all (CsvError naming every bad row otherwise).
    The caller commits."""
    rows, problems = check_records(
        read_rows(data, required=COLUMNS, optional=OPTIONAL, max_bytes=MAX_FILE_BYTES),
        same_as=lambda row: _("same as row %(row)s", row=row),
    )
    if problems:
        raise CsvError(problems)
    outcome = write_records(rows)
    audit.record(
        "dossiers.import",
        "dossier_record",
        None,
        actor=actor,
        user_id=user_id,
        after=outcome.counts(),
    )
    return outcome


def check_records(
    numbered: Iterable[tuple[int, dict]], *, same_as: Callable[[int], str]
) -> tuple[dict[str, dict], list[CsvProblem]]:
    """Records ready to write by dossier code, and every problem of the rows (a file's
    row numbers, or a batch's indexes); a code given twice is named with `same_as`."""
    codes = Codes()
    kept_since = phones_kept_since()
    problems: list[CsvProblem] = []
    rows: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for number, row in numbered:
        record, row_problems = read_record(number, row, codes, kept_since)
        code = row["dossier_code"]
        if code in seen:
            row_problems.append(CsvProblem(number, "dossier_code", same_as(seen[code])))
        seen.setdefault(code, number)
        if row_problems:
            problems.extend(row_problems)
            if len(problems) >= 200:  # enough to act on; the rows are refused anyway
                break
            continue
        rows[code] = record
    return rows, problems


def read_record(
    number: int, row: dict, codes: Codes, phones_kept_since: date
) -> tuple[dict, list[CsvProblem]]:
    """One row of text as a record ready to write, and what is wrong with it. Dossiers
    returned before `phones_kept_since` bring no phone in: the retention rule erased
    theirs already, and a cumulative export must not bring it back."""
    agencies, services = codes.agencies, codes.services
    problems: list[CsvProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(CsvProblem(number, column, message))

    if not DOSSIER.fullmatch(row["dossier_code"]):
        problem(
            "dossier_code", _("%(value)s is not a dossier code", value=row["dossier_code"] or "—")
        )
    agency_id = agencies.get(row["agency_code"])
    service_id = None
    if agency_id is None:
        problem(
            "agency_code",
            _("There is no agency with the code %(code)s.", code=row["agency_code"] or "—"),
        )
    else:
        service_id = services.get((agency_id, row["service_code"]))
        if service_id is None:
            problem(
                "service_code",
                _(
                    "%(agency)s has no service %(code)s",
                    agency=row["agency_code"],
                    code=row["service_code"] or "—",
                ),
            )
    if row["channel"] not in DOSSIER_CHANNELS:
        problem(
            "channel",
            _(
                "%(value)s is not one of %(values)s",
                value=row["channel"] or "—",
                values=", ".join(DOSSIER_CHANNELS),
            ),
        )
    received = _day(row["received_date"], "received_date", problem, required=True)
    due = _day(row["due_date"], "due_date", problem, required=True)
    returned = _day(row["returned_date"], "returned_date", problem, required=False)
    if received and due and due < received:
        problem("due_date", _("the due date is before the date received"))
    if received and returned and returned < received:
        problem("returned_date", _("the return date is before the date received"))
    result = row["result"] or None
    if result is not None and result not in DOSSIER_RESULTS:
        problem(
            "result",
            _(
                "%(value)s is not one of %(values)s",
                value=result,
                values=", ".join(DOSSIER_RESULTS),
            ),
        )
    if returned is None and result is not None:
        problem("result", _("a dossier still in process has no result"))
    phone = row.get("phone", "") or None
    if phone is not None and not PHONE.fullmatch(phone):
        problem("phone", _("%(value)s is not a phone number", value=phone))
    if returned is not None and returned < phones_kept_since:
        phone = None
    applicant_type = row.get("applicant_type", "") or "citizen"
    if applicant_type not in RESPONDENT_TYPES:
        problem(
            "applicant_type",
            _(
                "%(value)s is not one of %(values)s",
                value=applicant_type,
                values=", ".join(RESPONDENT_TYPES),
            ),
        )
    record = {
        "dossier_code": row["dossier_code"],
        "agency_id": agency_id,
        "service_id": service_id,
        "channel": row["channel"],
        "received_on": received,
        "due_on": due,
        "returned_on": returned,
        "result": result,
        "phone": phone,
        "applicant_type": applicant_type,
        "source_system": None,
    }
    return record, problems


def _day(text: str, column: str, problem, *, required: bool) -> date | None:
    if not text:
        if required:
            problem(column, _("the date is empty"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problem(column, _("%(value)s is not a date (YYYY-MM-DD)", value=text))
        return None


def write_records(rows: dict[str, dict], system: str | None = None) -> Imported:
    """Create or update the records by dossier code; records written for a province
    system (the API) carry its code. The caller has checked each record and, for a
    system, that none belongs to another."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _upsert_postgresql(rows, system)
    return _write_in_steps(rows, system)


def _upsert_postgresql(rows: dict[str, dict], system: str | None) -> Imported:
    """One INSERT … ON CONFLICT per chunk: PostgreSQL updates only records that changed
    and says which rows it created (xmax = 0), so nothing is read first."""
    table = DossierRecord.__table__
    columns = ("dossier_code", *FIELDS)
    types = {c: table.c[c].type.compile(dialect=db.session.get_bind().dialect) for c in columns}
    arrays = ", ".join(f"CAST(%({c})s AS {types[c]}[])" for c in columns)
    changed = " OR ".join(f"dossier_record.{f} IS DISTINCT FROM excluded.{f}" for f in FIELDS)
    # Names come from FIELDS and the table, never from input (hence the noqa: S608).
    target = ", ".join((*columns, "source_system", "updated_at"))
    source = (
        "SELECT *, CAST(%(system)s AS varchar), CAST(%(now)s AS timestamp) "  # noqa: S608
        f"FROM unnest({arrays})"
    )
    settings = ", ".join(
        (
            *(f"{f} = excluded.{f}" for f in FIELDS),
            "source_system = coalesce(excluded.source_system, dossier_record.source_system)",
            "updated_at = excluded.updated_at",
        )
    )
    sql = (
        f"INSERT INTO dossier_record ({target}) {source} "
        f"ON CONFLICT (dossier_code) DO UPDATE SET {settings} WHERE {changed} "
        "RETURNING (xmax = 0)"
    )
    records = list(rows.values())
    now = utcnow()
    created = updated = 0
    cursor = db.session.connection().connection.driver_connection.cursor()
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        params = {c: [r[c] for r in chunk] for c in columns}
        cursor.execute(sql, {**params, "system": system, "now": now}, binary=True)
        for (was_created,) in cursor.fetchall():
            if was_created:
                created += 1
            else:
                updated += 1
    return Imported(created=created, updated=updated, unchanged=len(records) - created - updated)


def _write_in_steps(rows: dict[str, dict], system: str | None) -> Imported:
    known: dict[str, tuple] = {}
    codes = list(rows)
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        for found in db.session.execute(
            select(
                DossierRecord.id,
                DossierRecord.dossier_code,
                DossierRecord.source_system,
                *[getattr(DossierRecord, f) for f in FIELDS],
            ).where(DossierRecord.dossier_code.in_(chunk))
        ):
            known[found.dossier_code] = found
    now = utcnow()
    new, changed, unchanged = [], [], 0
    for code, record in rows.items():
        existing = known.get(code)
        if existing is None:
            new.append({**record, "source_system": system, "updated_at": now})
        elif tuple(getattr(existing, f) for f in FIELDS) == tuple(record[f] for f in FIELDS):
            unchanged += 1
        else:
            changed.append(
                {
                    "record_id": existing.id,
                    **{f: record[f] for f in FIELDS},
                    "source_system": system or existing.source_system,
                    "updated_at": now,
                }
            )
    table = DossierRecord.__table__
    for start in range(0, len(new), CHUNK):
        db.session.execute(insert(table), new[start : start + CHUNK])
    if changed:
        statement = (
            update(table)
            .where(table.c.id == bindparam("record_id"))
            .values({f: bindparam(f) for f in (*FIELDS, "source_system", "updated_at")})
        )
        connection = db.session.connection()
        for start in range(0, len(changed), CHUNK):
            connection.execute(statement, changed[start : start + CHUNK])
    db.session.flush()
    return Imported(created=len(new), updated=len(changed), unchanged=unchanged)
