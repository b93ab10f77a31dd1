"""One blueprint per administered resource, built from its description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey.admin import services
from survey.admin.resources import RESOURCES, Resource
from survey.csv_files import CsvError, write_rows
from survey.downloads import attachment
from survey.extensions import db
from survey.inputs import record_id
from survey.pagination import paginate
from survey.permissions import requires
from survey.web import ConfirmForm, ImportForm, actor

PAGE_SIZE = 25
SavedNote = Callable[[Any], str | None]


def import_page(resource: Resource, back: str):
    """The CSV import page of a resource: all rows or none, with the bad rows named."""
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            counts = services.import_csv(resource, form.file.data.read(), **actor())
        except CsvError as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(
                _(
                    "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                    **counts,
                ),
                "success",
            )
            return redirect(back)
    return render_template(
        "admin/import.html", resource=resource, form=form, problems=problems, cancel=back
    )


def make_blueprint(resource: Resource, saved_note: SavedNote | None = None) -> Blueprint:
    """The list, form, import and export pages of `resource`; `saved_note(record)` says
    what the administrator should know about a record just saved, if anything."""
    blueprint = Blueprint(resource.blueprint, __name__, url_prefix=f"/admin/{resource.name}")
    plural = resource.name.replace("-", "_")
    singular = resource.singular.replace(" ", "_")

    def load(record_id: int):
        record = db.session.get(resource.model, record_id)
        if record is None:
            abort(404)
        return record

    @requires("admin")
    def list_records():
        query = select(resource.model)
        text = request.args.get("q", "").strip()
        if text:
            query = query.where(resource.search_clause(text))
        show = request.args.get("show", "active")
        if show == "active":
            query = query.where(resource.model.active.is_(True))
        page = paginate(query, *resource.ordering, size=PAGE_SIZE)
        return render_template(
            "admin/list.html",
            saved=request.args.get("saved", type=record_id),
            resource=resource,
            records=page.items,
            text=text,
            show=show,
            page=page.number,
            pages=page.pages,
            total=page.total,
            confirm=ConfirmForm(),
        )

    def form_page(record):
        """Create (record None) or edit: the same validation, save and redirect."""
        initial = None
        if record is not None and request.method == "GET":
            initial = {**resource.row(record), "active": record.active}
        form = resource.form(data=initial)
        form._obj = record
        if request.method == "POST":
            data = services.validated_data(resource, form)
            if data is not None:
                record = services.save(resource, record, data, **actor())
                db.session.commit()
                flash(_("Saved %(code)s.", code=resource.row(record)[resource.key[-1]]), "success")
                note = saved_note(record) if saved_note is not None else None
                if note:
                    flash(note, "warning")
                # Back to the list, narrowed to the record just saved and marked in it, so
                # it is found at once whatever page it would sort onto.
                found = {"q": record.code} if "code" in resource.fields else {}
                return redirect(url_for(f".list_{plural}", show="all", saved=record.id, **found))
        else:
            resource.prepare(form)
        return render_template("admin/form.html", resource=resource, form=form, record=record)

    @requires("admin")
    def create_record():
        return form_page(None)

    @requires("admin")
    def edit_record(record_id: int):
        return form_page(load(record_id))

    @requires("admin")
    def set_active(record_id: int):
        record = load(record_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        active = request.form.get("active") == "1"
        services.set_active(resource, record, active, **actor())
        db.session.commit()
        flash(_("Activated.") if active else _("Deactivated."), "success")
        return redirect(request.referrer or url_for(f".list_{plural}"))

    @requires("admin")
    def import_records():
        return import_page(resource, url_for(f".list_{plural}"))

    @requires("admin")
    def export_records():
        records = db.session.scalars(select(resource.model).order_by(*resource.ordering)).all()
        body = write_rows(resource.fields, [resource.row(r) for r in records])
        return Response(
            body,
            mimetype="text/csv",
            headers=attachment(f"{resource.name}.csv"),
        )

    blueprint.add_url_rule("/", f"list_{plural}", list_records)
    blueprint.add_url_rule("/new", f"create_{singular}", create_record, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/<int:record_id>/edit", f"edit_{singular}", edit_record, methods=["GET", "POST"]
    )
    blueprint.add_url_rule(
        "/<int:record_id>/active", f"set_{singular}_active", set_active, methods=["POST"]
    )
    blueprint.add_url_rule("/import", f"import_{plural}", import_records, methods=["GET", "POST"])
    blueprint.add_url_rule("/export.csv", f"export_{plural}", export_records)
    return blueprint


def blueprints(saved_notes: dict[str, SavedNote] | None = None) -> list[Blueprint]:
    notes = saved_notes or {}
    return [make_blueprint(resource, notes.get(resource.name)) for resource in RESOURCES]
