"""Importing the one-stop-shop system's dossier export: all rows or none, every bad row
named, re-imports (the same or a cumulative file) updating by dossier code.

Header: dossier_code,agency_code,service_code,channel,received_date,due_date,
returned_date,result,phone (ISO dates; returned_date and result empty while in process;
phone optional). The service code, within the agency, gives the service field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from survey.agencies.models import Agency, Service
from survey.audit import services as audit
from survey.campaigns.invitations import DOSSIER, PHONE
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.db import utcnow
from survey.dossiers.models import DOSSIER_CHANNELS, DOSSIER_RESULTS, DossierRecord
from survey.extensions import db

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
OPTIONAL = ("phone",)
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
)


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int


def import_records(data: bytes, *, actor: str, user_id: int | None = None) -> Imported:
    """Check every row, then write them all (CsvError naming every bad row otherwise).
    The caller commits."""
    agencies = dict(db.session.execute(select(Agency.code, Agency.id)).all())
    services = {
        (agency_id, code): service_id
        for service_id, agency_id, code in db.session.execute(
            select(Service.id, Service.agency_id, Service.code)
        )
    }
    problems: list[CsvProblem] = []
    rows: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for number, row in read_rows(
        data, required=COLUMNS, optional=OPTIONAL, max_bytes=MAX_FILE_BYTES
    ):
        record, row_problems = _read(number, row, agencies, services)
        code = row["dossier_code"]
        if code in seen:
            row_problems.append(
                CsvProblem(number, "dossier_code", _("same as row %(row)s", row=seen[code]))
            )
        seen.setdefault(code, number)
        if row_problems:
            problems.extend(row_problems)
            if len(problems) >= 200:  # enough to act on; the file is refused anyway
                break
            continue
        rows[code] = record
    if problems:
        raise CsvError(problems)
    outcome = _write(rows)
    audit.record(
        "dossiers.import",
        "dossier_record",
        None,
        actor=actor,
        user_id=user_id,
        after={
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        },
    )
    return outcome


def _read(number: int, row: dict, agencies, services) -> tuple[dict, list[CsvProblem]]:
    problems: list[CsvProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(CsvProblem(number, column, message))

    if not DOSSIER.match(row["dossier_code"]):
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
    if phone is not None and not PHONE.match(phone):
        problem("phone", _("%(value)s is not a phone number", value=phone))
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


def _write(rows: dict[str, dict]) -> Imported:
    known: dict[str, tuple] = {}
    codes = list(rows)
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        for found in db.session.execute(
            select(
                DossierRecord.id,
                DossierRecord.dossier_code,
                *[getattr(DossierRecord, f) for f in FIELDS],
            ).where(DossierRecord.dossier_code.in_(chunk))
        ):
            known[found.dossier_code] = found
    now = utcnow()
    new, changed, unchanged = [], [], 0
    for code, record in rows.items():
        existing = known.get(code)
        if existing is None:
            new.append({**record, "updated_at": now})
        elif tuple(getattr(existing, f) for f in FIELDS) == tuple(record[f] for f in FIELDS):
            unchanged += 1
        else:
            changed.append(
                {"record_id": existing.id, **{f: record[f] for f in FIELDS}, "updated_at": now}
            )
    table = DossierRecord.__table__
    for start in range(0, len(new), CHUNK):
        db.session.execute(insert(table), new[start : start + CHUNK])
    if changed:
        statement = (
            update(table)
            .where(table.c.id == bindparam("record_id"))
            .values({f: bindparam(f) for f in (*FIELDS, "updated_at")})
        )
        connection = db.session.connection()
        for start in range(0, len(changed), CHUNK):
            connection.execute(statement, changed[start : start + CHUNK])
    db.session.flush()
    return Imported(created=len(new), updated=len(changed), unchanged=unchanged)
