"""Drawing a campaign's households in two stages, with every unit's probability kept.

First stage (`draw_villages`): K villages in each commune of the campaign, by simple
random sampling or with probability proportional to households (randomised systematic
πps), from a random start that is not kept. Second stage (`draw_households`): once a
drawn village has been listed, M of its listed households by simple random sampling.
The formulas are analysis/selection.py's; the draws are audited (what was drawn, never
the random start).
"""

from __future__ import annotations

import random as _random
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis import selection
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.households.frames import COMMUNE_KINDS
from survey.households.models import (
    VILLAGE_METHODS,
    DrawnVillage,
    HouseholdPlan,
    ListedHousehold,
    Village,
)

MAX_LISTING = 5000  # households in one village's listing


class DrawError(Exception):
    """The draw cannot be made; the message says why, and nothing was written."""


def _system_random() -> _random.Random:
    # From the operating system's entropy: no seed exists to keep or to replay.
    return _random.SystemRandom()


def draw_villages(
    campaign: Campaign,
    *,
    villages: int,
    households: int,
    method: str = "srs",
    actor: str,
    user_id: int | None = None,
    random: _random.Random | None = None,
) -> list[DrawnVillage]:
    """Draw `villages` villages in each commune of the campaign (all of them where it has
    fewer) and plan `households` households per village. Once per campaign. Flushes; the
    caller commits."""
    if method not in VILLAGE_METHODS:
        raise DrawError(_("the method must be one of %(methods)s", methods="srs, pps"))
    if villages < 1 or households < 1:
        raise DrawError(_("villages and households per village must be at least 1"))
    if db.session.get(HouseholdPlan, campaign.id) is not None:
        raise DrawError(
            _("the villages of campaign %(code)s are already drawn", code=campaign.code)
        )
    communes = [a for a in campaign.agencies if a.kind in COMMUNE_KINDS]
    if not communes:
        raise DrawError(_("campaign %(code)s has no commune or ward", code=campaign.code))
    frames = {
        commune.id: db.session.scalars(
            select(Village).where(Village.agency_id == commune.id).order_by(Village.code)
        ).all()
        for commune in communes
    }
    empty = [c.code for c in communes if not frames[c.id]]
    if empty:
        raise DrawError(
            _("no villages in the frame for %(codes)s: import them first", codes=", ".join(empty))
        )
    random = random or _system_random()
    drawn: list[DrawnVillage] = []
    for commune in communes:
        frame = frames[commune.id]
        if method == "pps":
            chosen, probabilities = selection.systematic_pps(
                [v.households for v in frame], villages, random
            )
        else:
            chosen, probability = selection.simple_random(len(frame), villages, random)
            probabilities = [probability] * len(frame)
        for index in chosen:
            drawn.append(
                DrawnVillage(
                    campaign_id=campaign.id,
                    village_id=frame[index].id,
                    probability=probabilities[index],
                    frame_villages=len(frame),
                )
            )
    db.session.add_all(drawn)
    db.session.add(
        HouseholdPlan(
            campaign_id=campaign.id,
            villages_per_commune=villages,
            households_per_village=households,
            method=method,
        )
    )
    db.session.flush()
    audit.record(
        "households.draw_villages",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        after={
            "method": method,
            "villages_per_commune": villages,
            "households_per_village": households,
            "communes": len(communes),
            "villages_drawn": len(drawn),
        },
    )
    return drawn


def draw_households(
    campaign: Campaign,
    village: Village,
    listing: Sequence[str],
    *,
    actor: str,
    user_id: int | None = None,
    random: _random.Random | None = None,
    chosen: Sequence[int] | None = None,
) -> list[ListedHousehold]:
    """Store a drawn village's listing (one description per household, in the order they
    were listed) and draw the plan's households from it. Once per village. Flushes; the
    caller commits. Returns the drawn households.

    `chosen`: the households (positions in the listing) a surveyor's phone drew offline
    the same way; checked to be as many as the plan asks, distinct and in the listing."""
    plan = db.session.get(HouseholdPlan, campaign.id)
    drawn_village = db.session.get(DrawnVillage, (campaign.id, village.id))
    if plan is None or drawn_village is None:
        raise DrawError(
            _("village %(code)s was not drawn for campaign %(campaign)s",
              code=village.code, campaign=campaign.code)
        )  # fmt: skip
    if drawn_village.listed is not None:
        raise DrawError(_("village %(code)s is already listed", code=village.code))
    descriptions = [d.strip() for d in listing]
    if not descriptions or not all(descriptions):
        raise DrawError(_("every listed household needs a description (house number, road)"))
    if len(descriptions) > MAX_LISTING:
        raise DrawError(_("at most %(count)s households per village", count=MAX_LISTING))
    wanted = min(plan.households_per_village, len(descriptions))
    if chosen is None:
        chosen, probability = selection.simple_random(
            len(descriptions), plan.households_per_village, random or _system_random()
        )
    else:
        chosen = sorted(chosen)
        if len(set(chosen)) != wanted or not all(0 <= n < len(descriptions) for n in chosen):
            raise DrawError(
                _("%(count)s different households of the listing must be drawn", count=wanted)
            )
        probability = wanted / len(descriptions)
    chosen_set = set(chosen)
    listed = [
        ListedHousehold(
            campaign_id=campaign.id,
            village_id=village.id,
            number=n + 1,
            description=text[:500],
            probability=probability if n in chosen_set else None,
        )
        for n, text in enumerate(descriptions)
    ]
    db.session.add_all(listed)
    drawn_village.listed = len(descriptions)
    db.session.flush()
    audit.record(
        "households.draw_households",
        "village",
        village.id,
        actor=actor,
        user_id=user_id,
        after={"campaign": campaign.code, "listed": len(descriptions), "drawn": len(chosen)},
    )
    return [h for h in listed if h.probability is not None]


def drawn_per_village(campaign_id: int) -> dict[int, int]:
    """How many listed households the campaign drew in each listed village, by village
    id: the second stage's sample sizes."""
    return dict(
        db.session.execute(
            select(ListedHousehold.village_id, func.count())
            .where(
                ListedHousehold.campaign_id == campaign_id,
                ListedHousehold.probability.is_not(None),
            )
            .group_by(ListedHousehold.village_id)
        ).all()
    )
