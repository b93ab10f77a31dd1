"""The audit trail: browse, filter and export. Nothing here can change it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from survey.audit import export
from survey.audit.models import AuditEvent
from survey.jobs import services as jobs
from survey.jobs.kinds import Kind, Work
from survey.jobs.views import deliver
from survey.pagination import paginate
from survey.permissions import requires

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


def _query():
    try:
        return export.events(export.filters_of(request.args))
    except export.BadFilter:
        abort(400)


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
    """The filtered trail as CSV: made by a job (years of events take a while), served at
    once when a file of exactly these events was made before."""
    filters = export.filters_of(request.args)
    try:
        last_id = export.last_event_id(filters)
    except export.BadFilter:
        abort(400)
    work = export.work(filters, last_id)
    return deliver(
        jobs.kept_file(work, "audit.csv")
        or Work("audit_export", work, {"filters": filters, "last_id": last_id})
    )


AUDIT_EXPORT = Kind("audit_export", export.audit_export)  # administrators only
