"""The links to send, as a job an administrator starts from the campaign's page: dossier
code, phone and link of every unused, unexpired invitation, for the SMS gateway.

The file holds phone numbers: it is erased with the campaign's other personal data
(erasure.py), and a new file is made as soon as links are used, drawn or expire (its work
names their state and the day).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from survey.campaigns import invitations
from survey.campaigns.models import Campaign, Invitation
from survey.csv_files import write_rows
from survey.db import utcnow
from survey.extensions import db
from survey.jobs import services as jobs
from survey.jobs.kinds import Kind, Work
from survey.jobs.models import Job
from survey.local_time import today

COLUMNS = ("dossier_code", "phone", "link")


def invitations_export(job: Job) -> dict[str, Any]:
    campaign = db.session.get(Campaign, job.arguments["campaign_id"])
    if campaign is None:
        raise jobs.JobFailed("the campaign no longer exists")
    jobs.progress(job, "invitations_export", 10)
    rows = list(invitations.links(campaign, job.arguments["base_url"]))
    name = f"{campaign.code}-links.csv"
    jobs.keep_file(job, name, "text/csv", write_rows(COLUMNS, rows).encode("utf-8"))
    return {"file": name, "links": len(rows)}


def _state(campaign: Campaign) -> str:
    unused = db.session.execute(
        select(func.count(), func.max(Invitation.id)).where(
            Invitation.campaign_id == campaign.id,
            ~Invitation.used,
            Invitation.expires_at > utcnow(),
        )
    ).one()
    described = repr((tuple(unused), today().isoformat(), campaign.personal_data_erased_at))
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def invitations_export_work(campaign: Campaign, base_url: str) -> Work:
    """The SMS file of the campaign's links; `base_url`: the address the links name."""
    return Work(
        "invitations_export",
        f"invitations_export:{campaign.id}:{_state(campaign)}",
        {"campaign_id": campaign.id, "base_url": base_url},
    )


# Administrators only: the file holds phone numbers.
INVITATIONS_EXPORT = Kind("invitations_export", invitations_export)
