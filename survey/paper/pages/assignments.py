"""Which surveyor issues forms for which agency (set by administrators)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.choices import choices
from survey.extensions import db
from survey.form_messages import Form
from survey.i18n import named
from survey.paper import assignments
from survey.paper.models import SurveyorAssignment
from survey.paper.pages import blueprint, campaign_filter, latest_campaign
from survey.permissions import requires
from survey.users.models import User
from survey.web import ConfirmForm, actor


class AssignmentForm(Form):
    surveyor_id = SelectField(_l("Surveyor"), coerce=int, choices=[])
    agency_id = SelectField(_l("Agency"), coerce=int, choices=[])


@blueprint.route("/assignments", methods=["GET", "POST"])
@requires("admin")
def manage_assignments():
    """Who may issue batches for which agencies of a campaign (evaluators always may)."""
    campaign = campaign_filter() or latest_campaign()
    form = AssignmentForm()
    if campaign is not None:
        surveyors = db.session.scalars(
            select(User).where(User.active, User.role == "surveyor").order_by(User.username)
        )
        form.surveyor_id.choices = choices((u.id, u.username) for u in surveyors)
        form.agency_id.choices = choices(
            (a.id, named(a, a.code)) for a in sorted(campaign.agencies, key=lambda a: a.name_vi)
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
