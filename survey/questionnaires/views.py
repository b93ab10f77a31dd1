"""Published questionnaires, readable by anyone: the codebook of what is asked."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from survey.extensions import db
from survey.permissions import public
from survey.questionnaires.models import Questionnaire
from survey.questionnaires.services import latest_published_version

blueprint = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")


@blueprint.get("/")
@public
def list_questionnaires():
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.code)).all()
    published = [(q, latest_published_version(q.code)) for q in questionnaires]
    return render_template(
        "questionnaires/list.html", published=[(q, v) for q, v in published if v is not None]
    )


@blueprint.get("/<code>")
@public
def show_questionnaire(code: str):
    version = latest_published_version(code)
    if version is None:
        abort(404)
    return render_template(
        "questionnaires/show.html", version=version, definition=version.definition()
    )
