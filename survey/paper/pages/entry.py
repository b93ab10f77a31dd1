"""Keying a paper form, field by field, as a surveyor reads it."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from survey.db import utcnow
from survey.extensions import db
from survey.paper import entry, errors, issuing
from survey.paper.models import PaperForm
from survey.paper.pages import KEYERS, blueprint, load_batch
from survey.permissions import requires
from survey.questionnaires.wording import numbering, skip_instruction
from survey.web import ConfirmForm


@blueprint.route("/batches/<int:batch_id>/entry", methods=["GET", "POST"])
@requires(*KEYERS)
def enter_form(batch_id: int):
    """Key one paper form: serial, the date written on it, then every item's paper code."""
    batch = load_batch(batch_id)
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
    batch = load_batch(batch_id)
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
