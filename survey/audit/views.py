"""The audit trail: browse, filter and export. Nothing here can change it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from survey import local_time
from survey.audit.models import AuditEvent
from survey.csv_files import write_rows
from survey.downloads import attachment
from survey.extensions import db
from survey.pagination import paginate
from survey.permissions import requires

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50
COLUMNS = ("id", "occurred_at", "actor", "action", "entity_type", "entity_id", "before", "after")


def _query():
    query = select(AuditEvent)
    for name in ("actor", "action", "entity_type", "entity_id"):
        value = request.args.get(name, "").strip()
        if value:
            column = getattr(AuditEvent, name)
            query = query.where(column.startswith(value) if name == "action" else column == value)
    for name, compare in (("since", "ge"), ("until", "lt")):
        value = request.args.get(name, "").strip()
        if value:
            try:
                day = datetime.strptime(value, "%Y-%m-%d")
            except ValueError:
                abort(400)
            if name == "until":
                day += timedelta(days=1)
            query = query.where(getattr(AuditEvent.occurred_at, f"__{compare}__")(day))
    return query


@blueprint.get("/")
@requires("admin")
def list_events():
    page = paginate(_query(), AuditEvent.id.desc(), size=PAGE_SIZE)
    return render_template(
        "audit/list.html",
        events=page.items,
        total=page.total,
        page=page.number,
        pages=page.pages,
        args=request.args,
    )


@blueprint.get("/export.csv")
@requires("admin")
def export_events():
    events = db.session.scalars(_query().order_by(AuditEvent.id)).all()
    rows = [
        {
            "id": e.id,
            "occurred_at": local_time.local(e.occurred_at).isoformat(sep=" ", timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id or "",
            "before": json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
            "after": json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
        }
        for e in events
    ]
    return Response(
        write_rows(COLUMNS, rows),
        mimetype="text/csv",
        headers=attachment("audit.csv"),
    )
