"""Issuing paper forms: a batch of new serials for one agency (with the share keyed twice),
its surveyor and returned count, and the counts a batch page shows.

Every write flushes and is audited; callers commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.agencies.models import Agency, Service, ServicePoint
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.labels import code_label
from survey.local_time import today
from survey.paper.errors import PaperError
from survey.paper.models import FORM_STATUSES, Batch, PaperForm
from survey.paper.serials import make_serial, number_of, selected_for_verification
from survey.users.models import User

MAX_BATCH = 2000


def create_batch(
    campaign: Campaign,
    agency: Agency,
    count: int,
    *,
    surveyor: User | None = None,
    service_point: ServicePoint | None = None,
    respondent_type: str | None = None,
    actor: str,
    user_id: int | None,
) -> Batch:
    """Issue `count` new serials for the agency, registered to a new batch of forms for
    `respondent_type` (the campaign's first type when not given)."""
    respondent_type = respondent_type or campaign.respondent_types[0]
    if respondent_type not in campaign.respondent_types:
        raise PaperError(
            _(
                "The campaign has no questionnaire for %(type)s.",
                type=code_label("respondent_type", respondent_type),
            )
        )
    if campaign.status == "closed" or campaign.period_end < today():
        raise PaperError(_("The campaign is closed; no more forms can be issued."))
    if agency not in campaign.agencies:
        raise PaperError(_("%(agency)s is not an agency of this campaign.", agency=agency.code))
    if not 1 <= count <= MAX_BATCH:
        raise PaperError(_("A batch holds 1 to %(max)s forms.", max=MAX_BATCH))
    if service_point is not None and service_point.agency_id != agency.id:
        raise PaperError(_("The service point belongs to another agency."))
    if surveyor is not None and (not surveyor.active or surveyor.role == "agency-viewer"):
        raise PaperError(_("%(user)s cannot take out forms.", user=surveyor.username))
    # Numbers continue from the agency's last serial in the campaign; locking the agency
    # row makes two batches printed at once take different numbers.
    db.session.execute(select(Agency.id).where(Agency.id == agency.id).with_for_update())
    # The agency's own forms (another agency's code may begin like this one's: UBND and
    # UBND-BMT); the number is the serial's second part from the end.
    existing = db.session.scalars(
        select(PaperForm.serial)
        .join(Batch, Batch.id == PaperForm.batch_id)
        .where(PaperForm.campaign_id == campaign.id, Batch.agency_id == agency.id)
    ).all()
    start = 1 + max((number_of(s) for s in existing), default=0)
    services = db.session.scalars(
        select(Service).where(Service.agency_id == agency.id, Service.active).order_by(Service.code)
    ).all()
    batch = Batch(
        campaign=campaign,
        agency=agency,
        respondent_type=respondent_type,
        surveyor=surveyor,
        service_point=service_point,
        service_numbers={str(n): s.id for n, s in enumerate(services, start=1)},
        created_by=actor,
    )
    db.session.add(batch)
    db.session.flush()
    for number in range(start, start + count):
        serial = make_serial(agency.code, number, respondent_type)
        db.session.add(
            PaperForm(
                campaign_id=campaign.id,
                batch=batch,
                serial=serial,
                verify=selected_for_verification(
                    campaign.code, serial, campaign.paper_verify_share
                ),
            )
        )
    db.session.flush()
    audit.record(
        "paper.batch.create",
        "paper_batch",
        batch.id,
        actor=actor,
        user_id=user_id,
        after={
            "campaign": campaign.code,
            "agency": agency.code,
            "surveyor": surveyor.username if surveyor else None,
            "respondent_type": respondent_type,
            "serials": [
                make_serial(agency.code, start, respondent_type),
                make_serial(agency.code, start + count - 1, respondent_type),
            ],
        },
    )
    return batch


def update_batch(
    batch: Batch, *, surveyor: User | None, returned_count: int | None, actor: str, user_id
) -> None:
    if returned_count is not None and not 0 <= returned_count <= len(batch.forms):
        raise PaperError(
            _("Returned forms must be between 0 and %(count)s.", count=len(batch.forms))
        )
    before = {
        "surveyor": batch.surveyor.username if batch.surveyor else None,
        "returned": batch.returned_count,
    }
    batch.surveyor, batch.returned_count = surveyor, returned_count
    db.session.flush()
    audit.record(
        "paper.batch.update",
        "paper_batch",
        batch.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after={"surveyor": surveyor.username if surveyor else None, "returned": returned_count},
    )


def set_verify_share(campaign: Campaign, share: float, *, actor: str, user_id) -> None:
    """Applies to forms issued from now on; forms already out keep their draw."""
    if not 0 < share <= 1:
        raise PaperError(_("The share keyed twice must be from 1 to 100 percent."))
    before = campaign.paper_verify_share
    campaign.paper_verify_share = share
    db.session.flush()
    audit.record(
        "campaign.paper_verify_share",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        before={"share": before},
        after={"share": share},
    )


def counts_by_batch(batch_ids: list[int]) -> dict[int, dict[str, int]]:
    """Forms by status for many batches in one query (list pages)."""
    counts = {b: dict.fromkeys(FORM_STATUSES, 0) for b in batch_ids}
    if batch_ids:
        for batch_id, status, n in db.session.execute(
            select(PaperForm.batch_id, PaperForm.status, func.count())
            .where(PaperForm.batch_id.in_(batch_ids))
            .group_by(PaperForm.batch_id, PaperForm.status)
        ):
            counts[batch_id][status] = n
    return counts


def batch_counts(batch: Batch) -> dict[str, int]:
    """Forms of a batch by status, for the running count on the entry screen."""
    return counts_by_batch([batch.id])[batch.id]
