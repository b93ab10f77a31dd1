"""Timeliness of dossiers, per agency × service field and per agency, for a period.

For the dossiers returned in the period (from its first to its last day): how many, how
many on time (returned on or before the due date), the on-time rate, the median and 90th
percentile of processing days (calendar days from received to returned; nearest-rank
percentiles) and the share received online; and, for the period's end, how many were
received by then, not returned by then and already past due ("overdue still open").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import or_, select

from survey.agencies.models import Agency, Service, ServiceField
from survey.dossiers.models import DossierRecord
from survey.extensions import db

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


def timeliness(first: date, last: date) -> list[Timeliness]:
    """Every agency × field with dossiers returned or overdue in the period, then each
    agency's line (field empty), ordered by agency and field codes."""
    query = (
        select(
            Agency.code,
            ServiceField.code,
            DossierRecord.channel,
            DossierRecord.received_on,
            DossierRecord.due_on,
            DossierRecord.returned_on,
        )
        .join(Agency, Agency.id == DossierRecord.agency_id)
        .join(Service, Service.id == DossierRecord.service_id)
        .join(ServiceField, ServiceField.id == Service.field_id)
        .where(
            or_(
                DossierRecord.returned_on.between(first, last),
                # Open at the period's end: received by then, not returned by then.
                (DossierRecord.received_on <= last)
                & or_(DossierRecord.returned_on.is_(None), DossierRecord.returned_on > last),
            )
        )
    )
    rows = db.session.execute(query).all()
    if not rows:
        return []
    agency = np.array([r[0] for r in rows], dtype=object)
    field = np.array([r[1] for r in rows], dtype=object)
    online = np.array([r[2] == "online" for r in rows])
    received = np.array([r[3] for r in rows], dtype="datetime64[D]")
    due = np.array([r[4] for r in rows], dtype="datetime64[D]")
    returned = np.array([r[5] if r[5] is not None else None for r in rows], dtype="datetime64[D]")
    in_period = (returned >= np.datetime64(first)) & (returned <= np.datetime64(last))
    end = np.datetime64(last)
    still_open = (received <= end) & (np.isnat(returned) | (returned > end))
    overdue = still_open & (due < end)
    days = (returned - received).astype("timedelta64[D]").astype("float")
    on_time = in_period & (returned <= due)

    lines = []
    groups: dict[tuple[str, str], np.ndarray] = {}
    for key in sorted({(a, f) for a, f in zip(agency, field, strict=True)}):
        groups[key] = (agency == key[0]) & (field == key[1])
    for code in sorted(set(agency)):
        groups[(code, "")] = agency == code
    for (agency_code, field_code), rows_of in sorted(groups.items()):
        done = rows_of & in_period
        count = int(done.sum())
        taken = np.sort(days[done])
        lines.append(
            Timeliness(
                agency_code=agency_code,
                field_code=field_code,
                returned=count,
                on_time=int((rows_of & on_time).sum()),
                on_time_rate=float((rows_of & on_time).sum() / count) if count else None,
                median_days=nearest_rank(taken, 50),
                p90_days=nearest_rank(taken, 90),
                overdue_open=int((rows_of & overdue).sum()),
                online_share=float((done & online).sum() / count) if count else None,
            )
        )
    return lines
