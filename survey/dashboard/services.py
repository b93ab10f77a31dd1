"""What the evaluator's dashboard shows, read from the database and from stored runs.

Estimates always come from a stored run (never recomputed for a page view), so the
dashboard, the reports and the command line show the same numbers for the same run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.reform.services import latest_run
from survey.responses.models import CHANNELS, Submission, SubmissionReview
from survey.runs.models import RunFlag

# The margin of error planned for each agency (Yamane's n = N / (1 + N e²), as the
# provincial survey plans state it).
PLANNED_MARGIN = 0.05


def planned_sample(dossiers: int, margin: float = PLANNED_MARGIN) -> int:
    """Responses planned for an agency that handled `dossiers` dossiers."""
    if dossiers <= 0:
        return 0
    return round(dossiers / (1 + dossiers * margin**2))


@dataclass(frozen=True)
class AgencyProgress:
    agency: Agency
    received: int
    valid: int
    flagged: int
    excluded: int
    planned: int

    @property
    def share(self) -> float | None:
        return None if self.planned == 0 else self.valid / self.planned


def progress(campaign: Campaign) -> list[AgencyProgress]:
    """Submissions by agency against the planned sample: received (live), set aside by
    the latest run's screening rules, excluded by people (live), and the rest."""

    def per_agency(query) -> dict[int, int]:
        return dict(db.session.execute(query.group_by(Submission.agency_id)).all())

    in_campaign = Submission.campaign_id == campaign.id
    received = per_agency(select(Submission.agency_id, func.count()).where(in_campaign))
    excluded = per_agency(
        select(Submission.agency_id, func.count())
        .join(SubmissionReview, SubmissionReview.submission_id == Submission.id)
        .where(in_campaign, SubmissionReview.decision == "exclude")
    )
    run = latest_run(campaign)
    flagged: dict[int, int] = {}
    if run is not None:
        flagged = per_agency(
            select(Submission.agency_id, func.count())
            .join(RunFlag, RunFlag.submission_id == Submission.id)
            .outerjoin(SubmissionReview, SubmissionReview.submission_id == Submission.id)
            .where(
                RunFlag.run_id == run.id, RunFlag.rules != "", SubmissionReview.decision.is_(None)
            )
        )
    dossiers: dict[int, int] = {}
    for frame in campaign.frame_counts:
        dossiers[frame.agency_id] = dossiers.get(frame.agency_id, 0) + frame.dossiers
    rows = []
    for agency in campaign.agencies:
        total = received.get(agency.id, 0)
        set_aside = flagged.get(agency.id, 0) + excluded.get(agency.id, 0)
        rows.append(
            AgencyProgress(
                agency,
                total,
                total - set_aside,
                flagged.get(agency.id, 0),
                excluded.get(agency.id, 0),
                planned_sample(dossiers.get(agency.id, 0)),
            )
        )
    return rows


def channel_counts(campaign: Campaign, agency: Agency | None = None) -> dict[str, int]:
    query = select(Submission.channel, func.count()).where(Submission.campaign_id == campaign.id)
    if agency is not None:
        query = query.where(Submission.agency_id == agency.id)
    found = dict(db.session.execute(query.group_by(Submission.channel)).all())
    return {channel: found.get(channel, 0) for channel in CHANNELS}
