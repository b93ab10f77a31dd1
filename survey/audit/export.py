"""The audit trail as a CSV file: the events a filter selects, up to a known last event.

Years of a province's trail are hundreds of thousands of events, so the file is made by a
job (survey/jobs), reading the events in id order in chunks rather than as objects. Events
never change once written, so the filter, the last event's id and the time zone the
times are written in are everything the file shows: a file made for the same three is
served again without being made again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select

from survey import local_time
from survey.audit.models import AuditEvent
from survey.csv_files import write_rows
from survey.extensions import db

FILTERS = ("actor", "action", "entity_type", "entity_id", "since", "until")
COLUMNS = ("id", "occurred_at", "actor", "action", "entity_type", "entity_id", "before", "after")
CHUNK = 10_000


class BadFilter(ValueError):
    """A filter value that cannot be read (a day that is not YYYY-MM-DD)."""


def filters_of(args: Mapping[str, str]) -> dict[str, str]:
    return {name: args.get(name, "").strip() for name in FILTERS if args.get(name, "").strip()}


def events(filters: Mapping[str, str]) -> Select:
    """The events the filters select. Days are the province's local days."""
    query = select(AuditEvent)
    for name in ("actor", "action", "entity_type", "entity_id"):
        value = filters.get(name)
        if value:
            column = getattr(AuditEvent, name)
            query = query.where(column.startswith(value) if name == "action" else column == value)
    for name in ("since", "until"):
        value = filters.get(name)
        if not value:
            continue
        try:
            day = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise BadFilter(value) from None
        if name == "until":
            day += timedelta(days=1)
        # Local midnight, as stored (naive UTC).
        start = day.replace(tzinfo=local_time.zone()).astimezone(UTC).replace(tzinfo=None)
        column = AuditEvent.occurred_at
        query = query.where(column >= start if name == "since" else column < start)
    return query


def last_event_id(filters: Mapping[str, str]) -> int:
    ids = events(filters).with_only_columns(func.max(AuditEvent.id))
    return db.session.scalar(ids) or 0


def work(filters: Mapping[str, str], last_id: int) -> str:
    """What the file shows, as a job's work: equal for equal files, and only then."""
    described = json.dumps(
        {"filters": dict(sorted(filters.items())), "last": last_id, "zone": str(local_time.zone())},
        sort_keys=True,
    )
    return "audit_export:" + hashlib.sha256(described.encode()).hexdigest()


def csv_file(
    filters: Mapping[str, str], last_id: int, progress: Callable[[int], None] | None = None
) -> bytes:
    chosen = events(filters).where(AuditEvent.id <= last_id).subquery()
    total = db.session.scalar(select(func.count()).select_from(chosen))
    return write_rows(COLUMNS, _rows(filters, last_id, total or 0, progress)).encode("utf-8")


def _rows(filters, last_id: int, total: int, progress) -> Iterator[dict[str, str]]:
    columns = [getattr(AuditEvent, name) for name in COLUMNS]
    query = events(filters).where(AuditEvent.id <= last_id).with_only_columns(*columns)
    after, written = 0, 0
    while True:
        chunk = db.session.execute(
            query.where(AuditEvent.id > after).order_by(AuditEvent.id).limit(CHUNK)
        ).all()
        if not chunk:
            return
        for row in chunk:
            yield _shown(row)
        after = chunk[-1].id
        written += len(chunk)
        if progress is not None and total:
            progress(min(99, 100 * written // total))


def audit_export(job) -> dict[str, str]:
    """The job's work: the events its filter selects, up to its last event, as CSV."""
    from survey.jobs import services as jobs

    filters, last_id = job.arguments["filters"], job.arguments["last_id"]
    content = csv_file(
        filters, last_id, progress=lambda percent: jobs.progress(job, "audit_export", percent)
    )
    jobs.keep_file(job, "audit.csv", "text/csv", content)
    return {"file": "audit.csv"}


def _shown(row) -> dict[str, str]:
    return {
        "id": row.id,
        "occurred_at": local_time.local(row.occurred_at).isoformat(sep=" ", timespec="seconds"),
        "actor": row.actor,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id or "",
        "before": json.dumps(row.before, ensure_ascii=False) if row.before is not None else "",
        "after": json.dumps(row.after, ensure_ascii=False) if row.after is not None else "",
    }
