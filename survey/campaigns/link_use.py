"""Using a single-use link without leaving a trail from the answer to the invitation.

The attacker README.md ("Privacy") plans for reads the database. Whatever an invitation
keeps after its use, and whatever the answer carries, they can compare; so a used
invitation keeps only what its answer carries anyway (agency, service field, applicant
type, π: the weighting cell) and a flag that it was used. Its phone, dossier code,
service, return day, channel, timeliness and times go in the transaction that stores the
answer; how the link ended is counted per agency and channel in `link_use`. A purge does
the same for the links never used, and folds them into the counts.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from survey.campaigns.models import Invitation, LinkUse
from survey.db import conflict_insert
from survey.extensions import db

# The time a used (or purged) link keeps for its creation and expiry: none of its own.
NO_TIME = datetime(2000, 1, 1)
# What an invitation forgets: everything that names its dossier or a day.
FORGOTTEN = {
    "phone": None,
    "dossier_code": None,
    "service_id": None,
    "returned_on": None,
    "dossier_channel": None,
    "dossier_timeliness": None,
    "opened": False,
    "created_at": NO_TIME,
    "expires_at": NO_TIME,
}


def dossier_hash(code: str) -> str:
    """A keyed hash of a dossier code: outlives the code on the invitation so that the
    dossier is not invited twice, and names nothing without the server's key."""
    key = f"{current_app.config['SECRET_KEY']}|dossier".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()[:32]


def count(campaign_id: int, agency_id: int, channel: str | None, outcome: str, n: int = 1) -> None:
    """Add `n` to the count of an agency's drawn links of `channel` that ended in
    `outcome`; the caller commits."""
    key = {
        "campaign_id": campaign_id,
        "agency_id": agency_id,
        "dossier_channel": channel or "",
        "outcome": outcome,
    }
    statement = conflict_insert(db.session, LinkUse).values(**key, count=n)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=list(key), set_={"count": LinkUse.count + statement.excluded.count}
        )
    )


def blend(campaign_id: int, agency_id: int) -> None:
    """Rewrite the agency's used invitations and its link counts in one transaction of
    their own.

    The claim of a link shares its transaction with the answer, and PostgreSQL stamps
    every row version with its transaction's id (xmin), which any SQL reader can select.
    After this, every used invitation of the agency carries the same stamp, and so do its
    counts, so the stamps pair no answer with any one of them. A failure here (a deadlock
    with a concurrent blend) is harmless: the next use blends them again.
    """
    try:
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.campaign_id == campaign_id,
                Invitation.agency_id == agency_id,
                Invitation.used,
            )
            .values(used=Invitation.used)
        )
        db.session.execute(
            update(LinkUse)
            .where(LinkUse.campaign_id == campaign_id, LinkUse.agency_id == agency_id)
            .values(count=LinkUse.count)
        )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        current_app.logger.warning("could not blend the agency's link uses; retried later")


def forget_all(campaign_id: int) -> int:
    """Fold a campaign's links never used into the counts (opened: refused; never
    opened: no contact) and make every link of the campaign forget its dossier as a used
    link does (a used one should have already); how many forgot. Their tokens stay, so a
    link that was sent says it has expired rather than that it never existed. The caller
    commits."""
    remembering = (
        Invitation.campaign_id == campaign_id,
        Invitation.expires_at != NO_TIME,  # not forgotten by its use or an earlier purge
    )
    unused = db.session.execute(
        select(Invitation.agency_id, Invitation.dossier_channel, Invitation.opened, func.count())
        .where(*remembering, ~Invitation.used, Invitation.selection_probability.is_not(None))
        .group_by(Invitation.agency_id, Invitation.dossier_channel, Invitation.opened)
    ).all()
    for agency_id, channel, opened, n in unused:
        count(campaign_id, agency_id, channel, "refused" if opened else "no_contact", n)
    codes = db.session.execute(
        select(Invitation.id, Invitation.dossier_code).where(
            *remembering, Invitation.dossier_code.is_not(None), Invitation.dossier_hash.is_(None)
        )
    ).all()
    if codes:
        db.session.execute(
            update(Invitation),
            [{"id": id_, "dossier_hash": dossier_hash(code)} for id_, code in codes],
        )
    return db.session.execute(update(Invitation).where(*remembering).values(**FORGOTTEN)).rowcount
