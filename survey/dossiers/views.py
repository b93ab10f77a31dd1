"""Staff actions on dossier records: a campaign's frame counts from them, its sampling
plan and its draws of invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from survey.campaigns.forms import DrawForm, SamplingPlanForm
from survey.campaigns.models import Campaign
from survey.dossiers import frames, sampling
from survey.extensions import db
from survey.permissions import requires
from survey.web import ConfirmForm, actor

blueprint = Blueprint("dossiers", __name__, url_prefix="/admin/dossiers")


@blueprint.post("/frame-counts/<int:campaign_id>")
@requires("admin", "evaluator")
def frame_counts_from_records(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cells = frames.set_from_records(campaign, **actor())
    if cells:
        db.session.commit()
        flash(
            _(
                "Frame counts of %(count)s agency × field cells set from the dossier records.",
                count=cells,
            ),
            "success",
        )
    else:
        flash(
            _("No dossier record of this campaign's agencies was returned in its period."), "error"
        )
    return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id) + "#frame-counts")


def _sampling_section(campaign: Campaign) -> str:
    return url_for("campaigns.show_campaign", campaign_id=campaign.id) + "#sampling"


def _refused(form) -> bool:
    """Whether the form is refused, each of its errors flashed (the campaign page shows
    the forms again from scratch, so the messages go with the redirect)."""
    if form.validate_on_submit():
        return False
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return True


@blueprint.post("/sampling-plan/<int:campaign_id>")
@requires("admin", "evaluator")
def set_sampling_plan(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = SamplingPlanForm(prefix="plan")
    if _refused(form):
        return redirect(_sampling_section(campaign))
    try:
        planned = sampling.plan(
            campaign,
            margin=form.margin.data / 100 if form.method.data == "margin" else None,
            response_rate=form.response_rate.data / 100,
            **actor(),
        )
    except sampling.SamplingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_sampling_section(campaign))
    db.session.commit()
    flash(
        _(
            "Sampling plan set for %(count)s agencies: %(answers)s answers planned.",
            count=len(planned),
            answers=sum(p.planned for p in planned),
        ),
        "success",
    )
    return redirect(_sampling_section(campaign))


@blueprint.post("/draw/<int:campaign_id>")
@requires("admin", "evaluator")
def draw_invitations(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = DrawForm(prefix="draw")
    if _refused(form):
        return redirect(_sampling_section(campaign))
    try:
        drawn = sampling.draw(campaign, form.through.data, **actor())
    except sampling.SamplingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_sampling_section(campaign))
    db.session.commit()
    flash(
        _(
            "%(selected)s invitations drawn from %(seen)s dossiers with a phone returned "
            "%(first)s – %(last)s.",
            selected=drawn.selected,
            seen=drawn.seen,
            first=drawn.first.strftime("%d/%m/%Y"),
            last=drawn.last.strftime("%d/%m/%Y"),
        ),
        "success",
    )
    return redirect(_sampling_section(campaign))
