"""How long a listing keeps its households' descriptions (house number, road,
landmark): they exist to find the drawn households again, so they go when the campaign
is closed. What stays is each listed household's number and, for those drawn, its
probability: the weights and the design need nothing more, and a village's interviews
can no longer be matched with addresses."""

from __future__ import annotations

from sqlalchemy import select, update

from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.households.models import ListedHousehold
from survey.jobs.kinds import Periodic

ERASED = ""


def erase_closed_listings() -> int:
    """Erase the descriptions of the listings of closed campaigns; how many. Audited when
    any; the caller commits."""
    closed = select(Campaign.id).where(Campaign.status == "closed")
    erased = db.session.execute(
        update(ListedHousehold)
        .where(ListedHousehold.campaign_id.in_(closed), ListedHousehold.description != ERASED)
        .values(description=ERASED)
    ).rowcount
    if erased:
        audit.record(
            "privacy.erase_household_listings",
            "listed_household",
            None,
            actor="retention",
            after={"descriptions_erased": erased},
        )
    return erased


def _erase_now() -> str | None:
    erased = erase_closed_listings()
    db.session.commit()
    return f"erased {erased} household descriptions of closed campaigns" if erased else None


# Every hour: a closed campaign's addresses outlive it by an hour at most.
ERASE_LISTINGS = Periodic("survey.erase_household_listings", minute="29", run=_erase_now)
