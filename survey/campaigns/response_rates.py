"""Response rates of drawn invitations, per agency and dossier channel (AAPOR Standard
Definitions). Every drawn dossier is eligible (it was returned to an applicant), so:

- I: complete (at least 80% of the index items shown answered), P: partial (50-80%);
- R: refusal or breakoff: sent with fewer than 50%, or opened and never sent;
- NC: non-contact: never opened (an SMS that did not arrive looks the same);
- RR1 = I / (I + P + R + NC), RR2 = (I + P) / (I + P + R + NC).

While links are still valid their outcome is not final: they count as R or NC for now,
and `open_links` says how many.
"""

from __future__ import annotations

from dataclasses import asdict, astuple, dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from survey.campaigns.models import Campaign, Invitation
from survey.db import utcnow
from survey.extensions import db


@dataclass(frozen=True)
class ResponseRate:
    agency_id: int
    channel: str  # the dossier's channel; "" for the agency's total
    selected: int
    complete: int
    partial: int
    refused: int  # breakoffs and links opened but never sent
    no_contact: int
    open_links: int  # unused and still valid

    @property
    def rr1(self) -> float | None:
        return self.complete / self.selected if self.selected else None

    @property
    def rr2(self) -> float | None:
        return (self.complete + self.partial) / self.selected if self.selected else None


# The counts a rate is made of, in field order: summed, they give a larger area's rate.
COUNTED = ("selected", "complete", "partial", "refused", "no_contact", "open_links")


def response_rates(campaign: Campaign) -> list[ResponseRate]:
    """Per agency × dossier channel, then per agency (channel ""), ordered by agency id
    and channel; empty when nothing was drawn."""
    used = Invitation.used_on.is_not(None)
    count = func.count()

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(
            Invitation.agency_id,
            Invitation.dossier_channel,
            count,
            counted(Invitation.outcome == "complete"),
            counted(Invitation.outcome == "partial"),
            counted(
                (Invitation.outcome == "breakoff") | and_(~used, Invitation.opened_on.is_not(None))
            ),
            counted(and_(~used, Invitation.opened_on.is_(None))),
            counted(and_(~used, Invitation.expires_at > utcnow())),
        )
        .where(
            Invitation.campaign_id == campaign.id,
            Invitation.selection_probability.is_not(None),
        )
        .group_by(Invitation.agency_id, Invitation.dossier_channel)
        .order_by(Invitation.agency_id, Invitation.dossier_channel)
    ).all()
    lines = [ResponseRate(a, c or "", *(int(v or 0) for v in values)) for a, c, *values in rows]
    totals: dict[int, list[int]] = {}
    for line in lines:
        counts = astuple(line)[2:]
        sums = totals.get(line.agency_id, [0] * len(counts))
        totals[line.agency_id] = [s + n for s, n in zip(sums, counts, strict=True)]
    return lines + [ResponseRate(a, "", *sums) for a, sums in totals.items()]


def run_record(analysis_run, made=None) -> list[dict[str, Any]]:
    """The response rates as a run records them (the outcomes known at its making)."""
    return [asdict(line) for line in response_rates(analysis_run.campaign)]


def from_record(record: list[dict[str, Any]] | None) -> list[ResponseRate]:
    return [ResponseRate(**line) for line in record or []]
