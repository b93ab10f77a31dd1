"""Which surveyors issue paper batches for which agencies of which campaigns.

Evaluators issue batches for any agency; a surveyor issues them only where an
administrator assigned them, so the forms a surveyor prints are the ones they will hand
out and key. Every change is audited; callers commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.paper.models import SurveyorAssignment
from survey.users.models import User


class AssignmentError(Exception):
    """A refused assignment; the message says why, in the user's language."""


def assign(
    campaign: Campaign, agency: Agency, surveyor: User, *, actor: str, user_id: int | None
) -> SurveyorAssignment:
    if not surveyor.active or surveyor.role != "surveyor":
        raise AssignmentError(_("%(user)s is not an active surveyor.", user=surveyor.username))
    if agency not in campaign.agencies:
        raise AssignmentError(
            _("%(agency)s is not an agency of this campaign.", agency=agency.code)
        )
    if campaign.status == "closed":
        raise AssignmentError(_("The campaign is closed; no more forms can be issued."))
    known = db.session.scalar(
        select(SurveyorAssignment).where(
            SurveyorAssignment.campaign_id == campaign.id,
            SurveyorAssignment.agency_id == agency.id,
            SurveyorAssignment.user_id == surveyor.id,
        )
    )
    if known is not None:
        raise AssignmentError(
            _(
                "%(user)s is already assigned to %(agency)s.",
                user=surveyor.username,
                agency=agency.code,
            )
        )
    assignment = SurveyorAssignment(
        campaign=campaign, agency=agency, user=surveyor, created_by=actor
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "paper.assignment.create",
        "surveyor_assignment",
        assignment.id,
        actor=actor,
        user_id=user_id,
        after=_described(assignment),
    )
    return assignment


def unassign(assignment: SurveyorAssignment, *, actor: str, user_id: int | None) -> None:
    audit.record(
        "paper.assignment.delete",
        "surveyor_assignment",
        assignment.id,
        actor=actor,
        user_id=user_id,
        before=_described(assignment),
    )
    db.session.delete(assignment)
    db.session.flush()


def _described(assignment: SurveyorAssignment) -> dict[str, str]:
    return {
        "campaign": assignment.campaign.code,
        "agency": assignment.agency.code,
        "surveyor": assignment.user.username,
    }


def of_campaign(campaign: Campaign) -> list[SurveyorAssignment]:
    return db.session.scalars(
        select(SurveyorAssignment)
        .where(SurveyorAssignment.campaign_id == campaign.id)
        .options(joinedload(SurveyorAssignment.agency), joinedload(SurveyorAssignment.user))
        .join(Agency, Agency.id == SurveyorAssignment.agency_id)
        .join(User, User.id == SurveyorAssignment.user_id)
        .order_by(User.username, Agency.code)
    ).all()


def open_for(surveyor: User) -> list[SurveyorAssignment]:
    """The surveyor's assignments in campaigns that still issue forms."""
    return db.session.scalars(
        select(SurveyorAssignment)
        .join(Campaign, Campaign.id == SurveyorAssignment.campaign_id)
        .join(Agency, Agency.id == SurveyorAssignment.agency_id)
        .where(SurveyorAssignment.user_id == surveyor.id, Campaign.status != "closed")
        .options(joinedload(SurveyorAssignment.campaign), joinedload(SurveyorAssignment.agency))
        .order_by(Campaign.code, Agency.code)
    ).all()


def is_assigned(surveyor: User, campaign: Campaign, agency: Agency) -> bool:
    return (
        db.session.scalar(
            select(SurveyorAssignment.id).where(
                SurveyorAssignment.user_id == surveyor.id,
                SurveyorAssignment.campaign_id == campaign.id,
                SurveyorAssignment.agency_id == agency.id,
            )
        )
        is not None
    )


def administrators() -> list[User]:
    """Whom a surveyor without an assignment should ask."""
    return db.session.scalars(
        select(User).where(User.role == "admin", User.active).order_by(User.username)
    ).all()
