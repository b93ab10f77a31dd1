"""Receiving a recommendation, answering it, and deciding what the public page shows.

Receiving writes nothing that pairs the recommendation with the survey answer stored a
moment before (models.py): a random id, the day alone, and a rewrite of the agency's
recommendations of that day in a transaction of their own (`blend`), as a used link's
invitation is blended (survey/campaigns/link_use.py). Every decision staff take (theme,
reply, publication) is audited; nothing is ever deleted but the contact, 30 days after
the reply.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.jobs.kinds import Periodic
from survey.local_time import today
from survey.privacy import mask_personal_data
from survey.recommendations import working_days
from survey.recommendations.models import (
    MAX_REPLY,
    MAX_TEXT,
    Recommendation,
    RecommendationContact,
)

CONTACT_DAYS = 30  # a contact is kept this long after the reply, then erased
# ... and never longer than this after the recommendation came, answered or not: a
# contact left with an agency that never replies does not stay for ever.
CONTACT_DAYS_UNANSWERED = 180


class RecommendationError(ValueError):
    """What was typed cannot be stored; the message says why (shown to the person)."""


@dataclass(frozen=True)
class Received:
    text: str
    service_field_id: int | None = None
    theme_chosen: str | None = None
    phone: str | None = None
    email: str | None = None


def new_id() -> int:
    """A random id in SQLite's and PostgreSQL's integer range: no arrival order."""
    return secrets.randbelow(2**31 - 2) + 1


def receive(
    campaign: Campaign, agency: Agency, received: Received, *, on: date, source: str = "web"
) -> int:
    """Store a recommendation (masked) and its contact; commits, then blends the day's."""
    text = received.text.strip()
    if not text:
        raise RecommendationError("empty")
    if len(text) > MAX_TEXT:
        raise RecommendationError("too long")
    for _attempt in range(5):
        recommendation = Recommendation(
            id=new_id(),
            campaign_id=campaign.id,
            agency_id=agency.id,
            service_field_id=received.service_field_id,
            source=source,
            theme_chosen=received.theme_chosen,
            text=mask_personal_data(text),
            received_on=on,
            due_on=working_days.add(on, campaign.reply_working_days),
            publication="pending",
        )
        if received.phone or received.email:
            recommendation.contact = RecommendationContact(
                phone=received.phone or None, email=received.email or None
            )
        db.session.add(recommendation)
        try:
            db.session.commit()
        except IntegrityError:  # the random id was taken (one in millions): draw again
            db.session.rollback()
            continue
        blend(agency.id, on)
        return recommendation.id
    raise RuntimeError("no free recommendation id after five draws")


def blend(agency_id: int, day: date) -> None:
    """Rewrite the agency's recommendations of `day` and their contacts in one
    transaction of their own.

    PostgreSQL stamps each row version with its transaction's id (xmin), and the stamp of
    the transaction that stored one would sit right after its survey answer's; after
    this they all carry the same one. The rows are rewritten one by one in id order,
    which is random, so that where each new version lands in the table (its ctid, which
    any SQL reader can select too) follows no arrival order either. A failure (a deadlock
    with a concurrent blend) is harmless: the next arrival blends them again."""
    try:
        ids = db.session.scalars(
            select(Recommendation.id)
            .where(Recommendation.agency_id == agency_id, Recommendation.received_on == day)
            .order_by(Recommendation.id)
        ).all()
        for recommendation_id in ids:
            db.session.execute(
                update(Recommendation)
                .where(Recommendation.id == recommendation_id)
                .values(received_on=Recommendation.received_on)
            )
            db.session.execute(
                update(RecommendationContact)
                .where(RecommendationContact.recommendation_id == recommendation_id)
                .values(phone=RecommendationContact.phone)
            )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        current_app.logger.warning("could not blend the day's recommendations; retried later")


def _audited(recommendation: Recommendation, action: str, before, after, actor, user_id):
    audit.record(
        f"recommendation.{action}",
        "recommendation",
        recommendation.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=after,
    )


def classify(recommendation: Recommendation, theme: str | None, *, actor: str, user_id=None):
    before = recommendation.theme
    if before == theme:
        return
    recommendation.theme = theme
    _audited(recommendation, "classify", {"theme": before}, {"theme": theme}, actor, user_id)


def answer(recommendation: Recommendation, reply: str, *, on: date, actor: str, user_id=None):
    """Write (or correct) the reply. The first reply's day is the one that counts: a
    correction after it does not move the reply time."""
    reply = reply.strip()
    if not reply:
        raise RecommendationError("empty")
    if len(reply) > MAX_REPLY:
        raise RecommendationError("too long")
    before = {"reply": recommendation.reply, "replied_on": _day(recommendation.replied_on)}
    recommendation.reply = reply
    if recommendation.replied_on is None:
        recommendation.replied_on = on
    _audited(
        recommendation,
        "reply",
        before,
        {"reply": reply, "replied_on": _day(recommendation.replied_on)},
        actor,
        user_id,
    )


def publish(recommendation: Recommendation, *, actor: str, user_id=None):
    """Show it on the agency's public page: only once answered (the page shows both)."""
    if recommendation.replied_on is None:
        raise RecommendationError("not answered")
    _set_publication(recommendation, "published", None, actor, user_id)


def withhold(recommendation: Recommendation, reason: str, *, actor: str, user_id=None):
    """Keep it off the public page, with the reason (threats, personal data the masks
    missed): audited, and the recommendation stays, counted and answerable."""
    reason = reason.strip()
    if not reason:
        raise RecommendationError("reason")
    _set_publication(recommendation, "withheld", reason[:1000], actor, user_id)


def _set_publication(recommendation, publication, reason, actor, user_id):
    before = {"publication": recommendation.publication, "reason": recommendation.withheld_reason}
    recommendation.publication = publication
    recommendation.withheld_reason = reason
    _audited(
        recommendation,
        "publication",
        before,
        {"publication": publication, "reason": reason},
        actor,
        user_id,
    )


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def replies_to_send(mark_sent_on: date | None = None) -> list[dict[str, str]]:
    """The replies waiting for the SMS/e-mail gateway, one row each (phone, email,
    agency, message), as invitations go out; with `mark_sent_on`, marked as handed over
    (the caller commits). Only answered recommendations that left a contact."""
    rows = db.session.scalars(
        select(Recommendation)
        .join(RecommendationContact)
        .where(Recommendation.replied_on.is_not(None), Recommendation.reply_sent_on.is_(None))
        .order_by(Recommendation.replied_on, Recommendation.id)
    ).all()
    found = []
    for recommendation in rows:
        contact = recommendation.contact
        found.append(
            {
                "phone": contact.phone or "",
                "email": contact.email or "",
                "agency": recommendation.agency.name_vi,
                "message": (
                    f"{recommendation.agency.name_vi} trả lời kiến nghị ngày "
                    f"{recommendation.received_on:%d/%m/%Y}: {recommendation.reply}"
                ),
            }
        )
        if mark_sent_on is not None:
            recommendation.reply_sent_on = mark_sent_on
    return found


def erase_contacts(day: date) -> int:
    """Erase the contacts of recommendations answered more than CONTACT_DAYS before `day`,
    or received more than CONTACT_DAYS_UNANSWERED before it; how many. Audited when any;
    the caller commits."""
    answered_before = day - timedelta(days=CONTACT_DAYS)
    received_before = day - timedelta(days=CONTACT_DAYS_UNANSWERED)
    old = select(Recommendation.id).where(
        (Recommendation.replied_on < answered_before)
        | (Recommendation.received_on < received_before)
    )
    erased = db.session.execute(
        delete(RecommendationContact).where(RecommendationContact.recommendation_id.in_(old))
    ).rowcount
    if erased:
        audit.record(
            "privacy.erase_recommendation_contacts",
            "recommendation_contact",
            None,
            actor="retention",
            after={
                "contacts_erased": erased,
                "answered_before": answered_before.isoformat(),
                "received_before": received_before.isoformat(),
            },
        )
    return erased


def _erase_now() -> str | None:
    erased = erase_contacts(today())
    db.session.commit()
    return f"erased {erased} recommendation contacts" if erased else None


# Once an hour: a contact outlives its purpose by an hour at most.
ERASE_CONTACTS = Periodic("survey.erase_recommendation_contacts", minute="53", run=_erase_now)
