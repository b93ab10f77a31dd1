"""The demo's dossier records: the dossiers each agency returned in each service field
during the demo campaign, as many as its frame counts say, received from three weeks
before the period up to yesterday. Land dossiers are given longer and come back late
more often, as the province complains; a few recent dossiers are still in process.

The frame counts are then counted from these records, so the two agree by construction.
Dossiers returned in the last 30 days still have the applicant's phone (retention erases
older ones), so the demo also has a sampling plan and a draw of invitations among them;
the synthetic answers that came by link are given the drawn invitations' probabilities
and dossier timeliness (late dossiers going more often to less satisfied applicants), so
the response rates and the late/on-time gap show on the dashboard.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import repeat

import numpy as np
from sqlalchemy import func, select, update

from analysis import selection
from survey.agencies.models import Service
from survey.campaigns import link_use
from survey.campaigns.models import Campaign, Invitation, SamplingPlan
from survey.db import utcnow
from survey.dossiers import frames, sampling
from survey.dossiers.models import DossierRecord
from survey.dossiers.retention import phones_kept_since
from survey.extensions import db
from survey.local_time import today
from survey.responses.models import Answer, Submission

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
    # As SQLAlchemy writes a DateTime on SQLite (psycopg takes the datetime itself).
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    phones_from = phones_kept_since()
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
        # Built a column at a time: 400,000 records row by row took most of make run.
        numbers = np.arange(number + 1, number + n + 1)
        number += n
        returned = np.datetime64(first, "D") + returned_offset.astype("timedelta64[D]")
        received = returned - taken.astype("timedelta64[D]")
        due = received + allowed.astype("timedelta64[D]")
        # Most applicants leave a phone; only recent dossiers still have it.
        with_phone = (returned >= np.datetime64(phones_from, "D")) & (numbers % 7 != 0)
        rows.extend(
            zip(
                [f"DEMO-{k:07d}" for k in numbers.tolist()],
                repeat(cell.agency_id),
                repeat(cell.respondent_type),
                service.tolist(),
                channel.tolist(),
                np.datetime_as_string(received, unit="D").tolist(),
                np.datetime_as_string(due, unit="D").tolist(),
                np.datetime_as_string(returned, unit="D").tolist(),
                repeat("approved"),
                [
                    f"09{k % 10**8:08d}" if kept else None
                    for k, kept in zip(numbers.tolist(), with_phone.tolist(), strict=True)
                ],
                repeat(stamp),
            )
        )
        # A few still in process at the end: received lately, some already past due.
        for _ in range(max(1, n // 50)):
            number += 1
            received = last - timedelta(days=int(rng.integers(0, 40)))
            due = received + timedelta(days=int(rng.integers(low, high + 1)))
            rows.append(
                (f"DEMO-{number:07d}", cell.agency_id, cell.respondent_type, int(offered[0]),
                 "counter", received.isoformat(), due.isoformat(), None, None, None, stamp)
            )  # fmt: skip
        if len(rows) >= CHUNK:
            written += _write(rows)
            rows = []
    written += _write(rows)
    frames.set_from_records(campaign, actor="demo seed", user_id=None)
    _invitations(campaign, rng)
    return written


RESPONSE_RATE = 0.35


def _invitations(campaign: Campaign, rng: np.random.Generator) -> None:
    """A plan from the frame counts (Yamane at 5%), a draw among the recent dossiers, and
    the answers by link matched to drawn invitations (see the module's docstring)."""
    totals: dict[int, int] = {}
    for cell in campaign.frame_counts:
        totals[cell.agency_id] = totals.get(cell.agency_id, 0) + cell.dossiers
    for agency_id, dossiers in totals.items():
        planned = selection.yamane(dossiers)
        probability = min(1.0, planned / (RESPONSE_RATE * dossiers * 6 / 7))
        db.session.add(
            SamplingPlan(
                campaign_id=campaign.id,
                agency_id=agency_id,
                dossiers=dossiers,
                with_phone=round(dossiers * 6 / 7),
                planned=planned,
                response_rate=RESPONSE_RATE,
                probability=probability,
            )
        )
    db.session.flush()
    yesterday = today() - timedelta(days=1)
    if yesterday < campaign.period_start:
        return
    sampling.draw(
        campaign,
        yesterday,
        actor="demo seed",
        random=random.Random(int(rng.integers(0, 2**31))),
    )
    recent = datetime.combine(phones_kept_since(), datetime.min.time())
    satisfaction = dict(
        db.session.execute(
            select(Submission.id, func.avg(Answer.value_int))
            .join(Answer, Answer.submission_id == Submission.id)
            .where(
                Submission.campaign_id == campaign.id,
                Submission.channel != "paper",
                Submission.submitted_at >= recent,
                Answer.value_int.is_not(None),
            )
            .group_by(Submission.id)
        ).all()
    )
    # An organisation's answer comes from an organisation's invitation.
    by_agency: dict[tuple[int, str], list[int]] = {}
    for submission_id, agency_id, kind in db.session.execute(
        select(Submission.id, Submission.agency_id, Submission.respondent_type).where(
            Submission.id.in_(list(satisfaction))
        )
    ):
        by_agency.setdefault((agency_id, kind), []).append(submission_id)
    drawn: dict[tuple[int, str], list[Invitation]] = {}
    for invitation in db.session.scalars(
        select(Invitation)
        .where(Invitation.campaign_id == campaign.id, Invitation.selection_probability.is_not(None))
        .order_by(Invitation.id)
    ):
        drawn.setdefault((invitation.agency_id, invitation.applicant_type), []).append(invitation)
    changes = []
    for key, invitations in drawn.items():
        # About RESPONSE_RATE of the drawn answer: recent web answers become theirs.
        wanted = int(rng.binomial(len(invitations), RESPONSE_RATE))
        answered = by_agency.get(key, [])[:wanted]
        order = rng.permutation(len(invitations))
        used = [invitations[i] for i in order[: min(len(answered), len(invitations))]]
        for invitation in [invitations[i] for i in order[len(used) :]]:
            if rng.random() < 0.25:  # opened, never sent: a breakoff
                invitation.opened = True
        # Late dossiers go more often to the less satisfied: a gap to see.
        noisy = sorted(answered, key=lambda i: float(satisfaction[i]) + rng.normal(0, 0.6))
        late_first = sorted(used, key=lambda inv: (inv.dossier_timeliness != "late", inv.id))
        for submission_id, invitation in zip(noisy, late_first, strict=False):
            changes.append(
                {
                    "submission_id": submission_id,
                    # A link answer is about its dossier's service, as by_link fixes it.
                    "service_id": invitation.service_id,
                    "probability": invitation.selection_probability,
                    "timeliness": invitation.dossier_timeliness,
                }
            )
            outcome = "complete" if rng.random() < 0.95 else "partial"
            link_use.count(campaign.id, invitation.agency_id, invitation.dossier_channel, outcome)
            # As a real use does: the link forgets its dossier (survey/campaigns/link_use.py).
            invitation.used = True
            for column, value in link_use.FORGOTTEN.items():
                setattr(invitation, column, value)
    db.session.flush()
    for change in changes:
        db.session.execute(
            update(Submission)
            .where(Submission.id == change["submission_id"])
            .values(
                channel="web-link",
                service_point_id=None,
                service_id=change["service_id"],
                selection_probability=change["probability"],
                dossier_timeliness=change["timeliness"],
            )
        )


# The columns of the rows seed_dossiers builds, in order.
COLUMNS = (
    "dossier_code", "agency_id", "applicant_type", "service_id", "channel", "received_on",
    "due_on", "returned_on", "result", "phone", "updated_at",
)  # fmt: skip


def _write(rows: list[tuple]) -> int:
    """Rows straight to the driver (dates as ISO text, which both databases read)."""
    if rows:
        marker = "?" if db.session.get_bind().dialect.name == "sqlite" else "%s"
        # Made only of this module's constants and the table's name: nothing from input.
        statement = (
            f"INSERT INTO {DossierRecord.__tablename__} ({', '.join(COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join([marker] * len(COLUMNS))})"
        )
        db.session.connection().exec_driver_sql(statement, rows)
    return len(rows)
