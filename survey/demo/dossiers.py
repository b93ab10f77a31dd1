"""The demo's dossier records: the dossiers each agency returned in each service field
during the demo campaign, as many as its frame counts say, received from three weeks
before the period up to yesterday. Land dossiers are given longer and come back late
more often, as the province complains; a few recent dossiers are still in process.

The frame counts are then counted from these records, so the two agree by construction.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import insert, select

from survey.agencies.models import Service
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.dossiers import frames
from survey.dossiers.models import DossierRecord
from survey.extensions import db
from survey.local_time import today

# Allowed days and the chance of coming back late, by service field (land: DD).
ALLOWED = {"DD": (15, 30)}
LATE = {"DD": 0.32}
DEFAULT_ALLOWED, DEFAULT_LATE = (3, 15), 0.07
CHANNELS = np.array(["counter", "online", "post"])
CHUNK = 10_000


def seed_dossiers(campaign: Campaign, rng: np.random.Generator) -> int:
    """Write the records and count the frame from them; the number of records."""
    services: dict[tuple[int, int], list[int]] = {}
    for service_id, agency_id, field_id in db.session.execute(
        select(Service.id, Service.agency_id, Service.field_id)
    ):
        services.setdefault((agency_id, field_id), []).append(service_id)
    first, last = campaign.period_start, min(campaign.period_end, today() - timedelta(days=1))
    now, written, number = utcnow(), 0, 0
    rows: list[dict] = []
    for cell in campaign.frame_counts:
        offered = services.get((cell.agency_id, cell.service_field_id))
        if not offered:
            continue
        code = cell.service_field.code
        low, high = ALLOWED.get(code, DEFAULT_ALLOWED)
        n = cell.dossiers
        allowed = rng.integers(low, high + 1, n)
        late = rng.random(n) < LATE.get(code, DEFAULT_LATE)
        taken = np.where(
            late, allowed + rng.integers(1, 25, n), (allowed * rng.random(n)).astype(int)
        )
        span = (last - first).days + 1
        # Returned within the period (they are the frame), received `taken` days before.
        returned_offset = rng.integers(0, span, n)
        channel = CHANNELS[rng.choice(3, n, p=[0.62, 0.34, 0.04])]
        service = np.array(offered)[rng.integers(0, len(offered), n)]
        for i in range(n):
            number += 1
            returned = first + timedelta(days=int(returned_offset[i]))
            received = returned - timedelta(days=int(taken[i]))
            rows.append(
                {
                    "dossier_code": f"DEMO-{number:07d}",
                    "agency_id": cell.agency_id,
                    "service_id": int(service[i]),
                    "channel": str(channel[i]),
                    "received_on": received,
                    "due_on": received + timedelta(days=int(allowed[i])),
                    "returned_on": returned,
                    "result": "approved",
                    "phone": None,
                    "updated_at": now,
                }
            )
        # A few still in process at the end: received lately, some already past due.
        for _ in range(max(1, n // 50)):
            number += 1
            received = last - timedelta(days=int(rng.integers(0, 40)))
            rows.append(
                {
                    "dossier_code": f"DEMO-{number:07d}",
                    "agency_id": cell.agency_id,
                    "service_id": int(offered[0]),
                    "channel": "counter",
                    "received_on": received,
                    "due_on": received + timedelta(days=int(rng.integers(low, high + 1))),
                    "returned_on": None,
                    "result": None,
                    "phone": None,
                    "updated_at": now,
                }
            )
        if len(rows) >= CHUNK:
            written += _write(rows)
            rows = []
    written += _write(rows)
    frames.set_from_records(campaign, actor="demo seed", user_id=None)
    return written


def _write(rows: list[dict]) -> int:
    if rows:
        db.session.execute(insert(DossierRecord.__table__), rows)
    return len(rows)
