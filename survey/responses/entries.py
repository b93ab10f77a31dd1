"""How a respondent comes in, and what the survey needs to know about it.

A service point's QR code is read on every page and every post of the survey, so what it
leads to (the point, its agency, the agency's open campaigns and services) is kept in
memory for SURVEY_POINT_CACHE_SECONDS. Kept values are only shown; what decides whether
an answer may be stored is checked again by the statement that stores it
(submit.insert_submission: the campaign still open, the point still active), so a point
deactivated or a campaign closed a moment ago takes no answer.

A dossier's link is read afresh every time: it is used once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date

from flask import abort, current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from survey.agencies.models import Agency, Service, ServicePoint
from survey.campaigns import services as campaign_services
from survey.campaigns.models import Campaign, CampaignQuestionnaire, Invitation, campaign_agency
from survey.db import utcnow
from survey.extensions import db
from survey.local_time import today
from survey.questionnaires.models import QuestionnaireVersion


class Gone(Exception):
    """The way in exists but leads to no survey now: answered with 410.

    `reason`: "used" or "expired" (a link), "point" (a point taken out of the survey),
    "ended" (the campaign is over), "not-started" (it opens on `starts_on`), "none" (no
    campaign includes the agency, or none for this applicant: it never opened here).
    """

    def __init__(self, reason: str, starts_on: date | None = None):
        self.reason = reason
        self.starts_on = starts_on


@dataclass(frozen=True)
class CampaignRef:
    id: int
    code: str
    # (respondent type, version id, content hash) of each pinned version, citizens first.
    # The id and hash are the key of the parsed questionnaire and of the rendered form
    # (a database made anew may reuse an id for other content).
    versions: tuple[tuple[str, int, str], ...]
    period_start: date
    period_end: date

    @classmethod
    def of(cls, campaign: Campaign, versions: tuple[tuple[str, int, str], ...]) -> CampaignRef:
        return cls(campaign.id, campaign.code, versions, campaign.period_start, campaign.period_end)

    @property
    def respondent_types(self) -> tuple[str, ...]:
        return tuple(v[0] for v in self.versions)

    def version_key(self, respondent_type: str) -> tuple[int, str]:
        for kind, version_id, content_hash in self.versions:
            if kind == respondent_type:
                return version_id, content_hash
        raise KeyError(respondent_type)

    def version_id(self, respondent_type: str) -> int:
        return self.version_key(respondent_type)[0]


def versions_of(campaign_ids) -> dict[int, tuple[tuple[str, int, str], ...]]:
    """The pinned versions of some campaigns, as CampaignRef keeps them (one query)."""
    found: dict[int, list[tuple[str, int, str]]] = {}
    rows = db.session.execute(
        select(
            CampaignQuestionnaire.campaign_id,
            CampaignQuestionnaire.respondent_type,
            QuestionnaireVersion.id,
            QuestionnaireVersion.content_hash,
        )
        .join(
            QuestionnaireVersion,
            QuestionnaireVersion.id == CampaignQuestionnaire.questionnaire_version_id,
        )
        .where(CampaignQuestionnaire.campaign_id.in_(list(campaign_ids)))
        .order_by(CampaignQuestionnaire.campaign_id, CampaignQuestionnaire.respondent_type)
    ).all()
    for campaign_id, kind, version_id, content_hash in rows:
        found.setdefault(campaign_id, []).append((kind, version_id, content_hash))
    return {campaign_id: tuple(v) for campaign_id, v in found.items()}


@dataclass(frozen=True)
class Named:
    """An agency or a service point as the survey shows it."""

    id: int
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class InvitationRef:
    id: int
    service_id: int | None
    # Passed on to the submission as coded attributes (drawn invitations only).
    selection_probability: float | None = None
    dossier_timeliness: str | None = None
    dossier_channel: str | None = None  # counted in link_use when the link is used
    opened: bool = False  # the link was opened before (response rates)


@dataclass(frozen=True)
class Entry:
    """How the respondent came in: a service point's QR code or a dossier's link."""

    campaign: CampaignRef
    agency: Named
    channel: str
    point: Named | None = None
    invitation: InvitationRef | None = None
    # On whose behalf the respondent answers: from the dossier for a link, as the
    # respondent says at a point. None at a point of a campaign with several types until
    # they said it.
    respondent_type: str | None = None

    @property
    def version_key(self) -> tuple[int, str]:
        return self.campaign.version_key(self.respondent_type or "")

    def answering_for(self, respondent_type: str | None) -> Entry:
        """The entry as the respondent answers: on `respondent_type`'s behalf when the
        campaign surveys it (404 otherwise), or its only type when it has one."""
        types = self.campaign.respondent_types
        if respondent_type is None:
            return replace(self, respondent_type=types[0]) if len(types) == 1 else self
        if respondent_type not in types:
            abort(404)
        return replace(self, respondent_type=respondent_type)


@dataclass(frozen=True)
class _PointView:
    point: Named
    active: bool
    agency: Named
    campaigns: tuple[CampaignRef, ...]  # open
    had_campaign: bool = False  # a closed campaign included the agency


def _cache() -> dict:
    return current_app.extensions.setdefault("survey.entries", {})


def _kept(key, read):
    """`read()` kept for SURVEY_POINT_CACHE_SECONDS under `key` (per app, per process)."""
    seconds = current_app.config["SURVEY_POINT_CACHE_SECONDS"]
    if seconds <= 0:
        return read()
    cache = _cache()
    now = time.monotonic()
    found = cache.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = read()
    cache[key] = (now + seconds, value)
    return value


def forget_point(code: str) -> None:
    _cache().pop(("point", code), None)


def _read_point(code: str) -> _PointView | None:
    # The point, its agency and the agency's open campaigns in one query.
    rows = db.session.execute(
        select(ServicePoint, Campaign)
        .options(joinedload(ServicePoint.agency))
        .outerjoin(campaign_agency, campaign_agency.c.agency_id == ServicePoint.agency_id)
        .outerjoin(
            Campaign,
            and_(
                Campaign.id == campaign_agency.c.campaign_id,
                Campaign.status.in_(("open", "closed")),
                # A household survey is answered at home, through the field app: a
                # counter's QR code never leads to it.
                Campaign.design != "household",
            ),
        )
        # Codes are read as printed, whatever the case (a typed "SXD-1" is "sxd-1").
        .where(func.lower(ServicePoint.code) == code.lower())
    ).all()
    if not rows:
        return None
    points = {p.id: p for p, *_ in rows}
    exact = [p for p in points.values() if p.code == code]
    point = exact[0] if exact else points[min(points)]
    linked = [c for p, c in rows if p.id == point.id and c is not None]
    campaigns = [c for c in linked if c.status == "open"]
    versions = versions_of(c.id for c in campaigns) if campaigns else {}
    return _PointView(
        point=Named(point.id, point.name_vi, point.name_en),
        active=point.active,
        agency=_named(point.agency),
        campaigns=tuple(
            sorted(
                (CampaignRef.of(c, versions[c.id]) for c in campaigns if c.id in versions),
                key=lambda c: c.period_start,
            )
        ),
        had_campaign=any(c.status == "closed" for c in linked),
    )


def _named(agency: Agency) -> Named:
    return Named(agency.id, agency.name_vi, agency.name_en)


def at_point(code: str, respondent_type: str | None = None) -> Entry:
    """The survey a service point's QR code leads to (404 unknown, Gone otherwise), for
    `respondent_type` when the respondent said on whose behalf they answer."""
    view = _kept(("point", code), lambda: _read_point(code))
    if view is None:
        abort(404)
    if not view.active:
        raise Gone("point")
    found = None
    ended = False
    for campaign in view.campaigns:
        if campaign.period_end < today():
            # Its last day is over and the scheduled job has not closed it yet.
            close(campaign)
            forget_point(code)
            ended = True
            continue
        if found is None and campaign.period_start <= today():
            found = campaign
    if found is None:
        upcoming = [c.period_start for c in view.campaigns if c.period_start > today()]
        if upcoming:
            raise Gone("not-started", starts_on=min(upcoming))
        raise Gone("ended" if ended or view.had_campaign else "none")
    entry = Entry(campaign=found, agency=view.agency, channel="web-qr", point=view.point)
    return entry.answering_for(respondent_type)


def by_link(token: str) -> Entry:
    """The survey a dossier's single-use link leads to (404 unknown, Gone otherwise)."""
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.campaign), joinedload(Invitation.agency))
        .where(Invitation.token == token)
    )
    if invitation is None:
        abort(404)
    campaign = invitation.campaign
    ref = CampaignRef.of(campaign, versions_of([campaign.id]).get(campaign.id, ()))
    if campaign.status == "closed":
        raise Gone("ended")
    if campaign.status != "open":
        raise Gone("not-started", starts_on=campaign.period_start)
    if campaign.period_end < today():
        close(ref)
        raise Gone("ended")
    if invitation.applicant_type not in ref.respondent_types:
        # Filed by an organisation in a campaign that surveys citizens only (or the other
        # way round): there is no form for this applicant.
        raise Gone("none")
    if invitation.used:
        raise Gone("used")
    if invitation.expires_at < utcnow():
        raise Gone("expired")
    return Entry(
        campaign=ref,
        agency=_named(invitation.agency),
        channel="web-link",
        respondent_type=invitation.applicant_type,
        invitation=InvitationRef(
            invitation.id,
            invitation.service_id,
            invitation.selection_probability,
            invitation.dossier_timeliness,
            invitation.dossier_channel,
            opened=invitation.opened,
        ),
    )


def close(campaign: CampaignRef) -> None:
    """Close a campaign whose last day is over, at once and for good: its own unit of
    work, committed whatever the request that noticed it goes on to do (a GET)."""
    stored = db.session.get(Campaign, campaign.id)
    if stored is not None:
        campaign_services.close_ended(stored)
        db.session.commit()


def services(entry: Entry, language: str) -> tuple[tuple[int, str], ...]:
    """The agency's active services, (id, name in `language`), in the survey's order."""

    def read():
        name = Service.name_vi if language == "vi" else Service.name_en
        rows = db.session.execute(
            select(Service.id, name)
            .where(Service.agency_id == entry.agency.id, Service.active)
            .order_by(Service.name_vi)
        ).all()
        return tuple((service_id, text) for service_id, text in rows)

    return _kept(("services", entry.agency.id, language), read)
