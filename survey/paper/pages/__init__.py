"""Staff pages for paper questionnaires, on one blueprint, by the surveyors' and
supervisors' tasks: batches.py (issue and print), entry.py (keying), adjudication.py,
quality.py (keying quality, the share keyed twice), assignments.py (who issues where).
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user
from sqlalchemy import select, tuple_

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper import assignments as assigned
from survey.paper.models import Batch, SurveyorAssignment

blueprint = Blueprint("paper", __name__, url_prefix="/paper")

KEYERS = ("surveyor", "evaluator")  # who keys forms


def load_batch(batch_id: int) -> Batch:
    """The batch, if this user may work on it: a surveyor only on the batches of the
    agencies and campaigns they are assigned to (issuing, printing and keying alike)."""
    batch = db.session.get(Batch, batch_id) or abort(404)
    if current_user.role == "surveyor" and not assigned.is_assigned(
        current_user, batch.campaign, batch.agency
    ):
        page = render_template(
            "paper/not_assigned_batch.html",
            batch=batch,
            administrators=assigned.administrators(),
        )
        abort(make_response(page, 403))
    return batch


def visible_batches(query):
    """`query` of batches narrowed, for a surveyor, to the assigned agencies."""
    if current_user.role != "surveyor":
        return query
    assigned = select(SurveyorAssignment.campaign_id, SurveyorAssignment.agency_id).where(
        SurveyorAssignment.user_id == current_user.id
    )
    return query.where(tuple_(Batch.campaign_id, Batch.agency_id).in_(assigned))


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
