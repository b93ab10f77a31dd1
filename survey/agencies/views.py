"""Service point posters for staff."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from survey.agencies.models import Agency, ServicePoint
from survey.agencies.posters import posters_pdf
from survey.downloads import attachment
from survey.extensions import db
from survey.permissions import requires

blueprint = Blueprint("points", __name__, url_prefix="/admin/service-points")


def public_base_url() -> str:
    from flask import current_app

    return current_app.config.get("SURVEY_PUBLIC_URL") or request.url_root


@blueprint.get("/<int:point_id>/poster.pdf")
@requires("admin")
def download_poster(point_id: int):
    point = db.session.get(ServicePoint, point_id) or abort(404)
    pdf = posters_pdf([point], public_base_url())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers=attachment(f"poster-{point.code}.pdf"),
    )


@blueprint.get("/posters/<agency_code>.pdf")
@requires("admin")
def download_agency_posters(agency_code: str):
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code)) or abort(404)
    points = [p for p in agency.service_points if p.active]
    if not points:
        abort(404)
    return Response(
        posters_pdf(points, public_base_url()),
        mimetype="application/pdf",
        headers=attachment(f"posters-{agency.code}.pdf"),
    )
