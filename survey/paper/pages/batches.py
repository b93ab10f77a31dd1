"""Batches of serial-numbered forms: list, issue, change, print."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign
from survey.choices import choices
from survey.extensions import db
from survey.form_messages import Form
from survey.i18n import named
from survey.inputs import WholeNumberField, record_id, whole_number
from survey.jobs.views import start
from survey.labels import LABELS
from survey.paper import assignments, errors, issuing
from survey.paper.jobs import paper_forms_work
from survey.paper.models import Batch, PaperForm, SurveyorAssignment
from survey.paper.pages import KEYERS, blueprint, campaign_filter, load_batch, visible_batches
from survey.permissions import requires
from survey.questionnaires.models import RESPONDENT_TYPES
from survey.users.models import User
from survey.web import ConfirmForm, actor


class BatchForm(Form):
    campaign_id = SelectField(_l("Campaign"), coerce=int, choices=[])
    agency_id = SelectField(_l("Agency"), coerce=int, choices=[])
    surveyor_id = SelectField(_l("Surveyor"), coerce=int, choices=[])
    point_id = SelectField(_l("Service point"), coerce=int, choices=[])
    # Campaigns surveying citizens and organisations print a batch of each kind.
    respondent_type = SelectField(
        _l("Form for"),
        choices=choices((kind, LABELS["respondent_type"][kind]) for kind in RESPONDENT_TYPES),
        default="citizen",
    )
    count = WholeNumberField(
        _l("Number of forms"),
        validators=[InputRequired(), NumberRange(min=1, max=issuing.MAX_BATCH)],
    )
    language = SelectField(
        _l("Language of the forms"), choices=choices([("vi", "Tiếng Việt"), ("en", "English")])
    )


def _staff_choices(form: BatchForm) -> None:
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.status != "closed").order_by(Campaign.code)
    )
    form.campaign_id.choices = choices((c.id, named(c)) for c in campaigns)
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name_vi))
    form.agency_id.choices = choices((a.id, named(a, a.code)) for a in agencies)
    users = db.session.scalars(
        select(User).where(User.active, User.role != "agency-viewer").order_by(User.username)
    )
    form.surveyor_id.choices = choices(
        [(0, _("not assigned yet"))] + [(u.id, u.username) for u in users]
    )
    points = db.session.scalars(
        select(ServicePoint).where(ServicePoint.active).order_by(ServicePoint.code)
    )
    # Each point names its agency: the page shows only the chosen agency's points (the
    # server refuses a point of another agency either way).
    form.point_id.choices = [SelectChoice(0, _("none (handed out by the surveyor)"))] + [
        SelectChoice(p.id, named(p, p.code), render_kw={"data-agency": p.agency_id}) for p in points
    ]


def _surveyor_choices(form: BatchForm, assigned: list[SurveyorAssignment]) -> None:
    """A surveyor issues forms only where they are assigned, and takes them out
    themselves. Each agency names the campaigns it is assigned in, for the page's script."""
    campaigns = {a.campaign_id: a.campaign for a in assigned}
    form.campaign_id.choices = choices((c.id, named(c)) for c in campaigns.values())
    in_campaigns: dict[int, list[int]] = {}
    agencies = {}
    for a in assigned:
        agencies[a.agency_id] = a.agency
        in_campaigns.setdefault(a.agency_id, []).append(a.campaign_id)
    form.agency_id.choices = [
        SelectChoice(
            a.id,
            named(a, a.code),
            render_kw={"data-campaigns": " ".join(map(str, in_campaigns[a.id]))},
        )
        for a in agencies.values()
    ]
    form.surveyor_id.choices = choices([(current_user.id, current_user.username)])
    points = db.session.scalars(
        select(ServicePoint)
        .where(ServicePoint.active, ServicePoint.agency_id.in_(list(agencies)))
        .order_by(ServicePoint.code)
    )
    form.point_id.choices = [SelectChoice(0, _("none (handed out by the surveyor)"))] + [
        SelectChoice(p.id, named(p, p.code), render_kw={"data-agency": p.agency_id}) for p in points
    ]


@blueprint.get("/")
@requires(*KEYERS)
def list_batches():
    campaign = campaign_filter()
    query = (
        select(Batch)
        .options(joinedload(Batch.campaign), joinedload(Batch.agency), joinedload(Batch.surveyor))
        .order_by(Batch.id.desc())
    )
    if campaign is not None:
        query = query.where(Batch.campaign_id == campaign.id)
    batches = db.session.scalars(visible_batches(query)).all()
    counts = issuing.counts_by_batch([b.id for b in batches])
    waiting = db.session.scalar(
        select(func.count()).select_from(PaperForm).where(PaperForm.status == "adjudication")
    )
    return render_template(
        "paper/batches.html",
        batches=batches,
        counts=counts,
        waiting=waiting,
        campaign=campaign,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
    )


@blueprint.route("/batches/new", methods=["GET", "POST"])
@requires("evaluator", "surveyor")
def create_batch():
    surveyor_only = current_user.role == "surveyor"
    form = BatchForm(surveyor_id=current_user.id if surveyor_only else 0)
    if surveyor_only:
        assigned = assignments.open_for(current_user)
        if not assigned:
            return render_template(
                "paper/not_assigned.html", administrators=assignments.administrators()
            )
        _surveyor_choices(form, assigned)
    else:
        _staff_choices(form)
    if form.validate_on_submit():
        campaign = db.session.get(Campaign, form.campaign_id.data)
        agency = db.session.get(Agency, form.agency_id.data)
        surveyor = db.session.get(User, form.surveyor_id.data) if form.surveyor_id.data else None
        point = db.session.get(ServicePoint, form.point_id.data) if form.point_id.data else None
        if surveyor_only and not assignments.is_assigned(current_user, campaign, agency):
            form.agency_id.errors = [
                _(
                    "You are not assigned to %(agency)s in %(campaign)s; an administrator "
                    "assigns surveyors.",
                    agency=agency.code,
                    campaign=campaign.code,
                )
            ]
            return render_template("paper/batch_form.html", form=form), 400
        try:
            batch = issuing.create_batch(
                campaign,
                agency,
                form.count.data,
                surveyor=surveyor,
                service_point=point,
                respondent_type=form.respondent_type.data,
                **actor(),
            )
        except errors.PaperError as error:
            db.session.rollback()
            form.count.errors = [*form.count.errors, str(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "Batch %(id)s issued: %(count)s forms. Download and print them.",
                    id=batch.id,
                    count=form.count.data,
                ),
                "success",
            )
            return redirect(
                url_for(".show_batch", batch_id=batch.id, lang_forms=form.language.data)
            )
    return render_template("paper/batch_form.html", form=form), (400 if form.errors else 200)


@blueprint.get("/batches/<int:batch_id>")
@requires(*KEYERS)
def show_batch(batch_id: int):
    batch = load_batch(batch_id)
    form = BatchForm(surveyor_id=batch.surveyor_id or 0)
    _staff_choices(form)
    return render_template(
        "paper/batch.html",
        batch=batch,
        counts=issuing.batch_counts(batch),
        form=form,
        forms_language=request.args.get("lang_forms", "vi"),
    )


@blueprint.post("/batches/<int:batch_id>")
@requires("evaluator")
def update_batch(batch_id: int):
    batch = load_batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    surveyor_id = request.form.get("surveyor_id", type=record_id) or 0
    surveyor = db.session.get(User, surveyor_id) if surveyor_id else None
    returned_text = request.form.get("returned_count", "").strip()
    if returned_text and whole_number(returned_text) is None:
        flash(_("Returned forms must be a whole number."), "error")
        return redirect(url_for(".show_batch", batch_id=batch.id)), 303
    try:
        issuing.update_batch(
            batch,
            surveyor=surveyor,
            returned_count=whole_number(returned_text) if returned_text else None,
            **actor(),
        )
    except errors.PaperError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".show_batch", batch_id=batch.id)), 303
    db.session.commit()
    flash(_("Batch %(id)s saved.", id=batch.id), "success")
    return redirect(url_for(".show_batch", batch_id=batch.id))


@blueprint.get("/batches/<int:batch_id>/forms.pdf")
@requires(*KEYERS)
def download_forms(batch_id: int):
    batch = load_batch(batch_id)
    language = request.args.get("language", "vi")
    if language not in ("vi", "en"):
        abort(400)
    # Up to 2,000 forms: a job prints them (a few seconds), the batch page links to it.
    return start(paper_forms_work(batch, language))
