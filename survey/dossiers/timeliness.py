"""Timeliness of dossiers, per agency × service field and per agency, for a period.

For the dossiers returned in the period (from its first to its last day): how many, how
many on time (returned on or before the due date), the on-time rate, the median and 90th
percentile of processing days (calendar days from received to returned; nearest-rank
percentiles) and the share received online; and, for the period's end, how many were
received by then, not returned by then and already past due ("overdue still open").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import case, func, or_, select

from survey.agencies.models import Agency, Service, ServiceField
from survey.db import raw_statement
from survey.dossiers.models import DossierRecord
from survey.extensions import db
from survey.local_time import local

COLUMNS = (
    "agency_code",
    "field_code",
    "returned",
    "on_time",
    "on_time_rate",
    "median_days",
    "p90_days",
    "overdue_open",
    "online_share",
)


@dataclass(frozen=True)
class Timeliness:
    agency_code: str
    field_code: str  # "" for the whole agency
    returned: int
    on_time: int
    on_time_rate: float | None
    median_days: int | None
    p90_days: int | None
    overdue_open: int
    online_share: float | None

    def row(self) -> dict[str, str]:
        def shown(value) -> str:
            if value is None:
                return ""
            return f"{value:.6g}" if isinstance(value, float) else str(value)

        return {column: shown(getattr(self, column)) for column in COLUMNS}


def nearest_rank(sorted_values: np.ndarray, percent: float) -> int | None:
    """The nearest-rank percentile: the value at rank ceil(p/100 × n), counting from 1."""
    if sorted_values.size == 0:
        return None
    rank = max(1, math.ceil(percent / 100 * sorted_values.size))
    return int(sorted_values[rank - 1])


# Lines already computed, by everything they show (see `timeliness`): a campaign overview
# or a report reads them again without scanning a year of dossiers (seconds) each time.
_computed: dict[tuple, list[Timeliness]] = {}


def timeliness(first: date, last: date) -> list[Timeliness]:
    """Every agency × field with dossiers returned or overdue in the period, then each
    agency's line (field empty), ordered by agency and field codes.

    The counts are summed by the database; the percentiles need each group's processing
    days, which come back as two date columns and are ranked here with numpy. The lines
    are kept by what they show: the database, the period, the agencies' codes, the
    services' fields, and the records' state. Records are only written by imports, which
    stamp `updated_at` on every record they create or change, and never deleted, so
    their count, highest id and latest stamp change whenever a line could.
    """
    agencies = dict(db.session.execute(select(Agency.id, Agency.code)).all())
    field_of = dict(
        db.session.execute(
            select(Service.id, ServiceField.code).join(
                ServiceField, ServiceField.id == Service.field_id
            )
        ).all()
    )
    state = db.session.execute(
        select(func.count(), func.max(DossierRecord.id), func.max(DossierRecord.updated_at))
    ).one()
    key = (
        str(db.session.get_bind().engine.url),
        first,
        last,
        tuple(state),
        tuple(sorted(agencies.items())),
        tuple(sorted(field_of.items())),
    )
    if key not in _computed:
        if len(_computed) >= 32:
            _computed.clear()
        _computed[key] = _timeliness(first, last, agencies, field_of)
    return list(_computed[key])


def _timeliness(first: date, last: date, agencies, field_of) -> list[Timeliness]:
    end = last
    returned_in = DossierRecord.returned_on.between(first, last)
    still_open = (DossierRecord.received_on <= end) & or_(
        DossierRecord.returned_on.is_(None), DossierRecord.returned_on > end
    )
    counts = db.session.execute(
        select(
            Agency.code,
            ServiceField.code,
            func.sum(case((returned_in, 1), else_=0)),
            func.sum(
                case(
                    (returned_in & (DossierRecord.returned_on <= DossierRecord.due_on), 1), else_=0
                )
            ),
            func.sum(case((returned_in & (DossierRecord.channel == "online"), 1), else_=0)),
            func.sum(case((still_open & (DossierRecord.due_on < end), 1), else_=0)),
        )
        .join(Agency, Agency.id == DossierRecord.agency_id)
        .join(Service, Service.id == DossierRecord.service_id)
        .join(ServiceField, ServiceField.id == Service.field_id)
        .where(or_(returned_in, still_open))
        .group_by(Agency.code, ServiceField.code)
    ).all()
    days = _processing_days(first, last, agencies, field_of)
    totals: dict[tuple[str, str], list[int]] = {}
    for agency_code, field_code, returned, on_time, online, overdue in counts:
        numbers = [int(returned or 0), int(on_time or 0), int(online or 0), int(overdue or 0)]
        totals[(agency_code, field_code)] = numbers
        whole = totals.setdefault((agency_code, ""), [0, 0, 0, 0])
        for i, n in enumerate(numbers):
            whole[i] += n
    lines = []
    for (agency_code, field_code), (returned, on_time, online, overdue) in sorted(totals.items()):
        taken = days.get((agency_code, field_code), np.zeros(0))
        lines.append(
            Timeliness(
                agency_code=agency_code,
                field_code=field_code,
                returned=returned,
                on_time=on_time,
                on_time_rate=on_time / returned if returned else None,
                median_days=nearest_rank(taken, 50),
                p90_days=nearest_rank(taken, 90),
                overdue_open=overdue,
                online_share=online / returned if returned else None,
            )
        )
    return lines


def _processing_days(
    first: date, last: date, agencies: dict[int, str], field_of: dict[int, str]
) -> dict[tuple[str, str], np.ndarray]:
    """Sorted processing days of the dossiers returned in the period, per agency × field
    and per agency (field ""); `agencies` and `field_of` map ids to codes."""
    # The days are counted by the database (SQLite keeps dates as text): turning 400,000
    # pairs of dates into Python objects took most of the time.
    returned_on, received_on = DossierRecord.returned_on, DossierRecord.received_on
    if db.session.get_bind().dialect.name == "sqlite":
        days = func.julianday(returned_on) - func.julianday(received_on)
    else:
        days = returned_on - received_on  # PostgreSQL: date - date is an integer
    query = select(DossierRecord.agency_id, DossierRecord.service_id, days).where(
        returned_on.between(first, last)
    )
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*raw_statement(query))
    rows = cursor.fetchall()
    if not rows:
        return {}
    columns = np.array(rows, dtype=float)
    agency_ids, service_ids = columns[:, 0].astype(np.int64), columns[:, 1].astype(np.int64)
    taken = np.rint(columns[:, 2]).astype(np.int64)
    agency_names, agency_index = np.unique(_codes(agencies)[agency_ids], return_inverse=True)
    field_names, field_index = np.unique(_codes(field_of)[service_ids], return_inverse=True)
    # Integer keys: agency × (field + 1), and agency × 0 for the agency's own line.
    width = field_names.size + 1
    found: dict[tuple[str, str], np.ndarray] = {}
    for keys in (agency_index * width + field_index + 1, agency_index * width):
        order = np.lexsort((taken, keys))
        keys_sorted, taken_sorted = keys[order], taken[order]
        starts = np.flatnonzero(np.r_[True, keys_sorted[1:] != keys_sorted[:-1]])
        ends = np.r_[starts[1:], keys_sorted.size]
        for begin, stop in zip(starts, ends, strict=True):
            a, f = divmod(int(keys_sorted[begin]), width)
            code = str(agency_names[a]), "" if f == 0 else str(field_names[f - 1])
            found[code] = taken_sorted[begin:stop]
    return found


def _codes(by_id: dict[int, str]) -> np.ndarray:
    """An array that maps each id to its code (ids are small integers)."""
    codes = np.full(max(by_id, default=0) + 1, "", dtype=object)
    for key, code in by_id.items():
        codes[key] = code
    return codes


@dataclass(frozen=True)
class CampaignTimeliness:
    agencies: list[Timeliness]  # one line per agency, lowest on-time rate first
    fields: list[Timeliness]  # one line per service field, all the campaign's agencies
    first: date
    last: date
    # One line per agency × service field (an agency's report lists its fields).
    agency_fields: list[Timeliness] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """As a run records it (JSON), read back by `from_record`."""
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "agencies": [asdict(line) for line in self.agencies],
            "fields": [asdict(line) for line in self.fields],
            "agency_fields": [asdict(line) for line in self.agency_fields],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CampaignTimeliness:
        return cls(
            [Timeliness(**line) for line in record["agencies"]],
            [Timeliness(**line) for line in record["fields"]],
            date.fromisoformat(record["first"]),
            date.fromisoformat(record["last"]),
            [Timeliness(**line) for line in record.get("agency_fields", [])],
        )

    def of_agency(self, code: str) -> list[Timeliness]:
        """An agency's lines: each of its service fields, then the whole agency."""
        fields = [line for line in self.agency_fields if line.agency_code == code]
        return fields + [line for line in self.agencies if line.agency_code == code]


def run_record(analysis_run, made=None) -> dict[str, Any] | None:
    """What a run records of its campaign's dossiers: their timeliness over the period up
    to the run's cut-off day (the reform league's on-time criterion reads the same)."""
    found = for_campaign(analysis_run.campaign, local(analysis_run.cutoff_at).date())
    return None if found is None else found.record()


def for_campaign(campaign, today: date) -> CampaignTimeliness | None:
    """The campaign's agencies over its period (up to today): None without records."""
    last = min(campaign.period_end, today)
    if last < campaign.period_start:
        return None
    codes = {a.code for a in campaign.agencies}
    lines = [line for line in timeliness(campaign.period_start, last) if line.agency_code in codes]
    if not lines:
        return None
    agencies = [line for line in lines if not line.field_code]
    agencies.sort(key=lambda t: (t.on_time_rate is None, t.on_time_rate or 0, t.agency_code))
    by_field: dict[str, list[int]] = {}
    for line in lines:
        if line.field_code:
            sums = by_field.setdefault(line.field_code, [0, 0, 0])
            sums[0] += line.returned
            sums[1] += line.on_time
            sums[2] += line.overdue_open
    fields = [
        Timeliness("", code, returned, on_time, on_time / returned if returned else None,
                   None, None, overdue, None)
        for code, (returned, on_time, overdue) in by_field.items()
    ]  # fmt: skip
    fields.sort(key=lambda t: (t.on_time_rate is None, t.on_time_rate or 0, t.field_code))
    agency_fields = [line for line in lines if line.field_code]
    return CampaignTimeliness(agencies, fields, campaign.period_start, last, agency_fields)
