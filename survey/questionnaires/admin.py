"""Staff pages for questionnaires: upload a YAML file, read its errors, preview the form
as a citizen sees it, publish the version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from survey.extensions import db
from survey.form_messages import Form
from survey.permissions import requires
from survey.questionnaires import services
from survey.questionnaires.definition import QuestionnaireError, load_text
from survey.questionnaires.fields import make_survey_form
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.questionnaires.services import import_definition
from survey.web import ConfirmForm, actor

blueprint = Blueprint("questionnaire_admin", __name__, url_prefix="/admin/questionnaires")

EXAMPLE_SERVICES = [(1, "Thủ tục A"), (2, "Thủ tục B")]


class UploadForm(Form):
    file = FileField(validators=[FileRequired()])


@blueprint.get("/")
@requires("evaluator")
def list_questionnaires():
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.code)).all()
    return render_template(
        "questionnaire_admin/list.html", questionnaires=questionnaires, form=UploadForm()
    )


@blueprint.post("/upload")
@requires("admin")
def upload_questionnaire():
    form = UploadForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        with upload.stream:  # a large upload is a temporary file: close it now
            raw = upload.read()
        try:
            source = raw.decode("utf-8")
            definition = load_text(source, upload.filename or "upload.yaml")
        except UnicodeDecodeError:
            problems = [_("The file is not UTF-8 text.")]
        except QuestionnaireError as error:
            problems = [f"{error.source}: {p}" for p in error.problems]
        else:
            outcome = import_definition(definition, source, publish=False, **actor())
            db.session.commit()
            if outcome.created:
                flash(
                    _("Stored as draft version %(number)s.", number=outcome.version.number),
                    "success",
                )
            else:
                flash(
                    _(
                        "Unchanged: same content as version %(number)s.",
                        number=outcome.version.number,
                    ),
                    "info",
                )
            return redirect(url_for(".show_version", version_id=outcome.version.id))
    else:
        problems = [_("Choose a YAML file to upload.")]
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.code)).all()
    return render_template(
        "questionnaire_admin/list.html", questionnaires=questionnaires, form=form, problems=problems
    ), 400


@blueprint.get("/versions/<int:version_id>")
@requires("evaluator")
def show_version(version_id: int):
    version = db.session.get(QuestionnaireVersion, version_id) or abort(404)
    language = request.args.get("preview_lang", "vi")
    if language not in ("vi", "en"):
        language = "vi"
    definition = version.definition()
    form_class = make_survey_form(definition, language, EXAMPLE_SERVICES)
    preview = form_class(meta={"csrf": False}, formdata=None)
    return render_template(
        "questionnaire_admin/version.html",
        version=version,
        definition=definition,
        preview=preview,
        language=language,
        confirm=ConfirmForm(),
    )


@blueprint.post("/versions/<int:version_id>/publish")
@requires("admin")
def publish_version(version_id: int):
    version = db.session.get(QuestionnaireVersion, version_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.publish(version, **actor()):
        flash(_("This version is already published."), "info")
    else:
        db.session.commit()
        flash(_("Published; this version can no longer change."), "success")
    return redirect(url_for(".show_version", version_id=version.id))
