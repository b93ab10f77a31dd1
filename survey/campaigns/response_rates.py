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

from sqlalchemy import case, func, select

from analysis import selection
from survey.campaigns.link_use import NO_TIME
from survey.campaigns.models import Campaign, Invitation, LinkUse
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
        return selection.rr1(self.complete, self.selected)

    @property
    def rr2(self) -> float | None:
        return selection.rr2(self.complete, self.partial, self.selected)


# The counts a rate is made of, in field order: summed, they give a larger area's rate.
COUNTED = ("selected", "complete", "partial", "refused", "no_contact", "open_links")


def response_rates(campaign: Campaign) -> list[ResponseRate]:
    """Per agency × dossier channel, then per agency (channel ""), ordered by agency id
    and channel; empty when nothing was drawn.

    Links used (and links folded in by a purge) are counted in link_use, by how they
    ended; the links still waiting are read from the invitations."""
    counts: dict[tuple[int, str], dict[str, int]] = {}

    def add(agency_id: int, channel: str | None, field: str, n) -> None:
        line = counts.setdefault((agency_id, channel or ""), dict.fromkeys(COUNTED, 0))
        line[field] += int(n or 0)
        line["selected"] += int(n or 0) if field != "open_links" else 0

    ended = {"complete": "complete", "partial": "partial", "breakoff": "refused"}
    ended |= {"refused": "refused", "no_contact": "no_contact"}
    for agency_id, channel, outcome, n in db.session.execute(
        select(LinkUse.agency_id, LinkUse.dossier_channel, LinkUse.outcome, LinkUse.count).where(
            LinkUse.campaign_id == campaign.id
        )
    ):
        add(agency_id, channel, ended[outcome], n)
    for agency_id, channel, opened, n, valid in db.session.execute(
        select(
            Invitation.agency_id,
            Invitation.dossier_channel,
            Invitation.opened,
            func.count(),
            func.sum(case((Invitation.expires_at > utcnow(), 1), else_=0)),
        )
        .where(
            Invitation.campaign_id == campaign.id,
            Invitation.selection_probability.is_not(None),
            ~Invitation.used,
            Invitation.expires_at != NO_TIME,  # not folded into link_use by a purge
        )
        .group_by(Invitation.agency_id, Invitation.dossier_channel, Invitation.opened)
    ):
        add(agency_id, channel, "refused" if opened else "no_contact", n)
        add(agency_id, channel, "open_links", valid)
    lines = [
        ResponseRate(agency_id, channel, **{k: line[k] for k in COUNTED})
        for (agency_id, channel), line in sorted(counts.items())
    ]
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
