"""Keying quality per surveyor and batch, and the share of forms keyed twice."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.csv_files import write_rows
from survey.downloads import attachment
from survey.extensions import db
from survey.paper import errors, issuing, quality
from survey.paper.pages import blueprint, campaign_filter, latest_campaign
from survey.permissions import requires
from survey.web import ConfirmForm, actor


@blueprint.get("/quality")
@requires("evaluator")
def show_quality():
    campaign = campaign_filter() or latest_campaign()
    keyers, batches = quality.quality(campaign) if campaign else ([], [])
    return render_template(
        "paper/quality.html",
        campaign=campaign,
        campaigns=db.session.scalars(select(Campaign).order_by(Campaign.code)).all(),
        keyers=keyers,
        batches=batches,
    )


@blueprint.get("/quality.csv")
@requires("evaluator")
def export_quality():
    campaign = campaign_filter() or abort(404)
    keyers, batches = quality.quality(campaign)
    # The file is named from the table shown, never from the parameter's text.
    table = "batches" if request.args.get("table") == "batches" else "keyers"
    if table == "batches":
        columns = (
            "batch", "agency", "surveyor", "issued", "returned", "keyed_once", "keyed_twice",
            "verified", "adjudication", "missing", "duplicates",
        )  # fmt: skip
        rows = [
            {
                "batch": b.batch.id,
                "agency": b.batch.agency.code,
                "surveyor": b.batch.surveyor.username if b.batch.surveyor else "",
                "issued": b.issued,
                "returned": "" if b.returned is None else b.returned,
                "keyed_once": b.keyed_once,
                "keyed_twice": b.keyed_twice,
                "verified": b.verified,
                "adjudication": b.adjudication,
                "missing": b.missing,
                "duplicates": b.duplicates,
            }
            for b in batches
        ]
    else:
        columns = ("keyer", "forms", "fields", "errors", "errors_per_1000", "median_seconds")
        rows = [
            {
                "keyer": k.keyer.username,
                "forms": k.forms,
                "fields": k.fields,
                "errors": k.errors,
                "errors_per_1000": _round(k.errors_per_thousand),
                "median_seconds": _round(k.median_seconds),
            }
            for k in keyers
        ]
    name = f"{campaign.code}-paper-{table}.csv"
    return Response(
        write_rows(columns, rows),
        mimetype="text/csv",
        headers=attachment(name),
    )


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@blueprint.post("/campaigns/<code>/verify-share")
@requires("evaluator")
def set_verify_share(code: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code)) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    percent = request.form.get("percent", type=float)
    try:
        if percent is None:
            raise errors.PaperError(_("Type a percentage from 1 to 100."))
        issuing.set_verify_share(campaign, percent / 100, **actor())
    except errors.PaperError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _(
                "From now on %(percent)s%% of new forms are keyed twice.",
                percent=format(percent, "g"),
            ),
            "success",
        )
    return redirect(url_for(".show_quality", campaign=code))
