"""Staff actions on dossier records: a campaign's frame counts from them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from survey.campaigns.models import Campaign
from survey.dossiers import frames
from survey.extensions import db
from survey.permissions import requires
from survey.web import ConfirmForm, actor

blueprint = Blueprint("dossiers", __name__, url_prefix="/admin/dossiers")


@blueprint.post("/frame-counts/<int:campaign_id>")
@requires("admin", "evaluator")
def frame_counts_from_records(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cells = frames.set_from_records(campaign, **actor())
    if cells:
        db.session.commit()
        flash(
            _(
                "Frame counts of %(count)s agency × field cells set from the dossier records.",
                count=cells,
            ),
            "success",
        )
    else:
        flash(
            _("No dossier record of this campaign's agencies was returned in its period."), "error"
        )
    return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id) + "#frame-counts")
