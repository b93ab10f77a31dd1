"""The citizen's survey: in by a service point's QR code (/p/CODE) or a dossier's link
(/s/TOKEN), answer, thank you. Works without JavaScript; skip rules are decided here."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from functools import lru_cache

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

from survey.agencies.models import Agency
from survey.extensions import db, keyed, limiter
from survey.i18n import current_language, localized
from survey.inputs import whole_number
from survey.permissions import public
from survey.questionnaires.definition import Definition
from survey.questionnaires.fields import make_survey_form
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.types import FieldContext
from survey.recommendations import offer
from survey.responses import entries, plain_post, steps, submit
from survey.responses.entries import Entry, Gone

blueprint = Blueprint("respond", __name__)
FORM_MAX_AGE = 24 * 3600  # a form page may be answered within a day


@lru_cache(maxsize=64)
def _definition(version_key: tuple[int, str]) -> Definition:
    # Versions never change (the key includes the content hash), so a parsed definition
    # can be kept for the life of the process.
    return db.session.get(QuestionnaireVersion, version_key[0]).definition()


@lru_cache(maxsize=512)
def _field_context(version_key, language: str, services: tuple[tuple[int, str], ...]):
    return FieldContext(language, _definition(version_key).satisfaction_scale, services)


@lru_cache(maxsize=512)
def _form_class(version_key, language: str, services: tuple[tuple[int, str], ...]):
    return make_survey_form(_definition(version_key), language, services)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="survey-form")


def _point_limit_key() -> str:
    return keyed("point", request.view_args.get("code", "").lower())


def _client_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT_CLIENT"]


def _point_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT_POINT"]


@blueprint.route("/p/<code>", methods=["GET", "POST"])
@blueprint.route("/p/<code>/<respondent>", methods=["GET", "POST"])
@public
@limiter.limit(_client_limit, methods=["POST"])
@limiter.limit(_point_limit, key_func=_point_limit_key, methods=["POST"])
def answer_at_point(code: str, respondent: str | None = None):
    try:
        entry = entries.at_point(code, respondent)
    except Gone as gone:
        return _gone(gone)
    if request.method == "GET" and not request.args.get("again") and _answered_here(entry):
        # Back after the thank-you page, or the QR code scanned again: not a blank form
        # that a second post would store as a second answer.
        return render_template(
            "respond/answered.html", again=url_for(".answer_at_point", code=code, again=1)
        )
    if entry.respondent_type is None:
        # The campaign surveys citizens and organisations: first, on whose behalf the
        # respondent came (plain links, so it works without JavaScript).
        if request.method == "POST":
            abort(400)
        return _on_behalf(entry, code)
    return _survey(entry)


def _on_behalf(entry: Entry, code: str):
    language = current_language()
    again = {"again": 1} if request.args.get("again") else {}
    return render_template(
        "respond/on_behalf.html",
        entry=entry,
        choices=[
            (kind, url_for(".answer_at_point", code=code, respondent=kind, **again))
            for kind in entry.campaign.respondent_types
        ],
        language=language,
        agency_name=entry.agency.name_vi if language == "vi" else entry.agency.name_en,
        point_name=localized({"vi": entry.point.name_vi, "en": entry.point.name_en}, language),
    )


@blueprint.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_client_limit, methods=["POST"])
def answer_invitation(token: str):
    try:
        entry = entries.by_link(token)
    except Gone as gone:
        # A second post of an answered link (double click, back button, another tab)
        # is the same respondent: thank them rather than alarm them.
        if request.method == "POST" and gone.reason == "used":
            return redirect(url_for(".show_thanks"), code=303)
        return _gone(gone)
    if request.method == "GET" and not entry.invitation.opened:
        # Once per link: later views write nothing.
        submit.mark_opened(entry.invitation.id)
    return _survey(entry)


@blueprint.get("/thanks")
@public
def show_thanks():
    made = offer.offered()
    agency = db.session.get(Agency, made[1]) if made else None
    if agency is None:
        return render_template("respond/thanks.html")
    return render_template(
        "respond/thanks.html",
        recommend_url=url_for("recommend.leave"),
        recommend_agency=agency.name_vi if current_language() == "vi" else agency.name_en,
    )


def _gone(gone: Gone):
    return render_template("respond/gone.html", reason=gone.reason, starts_on=gone.starts_on), 410


def _survey(entry: Entry):
    language = current_language()
    version_key = entry.version_key
    definition = _definition(version_key)
    services = entries.services(entry, language)
    form_class = _form_class(version_key, language, services)
    if request.method == "GET":
        return _show_form(entry, definition, form_class, language, services)
    return _receive_form(entry, definition, form_class, language, services)


def _show_form(entry: Entry, definition: Definition, form_class, language: str, services):
    """A page of the form, read with GET: blank, or the answers kept so far (a step, or
    the whole form on one page), with their problems when the address asks for them."""
    one_page = request.args.get("all") == "1"
    asked = _asked_step(definition)
    if request.args.get("again"):
        steps.forget_form(request.path)  # another service: another form
    token = steps.kept_form(request.path)
    nonce = _nonce(token) if token else None
    draft = steps.load(nonce) if nonce else {}
    if not draft:
        if (asked is not None and asked.number > 1) or request.args.get("check"):
            # Nothing kept to show (the day is over, or another browser): the beginning.
            return redirect(_page_url(one_page=one_page), code=303)
        return _blank_form(entry, definition, language, services, one_page)
    check = request.args.get("check") == "1"
    service_item = definition.service_item
    if entry.invitation is not None and entry.invitation.service_id and service_item:
        # The link's dossier names its service: chosen on whichever step asks for it,
        # unless the respondent chose another.
        draft = {service_item.code: [str(entry.invitation.service_id)], **draft}
    form = form_class(formdata=steps.formdata(definition, draft), meta={"csrf": False})
    if one_page:
        if check:
            form.validate()
        return _render(
            entry, definition, form, language, token, hidden=form.hidden_codes(), show_errors=check
        )
    step = asked or steps.steps_of(definition)[0]
    if check:
        form.validate()
        _only_errors_of(form, step)
    elif not any(draft.get(code) for code in step.codes):
        # The next step, reached forward: nothing of it answered yet, so it is the same
        # page for every respondent whose earlier answers hide the same items.
        return _unanswered_step(entry, definition, form, language, token, step, services)
    return _render_step(entry, definition, form, language, token, step, errors=check)


def _unanswered_step(entry, definition, form, language, token, step, services):
    """A step with none of its items answered, rendered once per version, language,
    agency, step and items hidden by earlier answers, its two tokens then filled in (as
    the first step's page is)."""
    decided = steps.decided_earlier(step, steps.earlier_codes(steps.steps_of(definition), step))
    hidden = frozenset(form.hidden_codes() & decided)
    if _personal_page():
        return _render_step(entry, definition, form, language, token, step)
    body = _step_html(entry.version_key, language, services, step.number, hidden, decided)

    def render():
        return _render(
            entry, definition, form, language, TOKEN_SLOT, body=body, step=step, hidden=hidden,
            decided=decided,
        )  # fmt: skip

    key = ("step", entry.version_key, language, services, step.number, hidden, decided)
    page = _blank_page(key + _named_at(entry), render)
    return page.replace(CSRF_SLOT, generate_csrf()).replace(TOKEN_SLOT, token)


def _blank_form(entry: Entry, definition: Definition, language: str, services, one_page: bool):
    version_key = entry.version_key
    preselected = entry.invitation.service_id if entry.invitation is not None else None

    def blank_page(token):
        if one_page:
            body = _blank_form_html(version_key, language, services, preselected)
            return _render(entry, definition, None, language, token, body=body)
        # In steps (a section each) unless the respondent asked for one page.
        body = _step_html(version_key, language, services, 1, preselected=preselected)
        first = steps.steps_of(definition)[0]
        return _render(entry, definition, None, language, token, body=body, step=first)

    if _personal_page():
        return blank_page(_new_form_token())
    key = (version_key, language, services, preselected, one_page)
    page = _blank_page(key + _named_at(entry), lambda: blank_page(TOKEN_SLOT))
    return page.replace(CSRF_SLOT, generate_csrf()).replace(TOKEN_SLOT, _new_form_token())


def _asked_step(definition: Definition) -> steps.Step | None:
    """The step an address names (`?step=3`); None without one; 404 for one that is not."""
    text = request.args.get("step")
    if text is None or request.args.get("all") == "1":
        return None
    all_steps = steps.steps_of(definition)
    # Short ASCII digits only: int() of 5,000 digits raises, and "٣" is a digit too.
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        abort(400)
    if not 1 <= int(text) <= len(all_steps):
        abort(404)
    return all_steps[int(text) - 1]


def _page_url(step: steps.Step | None = None, *, one_page=False, check=False) -> str:
    """The address of a page of this form: a step, or the whole form on one page."""
    args: dict = {"all": 1} if one_page else {}
    if step is not None and step.number > 1:
        args["step"] = step.number
    if check:
        args["check"] = 1
    return url_for(request.endpoint, **request.view_args, **args)


def _nonce(token: str) -> str | None:
    """The one-time key inside a form page's signed token, if it is ours and fresh."""
    try:
        nonce = _serializer().loads(token, max_age=FORM_MAX_AGE)
    except BadSignature:  # SignatureExpired included
        return None
    return nonce if isinstance(nonce, str) and len(nonce) >= 16 else None


def _receive_form(entry: Entry, definition: Definition, form_class, language: str, services):
    """A post of the form: kept, checked, stored, and always answered with a redirect to
    a page read with GET (the next step, the same page with its problems, the thanks)."""
    if request.form.get("website"):
        # The honeypot: people never see this field, form-filling robots fill it in.
        current_app.logger.info("honeypot filled (%s); nothing stored", request.endpoint)
        return redirect(url_for(".show_thanks"), code=303)
    token = request.form.get("form_token", "")
    step = _posted_step(definition)
    try:
        nonce, issued = _serializer().loads(token, max_age=FORM_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        form = form_class()
        return _render(entry, definition, form, language, _new_form_token(), expired=True), 400
    except BadSignature:
        abort(400)
    if not isinstance(nonce, str) or len(nonce) < 16:
        abort(400)
    if submit.already_sent(nonce):
        # Send pressed twice, or a page of a sent form posted again: the form is in.
        return redirect(url_for(".show_thanks"), code=303)
    steps.keep_form(request.path, token)
    if step is not None:
        answers = _answer_step(definition, form_class, nonce, step)
        if not isinstance(answers, dict):
            return answers  # the redirect to the page to show next
    else:
        answers = _answer_one_page(entry, definition, form_class, language, services, nonce)
        if not isinstance(answers, dict):
            return answers
    try:
        submit.record(
            entry,
            definition,
            answers,
            nonce=nonce,
            started_at=issued.astimezone(UTC).replace(tzinfo=None)
            if isinstance(issued, datetime)
            else None,
            client=submit.client_hash(
                entry.campaign, request.remote_addr or "", request.headers.get("User-Agent", "")
            ),
        )
    except Gone as gone:  # closed (or the point retired) since the page was read
        return _gone(gone)
    steps.discard(nonce)
    steps.forget_form(request.path)
    _remember_answer(entry)
    return redirect(url_for(".show_thanks"), code=303)


def _answer_one_page(entry, definition, form_class, language, services, nonce):
    """The one-page form's answers, or the redirect that shows it again (another language,
    or its problems) with what was typed kept."""
    every_item = [q.code for q in definition.items]
    if request.form.get("switch_language"):
        # The same answers, shown in the language chosen (?lang= of the post, remembered);
        # nothing is checked or stored until the form is sent.
        steps.save(nonce, steps.step_values(request.form, every_item))
        return redirect(_page_url(one_page=True), code=303)
    # A plainly complete post is read directly; anything else by the form, which says
    # what is wrong. (CSRF was checked before the view, for every post.)
    context = _field_context(entry.version_key, language, services)
    answers = plain_post.plain_answers(definition, context, request.form)
    if answers is not None:
        return answers
    form = form_class()
    if form.validate():
        return form.answers()
    steps.save(nonce, steps.step_values(request.form, every_item))
    return redirect(_page_url(one_page=True, check=True), code=303)


def _posted_step(definition: Definition) -> steps.Step | None:
    """The step a post comes from; None for the one-page form (no step field)."""
    text = request.form.get("step")
    if text is None:
        return None
    all_steps = steps.steps_of(definition)
    number = whole_number(text, maximum=len(all_steps))
    if not number:
        abort(400)
    return all_steps[number - 1]


def _answer_step(definition, form_class, nonce, step):
    """Keep one step's answers and say where to go: the redirect to the page to show
    next, or, when the last step is done and the whole form valid, its answers to send."""
    all_steps = steps.steps_of(definition)
    # What was typed is kept, checked or not, so that every page is shown from the draft.
    draft = steps.save(nonce, steps.step_values(request.form, step.codes))
    if request.form.get("switch_language"):
        return redirect(_page_url(step), code=303)
    if request.form.get("nav") == "back":
        return redirect(_page_url(all_steps[max(step.number - 2, 0)]), code=303)
    form = form_class(formdata=steps.formdata(definition, draft), meta={"csrf": False})
    last = step.number == len(all_steps)
    # Before the last step only this step's items are checked (what decides the redirect);
    # the last checks the whole form, which is what is sent.
    valid = form.validate(only=None if last else frozenset(step.codes))
    if any(form[code].errors for code in step.codes):
        return redirect(_page_url(step, check=True), code=303)
    if not last:
        return redirect(_page_url(all_steps[step.number]), code=303)
    if not valid:
        # An earlier step no longer reads (a skip rule changed by a later answer): back
        # to the first step with a problem.
        first = next(s for s in all_steps if any(form[c].errors for c in s.codes))
        return redirect(_page_url(first, check=True), code=303)
    return form.answers()


def _only_errors_of(form, step: steps.Step) -> None:
    for name, field in form._fields.items():
        if name not in step.codes:
            field.errors = []


def _render_step(entry, definition, form, language, token, step, errors=False):
    all_steps = steps.steps_of(definition)
    decided = steps.decided_earlier(step, steps.earlier_codes(all_steps, step))
    hidden = form.hidden_codes()
    if not errors:
        # Rules within this step wait for its answers (the browser applies them live);
        # those settled by earlier steps hide their items now.
        hidden &= decided
    return _render(
        entry,
        definition,
        form,
        language,
        token,
        step=step,
        hidden=hidden,
        decided=decided,
        show_errors=errors,
    )


# How long this browser is told it already answered at a point (kept in its own signed
# session cookie, never on the server): a day covers Back and a second scan at the
# counter; a later visit is a new service, and a new answer.
ANSWERED_FOR = 24 * 3600


def _answered_key(entry: Entry) -> str:
    return f"{entry.campaign.id}.{entry.point.id}"


def _remember_answer(entry: Entry) -> None:
    # The thank-you page offers a recommendation to the agency just answered about.
    offer.offer(entry.campaign.id, entry.agency.id)
    if entry.point is None:
        return  # a link is single-use: its page already says it was answered
    now = int(time.time())
    kept = {
        key: when
        for key, when in (session.get("answered") or {}).items()
        if now - when < ANSWERED_FOR
    }
    kept[_answered_key(entry)] = now
    session["answered"] = dict(sorted(kept.items(), key=lambda kv: kv[1])[-20:])


def _answered_here(entry: Entry) -> bool:
    when = (session.get("answered") or {}).get(_answered_key(entry))
    return isinstance(when, int) and time.time() - when < ANSWERED_FOR


def _new_form_token() -> str:
    return _serializer().dumps(secrets.token_urlsafe(16))


@lru_cache(maxsize=256)
def _blank_form_html(version_key, language: str, services, preselected: int | None) -> Markup:
    """The questions of an unanswered form, rendered once per version, language and
    agency: rendering a few hundred inputs is most of the cost of showing the survey."""
    definition = _definition(version_key)
    form = _form_class(version_key, language, services)(formdata=None, meta={"csrf": False})
    if preselected is not None and definition.service_item is not None:
        form[definition.service_item.code].data = preselected
    sections = get_template_attribute("survey/_items.html", "sections")
    # The macro's output is autoescaped HTML already; Markup only keeps it from being
    # escaped twice when placed in the page.
    return Markup(sections(form, definition, language))  # noqa: S704


@lru_cache(maxsize=1024)
def _step_html(
    version_key,
    language: str,
    services,
    number: int,
    hidden: frozenset = frozenset(),
    decided: frozenset = frozenset(),
    preselected: int | None = None,
) -> Markup:
    """A step's questions, none answered yet, rendered once per version, language,
    agency, step and items earlier answers hide: the first step (the first thing every
    respondent loads, a link's service chosen) and each later one reached forward."""
    definition = _definition(version_key)
    form = _form_class(version_key, language, services)(formdata=None, meta={"csrf": False})
    if preselected is not None and definition.service_item is not None:
        form[definition.service_item.code].data = preselected
    step = steps.steps_of(definition)[number - 1]
    one_section = get_template_attribute("survey/_items.html", "one_section")
    return Markup(one_section(form, definition, language, step.section, hidden, decided))  # noqa: S704


def _personal_page() -> bool:
    """A page that may not be shared between respondents: a signed-in staff member's
    (a preview), or one carrying a flashed message."""
    return current_user.is_authenticated or bool(session.get("_flashes"))


def _named_at(entry: Entry) -> tuple:
    """What an unanswered page shows of where it is: its address, agency and point."""
    named = (request.path, entry.agency.name_vi, entry.agency.name_en)
    return named + ((entry.point.name_vi, entry.point.name_en) if entry.point else ())


# An unanswered form's page is the same for every respondent at a point but for its two
# tokens: it is rendered once with these in their place, and each GET fills them in.
TOKEN_SLOT = "@@form-token-slot-5c1e@@"  # noqa: S105 - a placeholder, not a secret
CSRF_SLOT = "@@csrf-token-slot-5c1e@@"
_blank_pages: dict[tuple, str] = {}


def _blank_page(key: tuple, render) -> str:
    """`key`: everything the page shows (version, language, services, agency and point
    names, address); `render` makes it with the token slots."""
    page = _blank_pages.get(key)
    if page is None:
        if len(_blank_pages) >= 512:
            _blank_pages.clear()
        page = _blank_pages[key] = render()
    return page


def _render(
    entry,
    definition,
    form,
    language,
    token,
    expired=False,
    body=None,
    step=None,
    hidden=None,
    decided=frozenset(),
    show_errors=False,
):
    if hidden is None:
        # A posted one-page form (an expired page) leaves out what its answers skip.
        hidden = form.hidden_codes() if form is not None and form.is_submitted() else set()
    all_url = None
    if step is not None and step.number == 1:
        all_url = url_for(request.endpoint, **request.view_args, all=1)
    slots = {"csrf_token": lambda: CSRF_SLOT} if token == TOKEN_SLOT else {}
    return render_template(
        "respond/survey.html",
        **slots,
        entry=entry,
        definition=definition,
        form=form,
        body=body,
        language=language,
        form_token=token,
        expired=expired,
        step=step,
        step_count=len(steps.steps_of(definition)),
        hidden=hidden,
        decided=decided,
        show_errors=show_errors,
        all_url=all_url,
        agency_name=entry.agency.name_vi if language == "vi" else entry.agency.name_en,
        point_name=(
            localized({"vi": entry.point.name_vi, "en": entry.point.name_en}, language)
            if entry.point
            else None
        ),
    )
