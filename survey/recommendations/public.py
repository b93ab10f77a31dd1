"""What citizens see: the form to leave a recommendation after answering the survey, and
each agency's public page of recommendations and replies. Works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from survey.agencies.models import Agency, ServiceField
from survey.campaigns.models import Campaign
from survey.extensions import db, limiter
from survey.i18n import current_language
from survey.local_time import today
from survey.pagination import paginate
from survey.permissions import public
from survey.recommendations import offer, services, themes, working_days
from survey.recommendations.forms import RecommendationForm, phone_number
from survey.recommendations.models import Recommendation

blueprint = Blueprint("recommend", __name__)


def _client_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT_CLIENT"]


def agency_fields(agency: Agency, language: str) -> list[tuple[str, str]]:
    """The fields of the agency's services, for the optional field choice."""
    fields = {s.field for s in agency.services if s.active}
    return [
        (str(f.id), f.name_vi if language == "vi" else f.name_en)
        for f in sorted(fields, key=lambda f: f.code)
    ]


def fill_choices(form: RecommendationForm, agency: Agency | None, language: str) -> None:
    blank = [("", "—")]
    form.service_field.choices = blank + (agency_fields(agency, language) if agency else [])
    form.theme.choices = blank + themes.choices(language)


def received(form: RecommendationForm) -> services.Received:
    wants = form.wants_reply.data
    return services.Received(
        text=form.text.data,
        service_field_id=int(form.service_field.data) if form.service_field.data else None,
        theme_chosen=form.theme.data or None,
        phone=phone_number(form.phone.data) if wants else None,
        email=((form.email.data or "").strip() or None) if wants else None,
    )


@blueprint.route("/recommend", methods=["GET", "POST"])
@public
@limiter.limit(_client_limit, methods=["POST"])
def leave():
    """The recommendation form, for the agency the person has just answered about. Errors
    are shown on the posted page (the text is too long for the cookie a redirect would
    carry it in); storing it answers with a redirect, so Back and reload store nothing
    twice."""
    made = offer.offered()
    if made is None:
        return render_template("recommendations/no_offer.html"), 410
    campaign = db.session.get(Campaign, made[0])
    agency = db.session.get(Agency, made[1])
    if campaign is None or agency is None:
        offer.withdraw()
        return render_template("recommendations/no_offer.html"), 410
    language = current_language()
    form = RecommendationForm()
    fill_choices(form, agency, language)
    if request.method == "POST":
        if request.form.get("website"):
            # The honeypot: people never see this field, form-filling robots fill it in.
            current_app.logger.info("honeypot filled (recommendation); nothing stored")
            offer.withdraw()
            return redirect(url_for(".sent"), code=303)
        if form.validate_on_submit():
            try:
                services.receive(campaign, agency, received(form), on=today())
            except services.RecommendationError:
                abort(400)  # the form's own checks let nothing through that this refuses
            offer.withdraw()
            return redirect(url_for(".sent"), code=303)
    agency_name = agency.name_vi if language == "vi" else agency.name_en
    return render_template(
        "recommendations/leave.html",
        form=form,
        agency_name=agency_name,
        reply_days=campaign.reply_working_days,
    ), (422 if form.errors else 200)


@blueprint.get("/recommend/sent")
@public
def sent():
    return render_template("recommendations/sent.html")


@blueprint.get("/recommendations/<agency_code>")
@public
def agency_page(agency_code: str):
    """The agency's published recommendations and replies: masked text, day, theme,
    reply, working days taken. No contact, no source, nothing personal."""
    agency = db.session.scalar(
        select(Agency).where(func.lower(Agency.code) == agency_code[:32].lower())
    )
    if agency is None:
        abort(404)
    language = current_language()
    query = select(Recommendation).where(
        Recommendation.agency_id == agency.id, Recommendation.publication == "published"
    )
    page = paginate(query, Recommendation.replied_on.desc(), Recommendation.id, size=20)
    fields = {f.id: f for f in db.session.scalars(select(ServiceField))}
    shown = [
        {
            "received_on": r.received_on,
            "replied_on": r.replied_on,
            "days": working_days.between(r.received_on, r.replied_on),
            "on_time": r.on_time(),
            "theme": themes.theme(r.theme or r.theme_chosen),
            "field": fields.get(r.service_field_id),
            "text": r.text,
            "reply": r.reply,
        }
        for r in page.items
    ]
    return render_template(
        "recommendations/agency.html",
        agency=agency,
        agency_name=agency.name_vi if language == "vi" else agency.name_en,
        shown=shown,
        page=page,
        language=language,
    )
