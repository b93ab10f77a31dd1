"""Staff pages for submissions: list and filter; exclude with a reason, or restore."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from survey.admin.views import ConfirmForm, actor
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.pagination import paginate
from survey.permissions import requires
from survey.responses import services
from survey.responses.models import CHANNELS, SUBMISSION_STATUSES, Submission

blueprint = Blueprint("submissions", __name__, url_prefix="/admin/submissions")
PAGE_SIZE = 50


class ExcludeForm(FlaskForm):
    reason = StringField(validators=[DataRequired(), Length(max=400)])


@blueprint.get("/")
@requires("evaluator")
def list_submissions():
    query = select(Submission)
    filters = {}
    for name, column, cast in (
        ("campaign", Submission.campaign_id, int),
        ("agency", Submission.agency_id, int),
        ("channel", Submission.channel, str),
        ("status", Submission.status, str),
    ):
        value = request.args.get(name, "")
        if value:
            try:
                query = query.where(column == cast(value))
            except ValueError:
                abort(400)
            filters[name] = value
    page = paginate(query, Submission.id.desc(), size=PAGE_SIZE)
    return render_template(
        "submissions/list.html",
        submissions=page.items,
        filters=filters,
        total=page.total,
        page=page.number,
        pages=page.pages,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
        agencies=db.session.scalars(select(Agency).order_by(Agency.code)).all(),
        channels=CHANNELS,
        statuses=SUBMISSION_STATUSES,
        exclude=ExcludeForm(),
        confirm=ConfirmForm(),
    )


def _load(submission_id: int) -> Submission:
    return db.session.get(Submission, submission_id) or abort(404)


@blueprint.post("/<int:submission_id>/exclude")
@requires("evaluator")
def exclude_submission(submission_id: int):
    submission = _load(submission_id)
    form = ExcludeForm()
    if not form.validate_on_submit():
        flash(_("Say why the submission is excluded."), "error")
        return redirect(request.referrer or url_for(".list_submissions")), 303
    services.exclude(submission, form.reason.data, **actor())
    db.session.commit()
    flash(_("Submission %(id)s excluded.", id=submission.id), "success")
    return redirect(request.referrer or url_for(".list_submissions"))


@blueprint.post("/<int:submission_id>/restore")
@requires("evaluator")
def restore_submission(submission_id: int):
    submission = _load(submission_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.restore(submission, **actor())
    except services.SubmissionError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Submission %(id)s restored.", id=submission.id), "success")
    return redirect(request.referrer or url_for(".list_submissions"))
