"""Reform points on the dashboard: choosing a campaign's framework, entering an agency's
self-assessed and appraised points, and the points as CSV, out and back in."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.csv_files import CsvError, write_rows
from survey.dashboard.common import agency_of, blueprint, campaign_named
from survey.downloads import attachment
from survey.extensions import db
from survey.inputs import record_id
from survey.permissions import requires
from survey.reform import services as reform
from survey.reform.models import ReformFramework
from survey.web import ConfirmForm, ImportForm, actor


@blueprint.post("/<code>/framework")
@requires("evaluator")
def choose_framework(code: str):
    campaign = campaign_named(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    framework = db.session.get(
        ReformFramework, request.form.get("framework_id", type=record_id) or 0
    )
    if framework is None:
        flash(_("Choose a framework."), "error")
        return redirect(url_for(".show_campaign", code=code))
    unknown = reform.unknown_indices(
        framework.definition(), reform.computable_indices(campaign.versions.values())
    )
    if unknown:
        # Refused before anything is written (set_framework would refuse it too).
        for criterion, index in unknown:
            flash(
                _("Criterion %(criterion)s of framework %(code)s takes index %(index)s, "
                  "which this campaign does not compute; the framework was not adopted.",
                  criterion=criterion, code=framework.code, index=index),
                "error",
            )  # fmt: skip
        return redirect(url_for(".show_campaign", code=code))
    reform.set_framework(campaign, framework, **actor())
    db.session.commit()
    flash(_("The campaign now uses framework %(code)s.", code=framework.code), "success")
    return redirect(url_for(".show_campaign", code=code))


@blueprint.route("/<code>/points/<agency_code>", methods=["GET", "POST"])
@requires("evaluator")
def edit_points(code: str, agency_code: str):
    campaign = campaign_named(code)
    agency = agency_of(campaign, agency_code)
    if campaign.framework is None:
        abort(404)
    framework = campaign.framework.definition()
    stored = reform.points_table(campaign)
    form = ConfirmForm()
    problems: dict[tuple[str, str], str] = {}
    values = {
        c.code: (
            _points_text(stored.get((agency.id, c.code)), "self_points"),
            _points_text(stored.get((agency.id, c.code)), "appraised_points"),
        )
        for c in framework.criteria
        if c.entered
    }
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        # A field the post leaves out keeps its stored value rather than being cleared.
        values = {
            c: (
                request.form.get(f"self-{c}", stored_self),
                request.form.get(f"appraised-{c}", stored_appraised),
            )
            for c, (stored_self, stored_appraised) in values.items()
        }
        try:
            changed = reform.save_points(
                campaign, {(agency, c): v for c, v in values.items()}, **actor()
            )
        except reform.PointsError as error:
            db.session.rollback()
            problems = {(c, column): m for (_a, c, column), m in error.problems.items()}
        else:
            db.session.commit()
            flash(_("Saved; %(count)s criteria changed.", count=changed), "success")
            return redirect(url_for(".edit_points", code=code, agency_code=agency_code))
    return render_template(
        "dashboard/points.html",
        campaign=campaign,
        agency=agency,
        framework=framework,
        values=values,
        problems=problems,
        form=form,
    ), (400 if problems else 200)


def _points_text(row, column: str) -> str:
    value = getattr(row, column) if row is not None else None
    return "" if value is None else f"{value:g}"


@blueprint.post("/<code>/points/import")
@requires("evaluator")
def import_points(code: str):
    campaign = campaign_named(code)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to upload."), "error")
        return redirect(url_for(".show_campaign", code=code))
    try:
        changed = reform.import_points(campaign, form.file.data.read(), **actor())
    except CsvError as error:
        db.session.rollback()
        return render_template(
            "campaigns/import_errors.html",
            campaign=campaign,
            problems=error.problems,
            back_url=url_for(".show_campaign", code=code),
        ), 400
    db.session.commit()
    flash(_("Imported; %(count)s criteria changed.", count=changed), "success")
    return redirect(url_for(".show_campaign", code=code))


@blueprint.get("/<code>/points.csv")
@requires("evaluator")
def export_points(code: str):
    """Every agency × entered criterion, ready to fill in and import back."""
    campaign = campaign_named(code)
    if campaign.framework is None:
        abort(404)
    stored = reform.points_table(campaign)
    rows = [
        {
            "agency_code": agency.code,
            "criterion": criterion.code,
            "self_points": _points_text(stored.get((agency.id, criterion.code)), "self_points"),
            "appraised_points": _points_text(
                stored.get((agency.id, criterion.code)), "appraised_points"
            ),
        }
        for agency in campaign.agencies
        for criterion in campaign.framework.definition().criteria
        if criterion.entered
    ]
    return Response(
        write_rows(reform.POINT_COLUMNS, rows),
        mimetype="text/csv",
        headers=attachment(f"{campaign.code}-points.csv"),
    )
