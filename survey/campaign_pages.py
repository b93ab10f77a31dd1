"""Staff pages for campaigns: create, choose agencies, frame counts, open and close.

They sit above the responses (they count each campaign's submissions), so they live
apart from survey/campaigns/, which the responses build on.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from survey import local_time
from survey.agencies.models import Agency, RankingGroup, ServiceField
from survey.campaigns import invitations, services
from survey.campaigns.forms import (
    CampaignForm,
    DrawForm,
    FrameImportForm,
    HouseholdDrawForm,
    InvitationImportForm,
    SamplingPlanForm,
)
from survey.campaigns.jobs import invitations_export_work
from survey.campaigns.models import Campaign, SamplingPlan
from survey.campaigns.response_rates import response_rates
from survey.choices import choices
from survey.csv_files import CsvError
from survey.extensions import db
from survey.households import frames as village_frames
from survey.households import sampling as household_sampling
from survey.households.models import DrawnVillage, HouseholdPlan, Village
from survey.i18n import localized
from survey.inputs import whole_number
from survey.jobs.views import start
from survey.labels import code_label
from survey.permissions import requires
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.responses.models import Submission
from survey.web import ConfirmForm, actor

blueprint = Blueprint("campaigns", __name__, url_prefix="/admin/campaigns")


def _load(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _prepare(form: CampaignForm, campaign: Campaign | None = None) -> list:
    """Offer the published versions and the agencies in use (and the campaign's own, even
    if no longer active); returns the agencies' ids by ranking group, for the page."""
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(QuestionnaireVersion.published_at.is_not(None))
        .order_by(Questionnaire.code, QuestionnaireVersion.number.desc())
    ).all()
    unsurveyed = {
        "citizen": _("Citizens are not surveyed"),
        "organisation": _("Organisations are not surveyed"),
    }
    for name, kind in (("version_id", "citizen"), ("organisation_version_id", "organisation")):
        form[name].choices = choices(
            [(0, unsurveyed[kind])]
            + [(v.id, v.label) for v in versions if v.questionnaire.respondent_type == kind]
        )
    own = [a.id for a in campaign.agencies] if campaign is not None else []
    agencies = db.session.scalars(
        select(Agency)
        .join(Agency.group)
        .where(or_(Agency.active, Agency.id.in_(own)))
        .order_by(RankingGroup.position, Agency.name_vi)
    ).all()
    form.agency_ids.choices = choices(
        (a.id, f"{localized({'vi': a.name_vi, 'en': a.name_en})} ({a.code})") for a in agencies
    )
    groups: dict = {}
    for agency in agencies:
        groups.setdefault(agency.group, []).append(agency.id)
    return list(groups.items())


@blueprint.get("/")
@requires("evaluator")
def list_campaigns():
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.period_start.desc())).all()
    counts = dict(
        db.session.execute(
            select(Submission.campaign_id, func.count()).group_by(Submission.campaign_id)
        ).all()
    )
    return render_template("campaigns/list.html", campaigns=campaigns, counts=counts)


def _save(form: CampaignForm, campaign: Campaign | None):
    versions = {
        kind: db.session.get(QuestionnaireVersion, version_id)
        for kind, version_id in (
            ("citizen", form.version_id.data),
            ("organisation", form.organisation_version_id.data),
        )
        if version_id
    }
    agencies = db.session.scalars(select(Agency).where(Agency.id.in_(form.agency_ids.data))).all()
    taken = db.session.scalar(select(Campaign).where(Campaign.code == form.code.data))
    if taken is not None and (campaign is None or taken.id != campaign.id):
        form.code.errors.append(_("%(value)s is already used.", value=form.code.data))
        return None
    try:
        return services.save_campaign(
            campaign,
            code=form.code.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data,
            versions=versions,
            period=(form.period_start.data, form.period_end.data),
            agencies=agencies,
            design=(form.design.data, form.design_strata.data, form.design_cluster.data or None),
            weighting=form.weighting.data,
            league_estimate=form.league_estimate.data,
            finite_population=form.finite_population.data,
            reply_working_days=form.reply_working_days.data,
            **actor(),
        )
    except services.CampaignError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return None


@blueprint.route("/new", methods=["GET", "POST"])
@requires("admin")
def create_campaign():
    form = CampaignForm()
    groups = _prepare(form)
    if form.validate_on_submit():
        campaign = _save(form, None)
        if campaign is not None:
            db.session.commit()
            flash(_("Campaign %(code)s created as a draft.", code=campaign.code), "success")
            return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None, groups=groups)


@blueprint.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_campaign(campaign_id: int):
    campaign = _load(campaign_id)
    form = CampaignForm(
        obj=campaign,
        agency_ids=[a.id for a in campaign.agencies],
        design_cluster=campaign.design_cluster or "",
    )
    if request.method == "GET":
        # Not from `obj`: Campaign.version_id is a method (the version of a type), which
        # WTForms would read as the field's value and show "not surveyed".
        form.version_id.data = getattr(campaign.version_for("citizen"), "id", 0)
        form.organisation_version_id.data = getattr(campaign.version_for("organisation"), "id", 0)
    groups = _prepare(form, campaign)
    if form.validate_on_submit() and _save(form, campaign) is not None:
        db.session.commit()
        flash(_("Saved %(code)s.", code=campaign.code), "success")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign, groups=groups)


@blueprint.get("/<int:campaign_id>")
@requires("evaluator")
def show_campaign(campaign_id: int):
    campaign = _load(campaign_id)
    fields = db.session.scalars(select(ServiceField).order_by(ServiceField.code)).all()
    offered = {a.id: sorted({s.field_id for s in a.services}) for a in campaign.agencies}
    submissions = db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.campaign_id == campaign.id)
    )
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        fields={f.id: f for f in fields},
        offered=offered,
        frame=services.frame_table(campaign),
        submissions=submissions,
        confirm=ConfirmForm(),
        upload=FrameImportForm(),
        links=InvitationImportForm(prefix="links"),
        plans=db.session.scalars(
            select(SamplingPlan)
            .join(Agency, Agency.id == SamplingPlan.agency_id)
            .where(SamplingPlan.campaign_id == campaign.id)
            .order_by(Agency.code)
        ).all(),
        plan_form=SamplingPlanForm(prefix="plan"),
        draw_form=DrawForm(prefix="draw", through=local_time.today()),
        rates=response_rates(campaign),
        agencies={a.id: a for a in campaign.agencies},
        **(_household_section(campaign) if campaign.design == "household" else {}),
    )


def _household_section(campaign: Campaign) -> dict:
    """A household campaign's frame and draw, on its page."""
    communes = [a.id for a in campaign.agencies]
    return {
        "household_plan": db.session.get(HouseholdPlan, campaign.id),
        "frame_villages": db.session.scalar(
            select(func.count()).select_from(Village).where(Village.agency_id.in_(communes))
        ),
        "drawn_villages": db.session.scalar(
            select(func.count())
            .select_from(DrawnVillage)
            .where(DrawnVillage.campaign_id == campaign.id)
        ),
        "village_upload": FrameImportForm(prefix="villages"),
        "household_draw": HouseholdDrawForm(prefix="households"),
    }


def _import_refused(campaign: Campaign, problems):
    """A file refused whole: nothing it wrote stays, and the page names every problem."""
    db.session.rollback()
    return render_template(
        "campaigns/import_errors.html", campaign=campaign, problems=problems
    ), 400


@blueprint.post("/<int:campaign_id>/households/frame")
@requires("admin", "evaluator")
def import_villages(campaign_id: int):
    """The villages of the communes with their households (all rows or none)."""
    campaign = _load(campaign_id)
    form = FrameImportForm(prefix="villages")
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload."), "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    try:
        outcome = village_frames.import_frame(form.file.data.read(), **actor())
    except CsvError as error:
        return _import_refused(campaign, error.problems)
    db.session.commit()
    flash(
        _("Villages: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.",
          created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged),
        "success",
    )  # fmt: skip
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/households/draw")
@requires("admin", "evaluator")
def draw_households(campaign_id: int):
    """Draw the villages of each commune and plan the households per village (once)."""
    campaign = _load(campaign_id)
    form = HouseholdDrawForm(prefix="households")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    try:
        drawn = household_sampling.draw_villages(
            campaign, villages=form.villages.data, households=form.households.data,
            method=form.method.data, **actor(),
        )  # fmt: skip
    except household_sampling.DrawError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    db.session.commit()
    flash(_("%(count)s villages drawn.", count=len(drawn)), "success")
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/links")
@requires("admin")
def export_links(campaign_id: int):
    """The links to send as a CSV file, made by a job (administrators: it holds phones)."""
    campaign = _load(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    base_url = current_app.config.get("SURVEY_PUBLIC_URL") or request.host_url
    return start(invitations_export_work(campaign, base_url))


@blueprint.post("/<int:campaign_id>/status")
@requires("admin")
def change_campaign_status(campaign_id: int):
    campaign = _load(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.change_status(campaign, request.form.get("status", ""), **actor())
    except services.CampaignError as error:
        db.session.rollback()
        flash(_("Refused: %(reason)s.", reason=str(error)), "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id)), 409
    db.session.commit()
    flash(
        _("The campaign is now %(status)s.", status=code_label("campaign_status", campaign.status)),
        "success",
    )
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/frame-counts")
@requires("admin", "evaluator")
def save_frame_counts(campaign_id: int):
    campaign = _load(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    agencies = {a.id: a for a in campaign.agencies}
    fields = {f.id: f for f in db.session.scalars(select(ServiceField))}
    counts, bad = {}, []
    for name, value in request.form.items():
        if not name.startswith("count-"):
            continue
        _prefix, agency_id, field_id, respondent_type = [*name.split("-"), "", "", ""][:4]
        agency = agencies.get(whole_number(agency_id))
        field = fields.get(whole_number(field_id))
        value = value.strip()
        if agency is None or field is None or respondent_type not in campaign.respondent_types:
            abort(400)
        if value == "":
            continue
        dossiers = whole_number(value)
        if dossiers is None:
            kind = code_label("respondent_type", respondent_type)
            bad.append(f"{agency.code} × {field.code} × {kind}: {value!r}")
            continue
        counts[(agency, field, respondent_type)] = dossiers
    if bad:
        flash(
            _("Not saved; these are not whole numbers ≥ 0: %(cells)s", cells="; ".join(bad)),
            "error",
        )
        return redirect(url_for(".show_campaign", campaign_id=campaign.id)), 303
    if counts:
        services.set_frame_counts(campaign, counts, **actor())
        db.session.commit()
    flash(_("Saved %(count)s frame counts.", count=len(counts)), "success")
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/frame-counts/import")
@requires("admin", "evaluator")
def import_frame_counts(campaign_id: int):
    campaign = _load(campaign_id)
    form = FrameImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload."), "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    try:
        count = services.import_frame_counts(campaign, form.file.data.read(), **actor())
    except (CsvError, services.CampaignError) as error:
        return _import_refused(
            campaign, error.problems if isinstance(error, CsvError) else [str(error)]
        )
    db.session.commit()
    flash(_("Imported %(count)s frame counts.", count=count), "success")
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))


@blueprint.post("/<int:campaign_id>/invitations/import")
@requires("admin", "evaluator")
def import_invitations(campaign_id: int):
    """Single-use links from the one-stop shop's export: all rows or none, every bad row
    named; dossiers that already have a link are skipped and counted."""
    campaign = _load(campaign_id)
    form = InvitationImportForm(prefix="links")
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload, and the days a link stays valid."), "error")
        return redirect(url_for(".show_campaign", campaign_id=campaign.id))
    try:
        result = invitations.import_invitations(
            campaign, form.file.data.read(), valid_days=form.valid_days.data, **actor()
        )
    except CsvError as error:
        return _import_refused(campaign, error.problems)
    db.session.commit()
    flash(
        _(
            "Created %(created)s links; skipped %(skipped)s dossiers that already had one.",
            created=result.created,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for(".show_campaign", campaign_id=campaign.id))
