"""Staff pages for paper questionnaires: batches, keyboard entry, adjudication, quality."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign
from survey.choices import choices
from survey.csv_files import write_rows
from survey.db import utcnow
from survey.downloads import attachment
from survey.extensions import db
from survey.form_messages import Form
from survey.inputs import record_id, whole_number
from survey.labels import LABELS
from survey.paper import assignments, entry, errors, issuing, quality
from survey.paper.jobs import start_paper_forms
from survey.paper.models import Batch, PaperForm, SurveyorAssignment
from survey.permissions import requires
from survey.questionnaires.models import RESPONDENT_TYPES
from survey.questionnaires.wording import numbering, skip_instruction
from survey.users.models import User
from survey.web import ConfirmForm, actor

blueprint = Blueprint("paper", __name__, url_prefix="/paper")

KEYERS = ("surveyor", "evaluator")


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
    count = IntegerField(
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
    form.campaign_id.choices = choices((c.id, c.code) for c in campaigns)
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.code))
    form.agency_id.choices = choices((a.id, f"{a.code} · {a.name_vi}") for a in agencies)
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
        SelectChoice(p.id, f"{p.code} · {p.name_vi}", render_kw={"data-agency": p.agency_id})
        for p in points
    ]


def _surveyor_choices(form: BatchForm, assigned: list[SurveyorAssignment]) -> None:
    """A surveyor issues forms only where they are assigned, and takes them out
    themselves. Each agency names the campaigns it is assigned in, for the page's script."""
    campaigns = {a.campaign_id: a.campaign for a in assigned}
    form.campaign_id.choices = choices((c.id, c.code) for c in campaigns.values())
    in_campaigns: dict[int, list[int]] = {}
    agencies = {}
    for a in assigned:
        agencies[a.agency_id] = a.agency
        in_campaigns.setdefault(a.agency_id, []).append(a.campaign_id)
    form.agency_id.choices = [
        SelectChoice(
            a.id,
            f"{a.code} · {a.name_vi}",
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
        SelectChoice(p.id, f"{p.code} · {p.name_vi}", render_kw={"data-agency": p.agency_id})
        for p in points
    ]


def _batch(batch_id: int) -> Batch:
    return db.session.get(Batch, batch_id) or abort(404)


@blueprint.get("/")
@requires(*KEYERS)
def list_batches():
    campaign = _campaign_filter()
    query = (
        select(Batch)
        .options(joinedload(Batch.campaign), joinedload(Batch.agency), joinedload(Batch.surveyor))
        .order_by(Batch.id.desc())
    )
    if campaign is not None:
        query = query.where(Batch.campaign_id == campaign.id)
    batches = db.session.scalars(query).all()
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


def _campaign_filter() -> Campaign | None:
    code = request.args.get("campaign", "")
    if not code:
        return None
    return db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)


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
    batch = _batch(batch_id)
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
    batch = _batch(batch_id)
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
    batch = _batch(batch_id)
    language = request.args.get("language", "vi")
    if language not in ("vi", "en"):
        abort(400)
    # Up to 2,000 forms: a job prints them (a few seconds), the batch page links to it.
    return start_paper_forms(batch, language)


@blueprint.route("/batches/<int:batch_id>/entry", methods=["GET", "POST"])
@requires(*KEYERS)
def enter_form(batch_id: int):
    """Key one paper form: serial, the date written on it, then every item's paper code."""
    batch = _batch(batch_id)
    definition = batch.definition()
    paper = entry.paper_context(batch, definition)
    typed: dict[str, str] = {}
    problems: dict[str, str] = {}
    serial = interview_date = ""
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        serial = request.form.get("serial", "")
        interview_date = request.form.get("interview_date", "")[:32]
        typed = {q.code: request.form.get(f"item-{q.code}", "")[:2000] for q in definition.items}
        try:
            keyed = entry.record_entry(
                batch,
                serial,
                typed,
                keyer=current_user,
                started_at=_started_at(),
                interview_date=interview_date,
            )
        except errors.PaperError as error:
            # A repeated attempt is counted for the quality report, nothing else is kept.
            db.session.commit()
            problems["serial"] = str(error)
        else:
            if keyed.form is None:
                db.session.rollback()
                problems = keyed.reading.problems
            else:
                db.session.commit()
                flash(_outcome(keyed.form), "success")
                return redirect(url_for(".enter_form", batch_id=batch.id))
    return render_template(
        "paper/entry.html",
        batch=batch,
        definition=definition,
        numbers=numbering(definition),
        codes={q.code: q.paper_codes(paper) for q in definition.items},
        instructions={
            q.code: skip_instruction(q.show_if, definition, str(get_locale() or "vi"))
            for q in definition.items
            if q.show_if is not None
        },
        counts=issuing.batch_counts(batch),
        typed=typed,
        serial=serial,
        interview_date=interview_date,
        date_key=entry.DATE,
        problems=problems,
        started=utcnow().isoformat(timespec="seconds"),
        form=ConfirmForm(),
    ), (400 if problems else 200)


@blueprint.get("/batches/<int:batch_id>/serials/<serial>")
@requires(*KEYERS)
def check_serial(batch_id: int, serial: str):
    """For the keying screen, as soon as the serial is typed: may this keyer key it?"""
    batch = _batch(batch_id)
    try:
        entry.check_serial(batch, serial[:40], current_user)
    except errors.PaperError as error:
        return {"ok": False, "message": str(error)}
    return {"ok": True, "message": ""}


def _started_at() -> datetime | None:
    try:
        return datetime.fromisoformat(request.form.get("started", ""))
    except ValueError:
        return None


def _outcome(form: PaperForm) -> str:
    if form.status == "verified":
        return _("Form %(serial)s is verified and counted.", serial=form.serial)
    if form.status == "adjudication":
        return _(
            "Form %(serial)s: the two entries differ; a supervisor will compare them with the "
            "paper.",
            serial=form.serial,
        )
    return _(
        "Form %(serial)s is stored; it will be keyed a second time by someone else.",
        serial=form.serial,
    )


@blueprint.get("/adjudication")
@requires("evaluator")
def list_adjudication():
    forms = db.session.scalars(
        select(PaperForm)
        .options(joinedload(PaperForm.batch).joinedload(Batch.campaign))
        .where(PaperForm.status == "adjudication")
        .order_by(PaperForm.id)
    ).all()
    return render_template("paper/adjudication.html", forms=forms)


@blueprint.route("/forms/<int:form_id>/resolve", methods=["GET", "POST"])
@requires("evaluator")
def resolve_form(form_id: int):
    form = db.session.get(PaperForm, form_id) or abort(404)
    if form.status != "adjudication":
        flash(_("Form %(serial)s is not waiting for adjudication.", serial=form.serial), "error")
        return redirect(url_for(".list_adjudication"))
    try:
        entry.check_adjudicator(form, current_user)  # said before the paper is read
    except errors.PaperError as error:
        flash(str(error), "error")
        return redirect(url_for(".list_adjudication"))
    definition = form.batch.definition()
    diffs = entry.pending_differences(form, definition)
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        values = {d.item: request.form.get(f"paper-{d.item}", "")[:2000] for d in diffs}
        try:
            reading = entry.resolve(form, values, supervisor=current_user)
        except errors.PaperError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for(".list_adjudication"))
        if reading.ok:
            db.session.commit()
            flash(_("Form %(serial)s is resolved and counted.", serial=form.serial), "success")
            return redirect(url_for(".list_adjudication"))
        db.session.rollback()
        problems = reading.problems
    return render_template(
        "paper/resolve.html",
        form=form,
        diffs=diffs,
        definition=definition,
        numbers=numbering(definition),
        values=values,
        problems=problems,
        date_key=entry.DATE,
        shown_value=_shown_value,
        confirm=ConfirmForm(),
    ), (400 if problems else 200)


def _shown_value(item: str, value: str | None) -> str:
    """A keyed value as the supervisor reads it on the paper (dates day first)."""
    if not value:
        return "—"
    if item == entry.DATE:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return value


@blueprint.get("/quality")
@requires("evaluator")
def show_quality():
    campaign = _campaign_filter() or _latest_campaign()
    keyers, batches = quality.quality(campaign) if campaign else ([], [])
    return render_template(
        "paper/quality.html",
        campaign=campaign,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
        keyers=keyers,
        batches=batches,
    )


def _latest_campaign() -> Campaign | None:
    return db.session.scalar(select(Campaign).order_by(Campaign.period_start.desc()).limit(1))


class AssignmentForm(Form):
    surveyor_id = SelectField(_l("Surveyor"), coerce=int, choices=[])
    agency_id = SelectField(_l("Agency"), coerce=int, choices=[])


@blueprint.route("/assignments", methods=["GET", "POST"])
@requires("admin")
def manage_assignments():
    """Who may issue batches for which agencies of a campaign (evaluators always may)."""
    campaign = _campaign_filter() or _latest_campaign()
    form = AssignmentForm()
    if campaign is not None:
        surveyors = db.session.scalars(
            select(User).where(User.active, User.role == "surveyor").order_by(User.username)
        )
        form.surveyor_id.choices = choices((u.id, u.username) for u in surveyors)
        form.agency_id.choices = choices(
            (a.id, f"{a.code} · {a.name_vi}") for a in sorted(campaign.agencies, key=_by_code)
        )
    if request.method == "POST":
        if campaign is None:
            abort(404)
        if form.validate_on_submit():
            surveyor = db.session.get(User, form.surveyor_id.data)
            agency = db.session.get(Agency, form.agency_id.data)
            try:
                assignments.assign(campaign, agency, surveyor, **actor())
            except assignments.AssignmentError as error:
                db.session.rollback()
                form.agency_id.errors = [str(error)]
            else:
                db.session.commit()
                flash(
                    _(
                        "%(user)s may now issue forms for %(agency)s.",
                        user=surveyor.username,
                        agency=agency.code,
                    ),
                    "success",
                )
                return redirect(url_for(".manage_assignments", campaign=campaign.code))
    return render_template(
        "paper/assignments.html",
        campaign=campaign,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
        rows=assignments.of_campaign(campaign) if campaign else [],
        form=form,
    ), (400 if form.errors else 200)


def _by_code(agency: Agency) -> str:
    return agency.code


@blueprint.post("/assignments/<int:assignment_id>/delete")
@requires("admin")
def delete_assignment(assignment_id: int):
    assignment = db.session.get(SurveyorAssignment, assignment_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = assignment.campaign.code
    assignments.unassign(assignment, **actor())
    db.session.commit()
    flash(_("Assignment removed."), "success")
    return redirect(url_for(".manage_assignments", campaign=code))


@blueprint.get("/quality.csv")
@requires("evaluator")
def export_quality():
    campaign = _campaign_filter() or abort(404)
    keyers, batches = quality.quality(campaign)
    # The file is named from the table shown, never from the parameter's text.
    table = "batches" if request.args.get("table") == "batches" else "keyers"
    if table == "batches":
        columns = (
            "batch", "agency", "surveyor", "issued", "returned", "keyed_once", "keyed_twice",
            "verified", "adjudication", "missing", "duplicates",
        )  # fmt: skip
        rows = [
            {
                "batch": b.batch.id,
                "agency": b.batch.agency.code,
                "surveyor": b.batch.surveyor.username if b.batch.surveyor else "",
                "issued": b.issued,
                "returned": "" if b.returned is None else b.returned,
                "keyed_once": b.keyed_once,
                "keyed_twice": b.keyed_twice,
                "verified": b.verified,
                "adjudication": b.adjudication,
                "missing": b.missing,
                "duplicates": b.duplicates,
            }
            for b in batches
        ]
    else:
        columns = ("keyer", "forms", "fields", "errors", "errors_per_1000", "median_seconds")
        rows = [
            {
                "keyer": k.keyer.username,
                "forms": k.forms,
                "fields": k.fields,
                "errors": k.errors,
                "errors_per_1000": _round(k.errors_per_thousand),
                "median_seconds": _round(k.median_seconds),
            }
            for k in keyers
        ]
    name = f"{campaign.code}-paper-{table}.csv"
    return Response(
        write_rows(columns, rows),
        mimetype="text/csv",
        headers=attachment(name),
    )


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@blueprint.post("/campaigns/<code>/verify-share")
@requires("evaluator")
def set_verify_share(code: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    percent = request.form.get("percent", type=float)
    try:
        if percent is None:
            raise errors.PaperError(_("Type a percentage from 1 to 100."))
        issuing.set_verify_share(campaign, percent / 100, **actor())
    except errors.PaperError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _(
                "From now on %(percent)s%% of new forms are keyed twice.",
                percent=format(percent, "g"),
            ),
            "success",
        )
    return redirect(url_for(".show_quality", campaign=code))
