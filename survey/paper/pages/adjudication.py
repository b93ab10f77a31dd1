"""A supervisor settles the forms whose two entries differ, with the paper in hand."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey.extensions import db
from survey.paper import entry, errors
from survey.paper.models import Batch, PaperForm
from survey.paper.pages import blueprint
from survey.permissions import requires
from survey.questionnaires.wording import numbering
from survey.web import ConfirmForm


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
        shown_value=partial(
            _shown_value, entry.code_meanings(form.batch, definition, str(get_locale() or "vi"))
        ),
        confirm=ConfirmForm(),
    ), (400 if problems else 200)


def _shown_value(meanings: dict[str, dict[str, str]], item: str, value: str | None) -> str:
    """A keyed value as the supervisor reads it on the paper: dates day first, each code
    with the words printed beside it ("3 · Bình thường")."""
    if not value:
        return "—"
    if item == entry.DATE:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    labels = meanings.get(item, {})
    return "; ".join(
        f"{code} · {labels[code]}" if labels.get(code) else code for code in value.split()
    )
