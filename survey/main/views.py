from flask import Blueprint, render_template
from sqlalchemy import func, select, text

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.permissions import public
from survey.questionnaires.models import Questionnaire

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
@public
def show_home():
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.status == "open").order_by(Campaign.period_start.desc())
    ).all()
    counts = {
        "agencies": db.session.scalar(select(func.count()).select_from(Agency)),
        "questionnaires": db.session.scalar(select(func.count()).select_from(Questionnaire)),
    }
    return render_template("main/home.html", campaigns=campaigns, counts=counts)


@blueprint.get("/healthz")
@public
def check_health():
    """For load balancers: the app answers and the database does too."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
