"""Writes behind the administration pages and CSV imports: each flushes and audits; the
caller commits once."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from survey.admin.resources import Resource
from survey.audit import services as audit
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.extensions import db


def validated_data(resource: Resource, form) -> dict | None:
    """Run the form's validators and the resource's own check; the data, or None."""
    resource.prepare(form)
    valid = form.validate()
    try:
        resource.check(form)
    except ValidationError:
        valid = False
    return {name: form[name].data for name in resource.fields} if valid else None


def save(resource: Resource, record, data: dict, *, actor: str, user_id: int | None):
    """Create (record None) or update a record from validated data."""
    before = resource.row(record) if record is not None else None
    if record is None:
        record = resource.new()
        db.session.add(record)
    # Lookups inside `apply` must not flush a half-filled record.
    with db.session.no_autoflush:
        resource.apply(record, data)
    db.session.flush()
    audit.record(
        f"{resource.singular.replace(' ', '_')}.{'create' if before is None else 'update'}",
        record.__tablename__,
        record.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=resource.row(record),
    )
    return record


def set_active(resource: Resource, record, active: bool, *, actor: str, user_id: int | None):
    before = resource.row(record)
    record.active = active
    db.session.flush()
    audit.record(
        f"{resource.singular.replace(' ', '_')}.{'activate' if active else 'deactivate'}",
        record.__tablename__,
        record.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=resource.row(record),
    )


def import_csv(resource: Resource, data: bytes, *, actor: str, user_id: int | None) -> dict:
    """Create or update one record per row, or change nothing and raise CsvError listing
    every bad row. Returns counts of created and updated records."""
    problems: list[CsvProblem] = []
    seen: dict[tuple, int] = {}
    accepted = []
    for number, row in read_rows(data, required=resource.fields):
        if "active" in row and row["active"] == "":
            row["active"] = "true"
        existing = resource.find(row)
        form = resource.form(formdata=MultiDict(row), obj=existing, meta={"csrf": False})
        form._obj = existing
        # Checks across records wait for the whole file (Resource.verify_import): a row
        # may be valid only beside a later one.
        form._importing = True
        values = validated_data(resource, form)
        if values is None:
            problems += [
                CsvProblem(number, name, str(message))
                for name, messages in form.errors.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            continue
        # Codes are one whatever their case (survey/db.py, unique_in_any_case).
        key = tuple(row.get(k, "").lower() for k in resource.key)
        if key in seen:
            problems.append(
                CsvProblem(number, resource.key[-1], _("same as row %(row)s", row=seen[key]))
            )
            continue
        seen[key] = number
        accepted.append((existing, values))
    if problems:
        raise CsvError(problems)
    if not accepted:
        raise CsvError([CsvProblem(None, None, _("the file has no rows"))])
    counts = {"created": 0, "updated": 0}
    for existing, values in accepted:
        save(resource, existing, values, actor=actor, user_id=user_id)
        counts["updated" if existing is not None else "created"] += 1
    db.session.flush()
    refusal = resource.verify_import()
    if refusal:
        raise CsvError([CsvProblem(None, None, refusal)])
    return counts
