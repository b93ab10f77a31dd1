"""How drawn households' visits ended, kept as counts per village (models.HouseholdOutcome):
a visit adds one to its outcome, and a later visit of the same household moves its one
from the outcome it had, so each household counts once."""

from __future__ import annotations

from sqlalchemy import update

from survey.db import conflict_insert
from survey.extensions import db
from survey.households.models import HouseholdOutcome


def count_visit(campaign_id: int, village_id: int, outcome: str, previous: str | None = None):
    """Count a visit's `outcome`; with `previous`, the household's earlier outcome, move
    its count from there (never below zero). The caller commits."""
    if previous is not None:
        db.session.execute(
            update(HouseholdOutcome)
            .where(
                HouseholdOutcome.campaign_id == campaign_id,
                HouseholdOutcome.village_id == village_id,
                HouseholdOutcome.outcome == previous,
                HouseholdOutcome.count > 0,
            )
            .values(count=HouseholdOutcome.count - 1)
        )
    statement = conflict_insert(db.session, HouseholdOutcome).values(
        campaign_id=campaign_id, village_id=village_id, outcome=outcome, count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id", "village_id", "outcome"],
            set_={"count": HouseholdOutcome.count + 1},
        )
    )
