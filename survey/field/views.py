"""The field app at /field/: one page that works offline once loaded (its service worker
and the page's own cache keep it), its manifest, and the two calls it makes: the
assignment download (signed in) and the sync (with the phone's token, for days offline,
beyond any staff session)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from survey.campaigns.models import Campaign
from survey.extensions import csrf, db
from survey.field import services
from survey.field.monitoring import progress
from survey.i18n import current_language
from survey.permissions import public, requires

blueprint = Blueprint("field", __name__, url_prefix="/field")
# Bump when the shell or its assets change: phones drop the old cache.
CACHE_VERSION = "field-1"
MAX_SYNC_BYTES = 2 * 2**20


@blueprint.get("/")
@requires("surveyor")
def app_shell():
    return render_template(
        "field/app.html", language=current_language(), cache_version=CACHE_VERSION
    )


@blueprint.get("/sw.js")
@public
def service_worker():
    body = render_template("field/sw.js", cache_version=CACHE_VERSION)
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/manifest.webmanifest")
@public
def manifest():
    return jsonify(
        {
            "name": "Khảo sát hộ gia đình",
            "short_name": "Khảo sát hộ",
            "start_url": url_for(".app_shell"),
            "scope": url_for(".app_shell"),
            "display": "standalone",
            "lang": "vi",
            "background_color": "#ffffff",
            "theme_color": "#b3261e",
            "icons": [
                {"src": url_for("static", filename="field/icon.svg"), "sizes": "any",
                 "type": "image/svg+xml"}
            ],
        }
    )  # fmt: skip


@blueprint.get("/api/assignment")
@requires("surveyor")
def download_assignment():
    campaign = services.household_campaign(current_user)
    if campaign is None:
        return jsonify({"error": "no_assignment"}), 404
    body = services.assignment(current_user, campaign)
    db.session.commit()
    return jsonify(body)


@blueprint.post("/api/sync")
@public  # the phone's token, checked below, not a staff session
@csrf.exempt
def sync():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    phone = services.device(token)
    if phone is None:
        return jsonify({"error": "token"}), 401
    if (request.content_length or 0) > MAX_SYNC_BYTES:
        abort(413)
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify({"error": "json"}), 400
    result = services.sync(phone, payload)
    return jsonify({"stored": result.stored, "refused": result.refused})


@blueprint.get("/progress/<code>")
@requires("evaluator")
def show_progress(code: str):
    """The household fieldwork of a campaign, for evaluators and administrators."""
    campaign = db.session.scalar(
        select(Campaign).where(func.lower(Campaign.code) == code[:64].lower())
    )
    if campaign is None:
        abort(404)
    communes, total = progress(campaign)
    return render_template("field/progress.html", campaign=campaign, communes=communes, total=total)
