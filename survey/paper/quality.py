"""The quality of paper entry: errors per keyer (differences the paper showed to be theirs)
and each batch's reconciliation (issued, keyed, verified, missing).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper.models import Batch, PaperEntry, PaperForm, PaperResolution
from survey.users.models import User


@dataclass(frozen=True)
class KeyerQuality:
    keyer: User
    forms: int
    fields: int
    errors: int
    median_seconds: float | None

    @property
    def errors_per_thousand(self) -> float | None:
        return None if not self.fields else 1000 * self.errors / self.fields


@dataclass(frozen=True)
class BatchQuality:
    batch: Batch
    issued: int
    returned: int | None
    keyed_once: int
    keyed_twice: int
    verified: int
    adjudication: int
    missing: int
    duplicates: int


def quality(campaign: Campaign) -> tuple[list[KeyerQuality], list[BatchQuality]]:
    """Per keyer: forms, fields, attributed errors per 1,000 fields, median seconds per
    form; per batch: where every issued serial stands."""
    # A fixed number of queries whatever the number of batches, forms and entries.
    entries = db.session.scalars(
        select(PaperEntry)
        .join(PaperForm)
        .options(selectinload(PaperEntry.keyer))
        .where(PaperForm.campaign_id == campaign.id)
        .order_by(PaperEntry.id)
    ).all()
    keyers_of: dict[int, list[int]] = {}
    for entry in entries:
        keyers_of.setdefault(entry.form_id, []).append(entry.keyer_id)
    errors: dict[int, int] = {}
    resolutions = db.session.scalars(
        select(PaperResolution).join(PaperForm).where(PaperForm.campaign_id == campaign.id)
    ).all()
    for resolution in resolutions:
        first, second = keyers_of[resolution.form_id][:2]
        errors[first] = errors.get(first, 0) + resolution.first_wrong
        errors[second] = errors.get(second, 0) + resolution.second_wrong
    by_keyer: dict[int, list[PaperEntry]] = {}
    for entry in entries:
        by_keyer.setdefault(entry.keyer_id, []).append(entry)
    keyers = []
    for keyer_entries in by_keyer.values():
        seconds = [
            (e.finished_at - e.started_at).total_seconds() for e in keyer_entries if e.started_at
        ]
        keyers.append(
            KeyerQuality(
                keyer_entries[0].keyer,
                len(keyer_entries),
                sum(e.field_count for e in keyer_entries),
                errors.get(keyer_entries[0].keyer_id, 0),
                statistics.median(seconds) if seconds else None,
            )
        )
    forms_of: dict[int, list[tuple[int, str, int]]] = {}
    for form_id, batch_id, status, duplicates in db.session.execute(
        select(
            PaperForm.id, PaperForm.batch_id, PaperForm.status, PaperForm.duplicate_attempts
        ).where(PaperForm.campaign_id == campaign.id)
    ):
        forms_of.setdefault(batch_id, []).append((form_id, status, duplicates))
    batches = []
    for batch in db.session.scalars(
        select(Batch)
        .options(joinedload(Batch.agency), joinedload(Batch.surveyor))
        .where(Batch.campaign_id == campaign.id)
        .order_by(Batch.id)
    ):
        forms = forms_of.get(batch.id, [])
        keyed = [len(keyers_of.get(form_id, ())) for form_id, _status, _dup in forms]
        batches.append(
            BatchQuality(
                batch,
                issued=len(forms),
                returned=batch.returned_count,
                keyed_once=sum(1 for k in keyed if k == 1),
                keyed_twice=sum(1 for k in keyed if k == 2),
                verified=sum(1 for _f, status, _d in forms if status == "verified"),
                adjudication=sum(1 for _f, status, _d in forms if status == "adjudication"),
                missing=sum(1 for k in keyed if k == 0),
                duplicates=sum(d for _f, _s, d in forms),
            )
        )
    return sorted(keyers, key=lambda k: k.keyer.username), batches
