"""How the household fieldwork stands: per commune and village, villages listed,
households drawn, how their visits ended, response rates (AAPOR RR1 and RR3) and the
median interview length. Counts only: nothing here names a household."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import select

from analysis import selection
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.households.models import OUTCOMES, DrawnVillage, HouseholdOutcome, Village
from survey.households.sampling import drawn_per_village
from survey.responses.models import Submission


@dataclass
class Progress:
    name: str
    villages: int = 0
    listed: int = 0  # villages listed
    drawn: int = 0  # households drawn
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    durations: list[int] = field(default_factory=list)

    def add(self, other: Progress) -> None:
        self.villages += other.villages
        self.listed += other.listed
        self.drawn += other.drawn
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] += count
        self.durations += other.durations

    @property
    def visited(self) -> int:
        return sum(self.outcomes.values())

    @property
    def not_visited(self) -> int:
        return max(self.drawn - self.visited, 0)

    @property
    def rr1(self) -> float | None:
        # Every case not known to be ineligible counts: visited ones and those not yet.
        return selection.rr1(self.outcomes["complete"], self.drawn - self.outcomes["not_eligible"])

    @property
    def rr3(self) -> float | None:
        known_eligible = self.visited - self.outcomes["not_eligible"]
        return selection.rr3(
            self.outcomes["complete"], known_eligible, self.outcomes["not_eligible"],
            self.not_visited,
        )  # fmt: skip

    @property
    def median_minutes(self) -> float | None:
        return median(self.durations) / 60 if self.durations else None


def progress(campaign: Campaign) -> tuple[list[tuple[Progress, list[Progress]]], Progress]:
    """[(commune, [its villages])] in commune then village order, and the campaign's
    total."""
    drawn_households = drawn_per_village(campaign.id)
    outcomes: dict[int, dict[str, int]] = {}
    for row in db.session.scalars(
        select(HouseholdOutcome).where(HouseholdOutcome.campaign_id == campaign.id)
    ):
        outcomes.setdefault(row.village_id, {})[row.outcome] = row.count
    durations: dict[int, list[int]] = {}
    for village_id, seconds in db.session.execute(
        select(Submission.village_id, Submission.duration_seconds).where(
            Submission.campaign_id == campaign.id,
            Submission.channel == "household",
            Submission.duration_seconds.is_not(None),
        )
    ):
        durations.setdefault(village_id, []).append(seconds)
    rows = db.session.execute(
        select(DrawnVillage, Village, Agency)
        .join(Village, Village.id == DrawnVillage.village_id)
        .join(Agency, Agency.id == Village.agency_id)
        .where(DrawnVillage.campaign_id == campaign.id)
        .order_by(Agency.code, Village.code)
    ).all()
    communes: dict[int, tuple[Progress, list[Progress]]] = {}
    total = Progress(name="")
    for drawn, village, agency in rows:
        line = Progress(
            name=village.name,
            villages=1,
            listed=int(drawn.listed is not None),
            drawn=int(drawn_households.get(village.id, 0)),
            durations=durations.get(village.id, []),
        )
        for outcome, count in outcomes.get(village.id, {}).items():
            line.outcomes[outcome] = count
        commune, villages = communes.setdefault(
            agency.id, (Progress(name=agency.name_vi), [])
        )  # fmt: skip
        commune.add(line)
        villages.append(line)
        total.add(line)
    return list(communes.values()), total
