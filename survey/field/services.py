"""The field app's server side: what a surveyor's phone downloads (its assignment and a
token to send with) and what it sends back (village listings and household visits),
each stored exactly once whatever the network does.

A phone makes a key for each listing and visit; the server keeps only a hash of it
(`field_receipt`), in the transaction that stores the record, so the same record sent
again after a cut stores nothing and is answered as stored. An interview becomes a
submission of channel "household" with π₁π₂ as its selection probability and the day it
was made; the household's number is not kept with it: how each visit ended is counted
per village (`household_outcome`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db
from survey.households import outcomes, sampling
from survey.households.models import (
    OUTCOMES,
    DrawnVillage,
    FieldDevice,
    FieldReceipt,
    HouseholdPlan,
    ListedHousehold,
    Village,
)
from survey.paper.models import SurveyorAssignment
from survey.questionnaires.types import InvalidAnswer
from survey.responses import submit
from survey.users.models import User

DEVICE_DAYS = 30  # a phone may stay offline in the villages this long
INTERVIEWED = ("complete", "partial")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def household_campaign(user: User) -> Campaign | None:
    """The open campaign with a household draw that the surveyor works in (assigned to one
    of its communes; administrators and evaluators: any)."""
    query = (
        select(Campaign)
        .join(HouseholdPlan, HouseholdPlan.campaign_id == Campaign.id)
        .where(Campaign.status == "open")
        .order_by(Campaign.id.desc())
    )
    if user.role == "surveyor":
        query = query.where(
            Campaign.id.in_(
                select(SurveyorAssignment.campaign_id).where(SurveyorAssignment.user_id == user.id)
            )
        )
    return db.session.scalars(query).first()


def _assigned_villages(user: User, campaign: Campaign) -> list[DrawnVillage]:
    query = (
        select(DrawnVillage)
        .join(Village, Village.id == DrawnVillage.village_id)
        .where(DrawnVillage.campaign_id == campaign.id)
        .order_by(Village.agency_id, Village.code)
    )
    if user.role == "surveyor":
        query = query.where(
            Village.agency_id.in_(
                select(SurveyorAssignment.agency_id).where(
                    SurveyorAssignment.user_id == user.id,
                    SurveyorAssignment.campaign_id == campaign.id,
                )
            )
        )
    return list(db.session.scalars(query))


def assignment(user: User, campaign: Campaign) -> dict[str, Any]:
    """What the phone downloads: the campaign, its questionnaire, the surveyor's drawn
    villages (with their drawn households once listed) and a new token, valid
    DEVICE_DAYS, that its sends are signed with. Flushes the device; the caller commits."""
    plan = db.session.get(HouseholdPlan, campaign.id)
    version = campaign.version_for("citizen")
    token = secrets.token_urlsafe(32)
    db.session.add(
        FieldDevice(
            user_id=user.id,
            campaign_id=campaign.id,
            token_hash=_hash(token),
            expires_at=utcnow() + timedelta(days=DEVICE_DAYS),
        )
    )
    db.session.flush()
    villages = []
    for drawn in _assigned_villages(user, campaign):
        village = drawn.village
        households = []
        if drawn.listed is not None:
            households = [
                {"number": h.number, "description": h.description, "probability": h.probability}
                for h in db.session.scalars(
                    select(ListedHousehold)
                    .where(
                        ListedHousehold.campaign_id == campaign.id,
                        ListedHousehold.village_id == village.id,
                        ListedHousehold.probability.is_not(None),
                    )
                    .order_by(ListedHousehold.number)
                )
            ]
        villages.append(
            {
                "id": village.id,
                "code": village.code,
                "name": village.name,
                "commune": {"code": village.agency.code, "vi": village.agency.name_vi,
                            "en": village.agency.name_en},
                "probability": drawn.probability,
                "listed": drawn.listed,
                "households": households,
            }
        )  # fmt: skip
    return {
        "campaign": {"code": campaign.code, "vi": campaign.name_vi, "en": campaign.name_en},
        "households_per_village": plan.households_per_village,
        "questionnaire": version.content,
        "villages": villages,
        "token": token,
        "user": user.username,
    }


def device(token: str | None) -> FieldDevice | None:
    """The phone a token belongs to, if it is still valid."""
    if not token or len(token) > 200:
        return None
    found = db.session.scalar(select(FieldDevice).where(FieldDevice.token_hash == _hash(token)))
    if found is None or found.expires_at < utcnow():
        return None
    return found


@dataclass
class Synced:
    stored: list[str] = field(default_factory=list)  # keys stored now or before
    refused: dict[str, str] = field(default_factory=dict)  # key -> why


def sync(phone: FieldDevice, payload: Any) -> Synced:
    """Store what a phone sends: {"listings": [...], "visits": [...]}, listings first
    (a visit needs its village's listing). Each record in a transaction of its own, so
    one refused record does not hold back the others. Commits."""
    result = Synced()
    if not isinstance(payload, dict):
        return result
    campaign = db.session.get(Campaign, phone.campaign_id)
    user = db.session.get(User, phone.user_id)
    allowed = {d.village_id for d in _assigned_villages(user, campaign)}
    for kind, store in (("listings", _store_listing), ("visits", _store_visit)):
        records = payload.get(kind)
        for record in records if isinstance(records, list) else []:
            key = record.get("key") if isinstance(record, dict) else None
            if not isinstance(key, str) or not 16 <= len(key) <= 100:
                continue
            if db.session.get(FieldReceipt, _hash(key)) is not None:
                result.stored.append(key)  # sent before: stored then
                continue
            try:
                village = _village(record, allowed)
                store(campaign, village, record, user)
                db.session.add(FieldReceipt(key_hash=_hash(key)))
                db.session.commit()
                result.stored.append(key)
            except _Refused as refused:
                db.session.rollback()
                result.refused[key] = str(refused)
            except IntegrityError:
                # The same key stored by a concurrent send: stored once, by that one.
                db.session.rollback()
                result.stored.append(key)
    return result


class _Refused(Exception):
    pass


def _village(record: dict, allowed: set[int]) -> Village:
    village_id = record.get("village_id")
    if not isinstance(village_id, int) or village_id not in allowed:
        raise _Refused("not a village of this surveyor's assignment")
    return db.session.get(Village, village_id)


def _store_listing(campaign: Campaign, village: Village, record: dict, user: User) -> None:
    descriptions = record.get("descriptions")
    drawn = record.get("drawn")
    if not isinstance(descriptions, list) or not all(isinstance(d, str) for d in descriptions):
        raise _Refused("the listing must be a list of descriptions")
    if not isinstance(drawn, list) or not all(isinstance(n, int) for n in drawn):
        raise _Refused("the drawn households must be a list of numbers")
    try:
        sampling.draw_households(
            campaign, village, descriptions, chosen=[n - 1 for n in drawn], actor=user.username,
            user_id=user.id,
        )  # fmt: skip
    except sampling.DrawError as error:
        raise _Refused(str(error)) from None


def _store_visit(campaign: Campaign, village: Village, record: dict, user: User) -> None:
    outcome = record.get("outcome")
    if outcome not in OUTCOMES:
        raise _Refused("unknown outcome")
    number = record.get("household")
    household = (
        db.session.scalar(
            select(ListedHousehold).where(
                ListedHousehold.campaign_id == campaign.id,
                ListedHousehold.village_id == village.id,
                ListedHousehold.number == number,
                ListedHousehold.probability.is_not(None),
            )
        )
        if isinstance(number, int)
        else None
    )
    if household is None:
        raise _Refused("not a drawn household of this village")
    previous = record.get("previous")
    if previous in INTERVIEWED:
        raise _Refused("this household was interviewed already")
    if outcome in INTERVIEWED:
        _store_interview(campaign, village, household, record)
    # A later visit of the same household (no one home, then interviewed) moves its count.
    outcomes.count_visit(
        campaign.id, village.id, outcome, previous if previous in OUTCOMES else None
    )


def _store_interview(campaign, village: Village, household: ListedHousehold, record) -> None:
    definition = campaign.version_for("citizen").definition()
    answers = record.get("answers")
    if not isinstance(answers, dict):
        raise _Refused("an interview needs its answers")
    shown = {q.code: q for q in definition.visible_items(answers)}
    values = {}
    for code, raw in answers.items():
        question = shown.get(code)
        if question is None or raw in (None, "", []):
            continue  # an item the answers hide, or not answered
        try:
            values[code] = question.coerce(raw)
        except (InvalidAnswer, TypeError, ValueError):
            raise _Refused(f"item {code}: not a valid answer") from None
    day = _day(record.get("interviewed_on"))
    seconds = record.get("seconds")
    now = utcnow()
    drawn = db.session.get(DrawnVillage, (campaign.id, village.id))
    submit.insert_submission(
        campaign,
        db.session.get(Agency, village.agency_id),
        definition,
        values,
        channel="household",
        service_id=None,
        service_point_id=None,
        started_at=(
            now - timedelta(seconds=seconds)
            if isinstance(seconds, int) and 0 < seconds < 86400 else None
        ),
        submitted_at=now,
        interviewed_on=day,
        selection_probability=drawn.probability * household.probability,
        village_id=village.id,
    )  # fmt: skip


def _day(text: Any) -> date | None:
    try:
        day = date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return day if day is not None and day <= datetime.now().date() + timedelta(days=1) else None
