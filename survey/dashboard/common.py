"""What the dashboard's pages share: the blueprint, and finding the campaign, the agency
(an agency viewer only their own) and the run a page is about."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.i18n import localized
from survey.inputs import record_id
from survey.reform import services as reform
from survey.runs.models import AnalysisRun

blueprint = Blueprint("dashboard", __name__, url_prefix="/results")

VIEWERS = ("evaluator", "agency-viewer")


def campaign_named(code: str) -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)


def agency_of(campaign: Campaign, code: str) -> Agency:
    agency = next((a for a in campaign.agencies if a.code == code), None) or abort(404)
    if current_user.role == "agency-viewer" and current_user.agency_id != agency.id:
        abort(403)
    return agency


def chosen_run(campaign: Campaign) -> AnalysisRun | None:
    """The run asked for (?run=ID, one of this campaign's), else the latest."""
    run_id = request.args.get("run", type=record_id)
    if run_id is None:
        return reform.latest_run(campaign)
    chosen = db.session.get(AnalysisRun, run_id)
    if chosen is None or chosen.campaign_id != campaign.id:
        abort(404)
    return chosen


def agency_name(agency: Agency) -> str:
    return localized({"vi": agency.name_vi, "en": agency.name_en})
