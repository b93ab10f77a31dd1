"""Recommendations for staff: the agency's inbox (an agency viewer answers for their own
agency; administrators for any), the evaluators' read of it (overdue ones above all),
recommendations keyed from paper forms, and the replies handed to the SMS gateway.

Every post answers with a redirect (Post/Redirect/Get); every decision is audited in
services.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, select

from survey.agencies.models import Agency, ServiceField
from survey.campaigns.models import Campaign
from survey.csv_files import write_rows
from survey.downloads import attachment
from survey.extensions import db
from survey.i18n import current_language
from survey.local_time import today
from survey.pagination import paginate
from survey.permissions import requires
from survey.recommendations import services, themes, working_days
from survey.recommendations.forms import (
    InboxFilter,
    PaperRecommendationForm,
    ReplyForm,
    WithholdForm,
)
from survey.recommendations.models import Recommendation
from survey.recommendations.public import fill_choices, received
from survey.web import ConfirmForm, actor

blueprint = Blueprint("recommendations", __name__, url_prefix="/staff/recommendations")
READERS = ("evaluator", "agency-viewer")
STATES = ("new", "overdue", "answered")


def _own_agency_only() -> int | None:
    """An agency viewer reads and answers their agency's recommendations alone."""
    return current_user.agency_id if current_user.role == "agency-viewer" else None


def _may_answer(recommendation: Recommendation) -> bool:
    if current_user.role == "admin":
        return True
    return current_user.role == "agency-viewer" and current_user.agency_id == (
        recommendation.agency_id
    )


def _state_choices() -> list[tuple[str, str]]:
    return [
        ("", _("All")),
        ("new", _("Not answered")),
        ("overdue", _("Overdue")),
        ("answered", _("Answered")),
    ]


@blueprint.get("/")
@requires(*READERS)
def inbox():
    language = current_language()
    filters = InboxFilter(request.args)
    filters.state.choices = _state_choices()
    filters.theme.choices = [("", _("All")), *themes.choices(language), ("-", _("Not classified"))]
    fields = db.session.scalars(select(ServiceField).order_by(ServiceField.code)).all()
    filters.field.choices = [("", _("All"))] + [
        (f.code, f.name_vi if language == "vi" else f.name_en) for f in fields
    ]
    filters.validate()
    query = select(Recommendation)
    own = _own_agency_only()
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    if own is not None:
        query = query.where(Recommendation.agency_id == own)
    elif filters.agency.data:
        chosen = next((a for a in agencies if a.code.lower() == filters.agency.data.lower()), None)
        query = query.where(Recommendation.agency_id == (chosen.id if chosen else -1))
    day = today()
    # Past its due day and not answered: filtered on, listed first, counted in the banner.
    overdue_now = and_(Recommendation.replied_on.is_(None), Recommendation.due_on < day)
    state = filters.state.data if not filters.state.errors else ""
    if state == "new":
        query = query.where(Recommendation.replied_on.is_(None))
    elif state == "overdue":
        query = query.where(overdue_now)
    elif state == "answered":
        query = query.where(Recommendation.replied_on.is_not(None))
    theme = filters.theme.data if not filters.theme.errors else ""
    if theme == "-":
        query = query.where(Recommendation.theme.is_(None))
    elif theme:
        query = query.where(Recommendation.theme == theme)
    field = next((f for f in fields if f.code == filters.field.data), None)
    if field is not None:
        query = query.where(Recommendation.service_field_id == field.id)
    # Overdue first, then those due soonest: what must be answered now heads the list.
    page = paginate(
        query, overdue_now.desc(), Recommendation.replied_on.is_not(None),
        Recommendation.due_on, Recommendation.id,
    )  # fmt: skip
    overdue = db.session.scalar(
        select(func.count())
        .select_from(Recommendation)
        .where(overdue_now, *([Recommendation.agency_id == own] if own is not None else []))
    )
    by_id = {a.id: a for a in agencies}
    return render_template(
        "recommendations/inbox.html",
        filters=filters,
        page=page,
        today=day,
        overdue=overdue,
        agencies=by_id,
        agency_list=agencies if own is None else [],
        theme_names={t.code: t.name(language) for t in themes.themes()},
        args={k: v for k, v in request.args.items() if k != "page"},
        language=language,
    )


def _recommendation(recommendation_id: int) -> Recommendation:
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None:
        abort(404)
    own = _own_agency_only()
    if own is not None and recommendation.agency_id != own:
        abort(404)
    return recommendation


@blueprint.get("/<int:recommendation_id>")
@requires(*READERS)
def show(recommendation_id: int):
    recommendation = _recommendation(recommendation_id)
    language = current_language()
    reply_form = ReplyForm(
        data={"theme": recommendation.theme or recommendation.theme_chosen or "",
              "reply": recommendation.reply or ""}
    )  # fmt: skip
    reply_form.theme.choices = [("", "—"), *themes.choices(language)]
    day = today()
    return render_template(
        "recommendations/show.html",
        r=recommendation,
        reply_form=reply_form,
        withhold_form=WithholdForm(),
        may_answer=_may_answer(recommendation),
        today=day,
        working_days_taken=(
            working_days.between(recommendation.received_on, recommendation.replied_on)
            if recommendation.replied_on else None
        ),
        theme_chosen=themes.theme(recommendation.theme_chosen),
        language=language,
    )  # fmt: skip


def _answerable(recommendation_id: int) -> Recommendation:
    recommendation = _recommendation(recommendation_id)
    if not _may_answer(recommendation):
        abort(403)
    return recommendation


@blueprint.post("/<int:recommendation_id>/reply")
@requires("agency-viewer")
def reply(recommendation_id: int):
    recommendation = _answerable(recommendation_id)
    form = ReplyForm()
    form.theme.choices = [("", "—"), *themes.choices(current_language())]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)
    services.classify(recommendation, form.theme.data or None, **actor())
    services.answer(recommendation, form.reply.data, on=today(), **actor())
    db.session.commit()
    flash(_("The reply is saved."), "success")
    return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)


@blueprint.post("/<int:recommendation_id>/publish")
@requires("agency-viewer")
def publish(recommendation_id: int):
    recommendation = _answerable(recommendation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.publish(recommendation, **actor())
    except services.RecommendationError:
        flash(_("Reply first: the public page shows the recommendation with its reply."), "error")
        return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)
    db.session.commit()
    flash(_("Published on the agency's page of recommendations."), "success")
    return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)


@blueprint.post("/<int:recommendation_id>/withhold")
@requires("agency-viewer")
def withhold(recommendation_id: int):
    recommendation = _answerable(recommendation_id)
    form = WithholdForm()
    if not form.validate_on_submit():
        flash(_("Say why it is kept off the public page."), "error")
        return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)
    services.withhold(recommendation, form.reason.data, **actor())
    db.session.commit()
    flash(_("Kept off the public page; the reason is recorded."), "success")
    return redirect(url_for(".show", recommendation_id=recommendation.id), code=303)


@blueprint.route("/paper", methods=["GET", "POST"])
@requires("surveyor")
def key_paper():
    """A recommendation written on a paper questionnaire's last page, keyed apart from the
    form's answers (nothing ties the two), with the date written on the form."""
    language = current_language()
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.status == "open").order_by(Campaign.code)
    ).all()
    agencies = {a.id: (c, a) for c in campaigns for a in c.agencies}
    form = PaperRecommendationForm()
    fill_choices(form, None, language)
    form.agency.choices = [("", "—")] + [
        (str(a.id), f"{a.code} · {a.name_vi if language == 'vi' else a.name_en}")
        for _c, a in agencies.values()
    ]
    fields = db.session.scalars(select(ServiceField).order_by(ServiceField.code)).all()
    form.service_field.choices = [("", "—")] + [
        (str(f.id), f.name_vi if language == "vi" else f.name_en) for f in fields
    ]
    if form.validate_on_submit():
        campaign, agency = agencies.get(int(form.agency.data), (None, None))
        written = form.written_on.data
        if agency is None:
            form.agency.errors.append(_("Not a valid choice."))
        elif not campaign.period_start <= written <= min(campaign.period_end, today()):
            form.written_on.errors.append(
                _("The date must fall in the campaign's period and not after today.")
            )
        else:
            services.receive(campaign, agency, received(form), on=written, source="paper")
            flash(_("The recommendation is stored. Key the next one."), "success")
            return redirect(url_for(".key_paper"), code=303)
    return render_template("recommendations/paper.html", form=form), (422 if form.errors else 200)


@blueprint.post("/replies.csv")
@requires()
def replies_csv():
    """The replies waiting for the SMS/e-mail gateway, as a file, marked handed over:
    each reply goes out once (as the invitations' export)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = services.replies_to_send(mark_sent_on=today())
    db.session.commit()
    body = write_rows(["phone", "email", "agency", "message"], rows)
    return Response(
        body,
        mimetype="text/csv",
        headers=attachment(f"recommendation-replies-{today():%Y%m%d}.csv"),
    )
