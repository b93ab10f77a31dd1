"""Staff pages for paper questionnaires, on one blueprint, by the surveyors' and
supervisors' tasks: batches.py (issue and print), entry.py (keying), adjudication.py,
quality.py (keying quality, the share keyed twice), assignments.py (who issues where).
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper.models import Batch

blueprint = Blueprint("paper", __name__, url_prefix="/paper")

KEYERS = ("surveyor", "evaluator")  # who keys forms


def load_batch(batch_id: int) -> Batch:
    return db.session.get(Batch, batch_id) or abort(404)


def campaign_filter() -> Campaign | None:
    """The campaign named in the query string (?campaign=CODE), if any."""
    code = request.args.get("campaign", "")
    if not code:
        return None
    return db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)


def latest_campaign() -> Campaign | None:
    """The campaign a page shows when none is asked for."""
    return db.session.scalar(select(Campaign).order_by(Campaign.period_start.desc()).limit(1))


# The routes register themselves on the blueprint when imported.
from survey.paper.pages import adjudication, assignments, batches, entry, quality  # noqa: E402, F401
