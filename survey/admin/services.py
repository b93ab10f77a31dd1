"""Writes behind the administration pages and CSV imports: each flushes and audits; the
caller commits once."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from survey.admin.resources import Resource, cell_text, lookups_cached
from survey.audit import services as audit
from survey.csv_files import MAX_PROBLEMS, CsvError, CsvProblem, read_rows
from survey.db import insert_rows
from survey.extensions import db


def validated_data(resource: Resource, form, *, prepared: bool = False) -> dict | None:
    """Run the form's validators and the resource's own check; the data, or None.
    `prepared`: the caller set the form's choices already (an import, once per file)."""
    if not prepared:
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
        **_event(resource, record.id, before, resource.row(record)), actor=actor, user_id=user_id
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


# Records one import creates or updates at most: a province's whole catalogue of services
# fits many times over; a bigger file is a mistake or an attack.
MAX_IMPORT_ROWS = 200_000


def import_csv(resource: Resource, data: bytes, *, actor: str, user_id: int | None) -> dict:
    """Create or update one record per row, or change nothing and raise CsvError listing
    the bad rows (the first MAX_PROBLEMS). Returns counts of created and updated records.

    Built for 100,000 rows: the records are read once and found by their key, the pickers'
    choices and the uniqueness checks are computed once, and everything is written in one
    flush at the end (bench/admin_import_bench.py)."""
    problems: list[CsvProblem] = []
    seen: dict[tuple, int] = {}
    accepted = []
    existing_by_key = _records_by_key(resource)
    form = None
    with lookups_cached():
        for number, row in read_rows(data, required=resource.fields, max_rows=MAX_IMPORT_ROWS):
            if "active" in row and row["active"] == "":
                row["active"] = "true"
            existing = existing_by_key.get(tuple(row.get(k, "") for k in resource.key))
            if form is None:
                # One form for the whole file, filled again for each row: building one
                # (binding its fields) costs more than checking a row.
                form = resource.form(formdata=_Row(row), obj=existing, meta={"csrf": False})
                # Checks across records wait for the whole file (Resource.verify_import):
                # a row may be valid only beside a later one.
                form._importing = True
                form._unique_cache = {}
                form._obj = existing
                resource.prepare(form)
            else:
                form._obj = existing
                # Every column is in the row, so the row's text is every field's value:
                # the record (`obj`) would only be read to be overridden.
                form.process(formdata=_Row(row))
                for field in form:
                    field.errors = []
            values = validated_data(resource, form, prepared=True)
            if values is None:
                problems += [
                    CsvProblem(number, name, str(message))
                    for name, messages in form.errors.items()
                    for message in (messages if isinstance(messages, list) else [messages])
                ]
                if len(problems) > MAX_PROBLEMS:
                    break  # enough to act on; the file is refused anyway
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
        counts = save_all(resource, accepted, actor=actor, user_id=user_id)
    refusal = resource.verify_import()
    if refusal:
        raise CsvError([CsvProblem(None, None, refusal)])
    return counts


class _Row(dict):
    """A CSV row as form data: one value per column (a MultiDict costs more to build)."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def _records_by_key(resource: Resource) -> dict[tuple, object]:
    """Every record of the resource by its key as its CSV row writes it."""
    getters = {name: get for name, _, get in resource.columns}
    keyed = [getters[k] for k in resource.key]
    records = db.session.scalars(select(resource.model)).all()
    return {tuple(cell_text(get(r)) for get in keyed): r for r in records}


def save_all(resource: Resource, accepted: list, *, actor: str, user_id: int | None) -> dict:
    """Create or update the records of an import, each audited as `save` audits one (in
    one statement); a row that changes nothing writes and audits nothing.

    New records of a `columns_only` resource go in by one INSERT of many rows; the others,
    and every update, through the session in one flush."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changes, inserted = [], []
    with db.session.no_autoflush:
        for existing, values in accepted:
            before = resource.row(existing) if existing is not None else None
            if before is not None and _as_row(values) == before:
                # Not even applied: setting a record's attributes, to the same values,
                # still makes the flush look at it.
                counts["unchanged"] += 1
                continue
            record = existing
            if record is None and resource.columns_only:
                # Its columns only, for the one INSERT: a mapped instance would cost
                # more to build than the row it becomes.
                record = SimpleNamespace()
            elif record is None:
                record = resource.new()
                db.session.add(record)
            resource.apply(record, values)
            if existing is None and resource.columns_only:
                inserted.append((record, values))
            else:
                changes.append((record, before, values))
            counts["updated" if before is not None else "created"] += 1
    db.session.flush()
    events = [
        _event(resource, id_, None, _as_row(values))
        for id_, (_, values) in zip(_insert(resource, inserted), inserted, strict=True)
    ]
    # What a new record became is what the import asked for (validated, and written as
    # its row is): reading it back would load each record's relationships.
    events += [
        _event(
            resource,
            record.id,
            before,
            _as_row(values) if before is None else resource.row(record),
        )
        for record, before, values in changes
    ]
    audit.record_many(events, actor=actor, user_id=user_id)
    return counts


def _event(resource: Resource, id_, before: dict | None, after: dict) -> dict:
    """The audit event of creating (`before` None) or updating one record."""
    action = resource.singular.replace(" ", "_")
    return {
        "action": f"{action}.{'create' if before is None else 'update'}",
        "entity_type": resource.model.__tablename__,
        "entity_id": str(id_),
        "before": before,
        "after": after,
    }


def _insert(resource: Resource, inserted: list) -> list[int]:
    """INSERT the new records' columns, many rows at once (survey/db.py insert_rows: COPY
    on PostgreSQL); their ids in order. A column a record leaves empty takes the column's
    default, as the ORM would give it.

    The ids are read back by the records' own key (`Resource.stored_key`), not returned:
    COPY returns nothing, and SQLite's driver cannot return many rows' ids in order
    (SQLAlchemy then sends one statement a row)."""
    if not inserted:
        return []
    model = resource.model
    columns = [c for c in model.__table__.columns if not c.primary_key]
    rows = [
        tuple(_or_default(getattr(record, c.key, None), c) for c in columns)
        for record, _ in inserted
    ]
    # Ids only grow: the new records' are above the largest before them, so only those
    # rows are read back (not the whole table, for a few rows added to 100,000).
    before = db.session.scalar(select(func.max(model.id))) or 0
    insert_rows(db.session, model.__tablename__, [c.name for c in columns], rows)
    at = [columns.index(model.__table__.columns[name]) for name in resource.stored_key]
    key_columns = [getattr(model, name) for name in resource.stored_key]
    added = select(model.id, *key_columns).where(model.id > before)
    ids = {tuple(key): id_ for id_, *key in db.session.execute(added)}
    return [ids[tuple(row[i] for i in at)] for row in rows]


def _or_default(value, column):
    if value is not None or column.default is None:
        return value
    default = column.default
    # SQLAlchemy wraps a callable default to take an execution context; none is needed.
    return default.arg(None) if default.is_callable else default.arg


def _as_row(values: dict) -> dict[str, str]:
    """Validated values written as the resource's CSV row writes them."""
    return {name: cell_text(value) for name, value in values.items()}
