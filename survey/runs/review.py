"""Staff pages for reviewing submissions: list and filter them by what the latest run's
screening and people said; exclude with a reason, keep despite a flag, or withdraw the
decision. Every later run honours the decisions (survey/responses/services.py keeps them);
the pages live with the runs because they read the runs' flags."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import AnyOf, DataRequired, Length

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.form_messages import Form
from survey.inputs import whole_number
from survey.pagination import paginate
from survey.permissions import requires
from survey.responses import services
from survey.responses.models import CHANNELS, REVIEW_DECISIONS, Submission, SubmissionReview
from survey.runs.models import AnalysisRun, RunFlag
from survey.web import ConfirmForm, actor

blueprint = Blueprint("submissions", __name__, url_prefix="/admin/submissions")
PAGE_SIZE = 50
# Filters on what the latest run and people said; "flagged" means flagged by the latest
# run of the submission's campaign.
REVIEW_FILTERS = {
    "flagged": _l("Flagged by the latest run"),
    "excluded": _l("Excluded by a person"),
    "kept": _l("Kept despite a flag"),
}


class DecisionForm(Form):
    decision = StringField(validators=[AnyOf(REVIEW_DECISIONS)])
    reason = StringField(validators=[DataRequired(), Length(max=400)])


def _latest_runs():
    return select(func.max(AnalysisRun.id)).group_by(AnalysisRun.campaign_id).scalar_subquery()


@blueprint.get("/")
@requires("evaluator")
def list_submissions():
    query = select(Submission)
    filters = {}
    for name, column, cast in (
        ("campaign", Submission.campaign_id, whole_number),
        ("agency", Submission.agency_id, whole_number),
        ("channel", Submission.channel, str),
    ):
        value = request.args.get(name, "")
        if value:
            # An id in ASCII digits within the column's range (survey/inputs.py): "١٢"
            # or thirty digits are refused, not read or sent to the database.
            wanted = cast(value)
            if wanted is None:
                abort(400)
            query = query.where(column == wanted)
            filters[name] = value
    review = request.args.get("review", "")
    if review:
        if review not in REVIEW_FILTERS:
            abort(400)
        filters["review"] = review
        if review == "flagged":
            flagged = select(RunFlag.submission_id).where(RunFlag.run_id.in_(_latest_runs()))
            query = query.where(Submission.id.in_(flagged))
        else:
            decision = "exclude" if review == "excluded" else "keep"
            decided = select(SubmissionReview.submission_id).where(
                SubmissionReview.decision == decision
            )
            query = query.where(Submission.id.in_(decided))
    page = paginate(query, Submission.id.desc(), size=PAGE_SIZE)
    ids = [s.id for s in page.items]
    flags = dict(
        db.session.execute(
            select(RunFlag.submission_id, RunFlag.rules).where(
                RunFlag.submission_id.in_(ids), RunFlag.run_id.in_(_latest_runs())
            )
        ).all()
    )
    reviews = {
        r.submission_id: r
        for r in db.session.scalars(
            select(SubmissionReview).where(SubmissionReview.submission_id.in_(ids))
        )
    }
    return render_template(
        "submissions/list.html",
        submissions=page.items,
        flags={k: v.split(",") for k, v in flags.items()},
        reviews=reviews,
        filters=filters,
        total=page.total,
        page=page.number,
        pages=page.pages,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
        agencies=db.session.scalars(
            select(Agency).order_by(Agency.active.desc(), Agency.name_vi)
        ).all(),
        channels=CHANNELS,
        review_filters=REVIEW_FILTERS,
        decision_form=DecisionForm(),
        confirm=ConfirmForm(),
    )


def _load(submission_id: int) -> Submission:
    return db.session.get(Submission, submission_id) or abort(404)


@blueprint.post("/<int:submission_id>/decide")
@requires("evaluator")
def decide_submission(submission_id: int):
    submission = _load(submission_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Say why: a decision about a submission needs a reason."), "error")
        return redirect(request.referrer or url_for(".list_submissions")), 303
    services.decide(submission, form.decision.data, form.reason.data, **actor())
    db.session.commit()
    if form.decision.data == "exclude":
        flash(_("Submission %(id)s excluded from every run.", id=submission.id), "success")
    else:
        flash(_("Submission %(id)s kept in every run.", id=submission.id), "success")
    return redirect(request.referrer or url_for(".list_submissions"))


@blueprint.post("/<int:submission_id>/withdraw")
@requires("evaluator")
def withdraw_decision(submission_id: int):
    submission = _load(submission_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(submission, **actor())
    except services.SubmissionError:
        flash(_("There is no decision to withdraw."), "error")
    else:
        db.session.commit()
        flash(_("Decision about submission %(id)s withdrawn.", id=submission.id), "success")
    return redirect(request.referrer or url_for(".list_submissions"))
