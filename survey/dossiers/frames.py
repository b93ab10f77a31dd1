"""A campaign's frame counts from the dossier records: the dossiers each agency returned in
each service field during the campaign's period, so the weights rest on the real flow of
dossiers rather than on counts typed by hand (which remain for provinces without records).
"""

from __future__ import annotations

from sqlalchemy import func, select

from survey.agencies.models import Agency, Service, ServiceField
from survey.campaigns.models import Campaign, campaign_agency
from survey.campaigns.services import set_frame_counts
from survey.dossiers.models import DossierRecord
from survey.extensions import db


def counted(campaign: Campaign) -> dict[tuple[Agency, ServiceField, str], int]:
    """Dossiers returned in the period, per agency of the campaign × service field ×
    applicant type (of the types the campaign surveys: a campaign of citizens only does
    not count organisations' dossiers into its frame)."""
    rows = db.session.execute(
        select(
            DossierRecord.agency_id,
            Service.field_id,
            DossierRecord.applicant_type,
            func.count(),
        )
        .join(Service, Service.id == DossierRecord.service_id)
        .join(campaign_agency, campaign_agency.c.agency_id == DossierRecord.agency_id)
        .where(
            campaign_agency.c.campaign_id == campaign.id,
            DossierRecord.returned_on.between(campaign.period_start, campaign.period_end),
            DossierRecord.applicant_type.in_(campaign.respondent_types),
        )
        .group_by(DossierRecord.agency_id, Service.field_id, DossierRecord.applicant_type)
    ).all()
    agencies = {a.id: a for a in campaign.agencies}
    fields = {f.id: f for f in db.session.scalars(select(ServiceField))}
    return {(agencies[a], fields[f], kind): n for a, f, kind, n in rows}


def set_from_records(campaign: Campaign, *, actor: str, user_id: int | None) -> int:
    """Set the campaign's frame counts from the records (cells without records keep what
    they had); the number of cells set. Audited; the caller commits."""
    counts = counted(campaign)
    if counts:
        set_frame_counts(campaign, counts, actor=actor, user_id=user_id)
    return len(counts)
