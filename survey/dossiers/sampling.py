"""Invitations drawn from the dossier records with known selection probabilities.

A campaign's sampling plan sets, for each agency, the answers it plans (Yamane's
n = N / (1 + N e²), as provincial plans state it, or the sample that gives a target
margin of error for a proportion) and the probability π that gets them:
π = planned / (expected response rate × dossiers with a phone). Each draw then takes the
dossiers returned since the last draw, with a phone, and selects each one on its own with
probability π (Poisson sampling, METHODS.md §2), from the operating system's randomness.

Poisson rather than systematic selection, on purpose: a systematic draw is a position
that moves by π per dossier, so one known selection (a link not yet used still names its
dossier) pins every other, and with the cell's position stored the whole draw replays,
used links' dossiers included. Independent selections leave nothing to replay: no start,
no position, only counts (sampling_cell). The price is a sample size that varies by
about √(Nπ(1-π)) around Nπ; every dossier's chance is still exactly π. The invitation
keeps π; the answer it brings carries π as a coded attribute, and the weight is 1/π
adjusted for nonresponse within the cell (analysis.selection_weights).

A wrong plan (more or fewer dossiers than expected) changes how many answers come, never
whether the weights are right: they rest on the π actually applied.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis.selection import for_margin, inclusion_probability, yamane
from analysis.selection import selected as selected_by_chance
from survey.agencies.models import Agency, Service
from survey.audit import services as audit
from survey.campaigns.invitations import expiry, new_token
from survey.campaigns.link_use import dossier_hash
from survey.campaigns.models import Campaign, Invitation, SamplingCell, SamplingPlan
from survey.db import utcnow
from survey.dossiers.models import DossierRecord
from survey.dossiers.retention import PHONE_DAYS, phones_kept_since
from survey.extensions import db
from survey.local_time import today

DEFAULT_RESPONSE_RATE = 0.3


class SamplingError(Exception):
    """The plan or the draw cannot be made; the message says why and what to do."""


def reference_window(campaign: Campaign, day: date | None = None) -> tuple[date, date]:
    """The dossiers a plan counts: the campaign's own period once it is over, otherwise
    the same number of days just before it starts (the flow the period will likely see)."""
    day = day or today()
    if campaign.period_end < day:
        return campaign.period_start, campaign.period_end
    length = campaign.period_end - campaign.period_start
    return campaign.period_start - length - timedelta(days=1), campaign.period_start - timedelta(
        days=1
    )


@dataclass(frozen=True)
class Planned:
    agency: Agency
    dossiers: int  # returned in the reference window
    phone_share: float  # of the agency's dossiers returned in the last PHONE_DAYS days
    planned: int
    probability: float


def plan(
    campaign: Campaign,
    *,
    margin: float | None = None,
    response_rate: float = DEFAULT_RESPONSE_RATE,
    actor: str,
    user_id: int | None = None,
) -> list[Planned]:
    """Set the campaign's sampling plan (replacing an earlier one; draws already made keep
    the π they applied). `margin`: plan for that margin of error; None: Yamane at 5%.
    Audited; the caller commits."""
    if not 0 < response_rate <= 1:
        raise SamplingError(_("The expected response rate must lie between 0 and 100%."))
    if margin is not None and not 0 < margin < 0.5:
        raise SamplingError(_("The margin of error must lie between 0 and 50%."))
    first, last = reference_window(campaign)
    agencies = {a.id: a for a in campaign.agencies}
    if not agencies:
        raise SamplingError(_("The campaign has no agencies."))
    returned = dict(
        db.session.execute(
            select(DossierRecord.agency_id, func.count())
            .where(
                DossierRecord.agency_id.in_(agencies),
                DossierRecord.returned_on.between(first, last),
            )
            .group_by(DossierRecord.agency_id)
        ).all()
    )
    if not returned:
        raise SamplingError(
            _(
                "No dossier record of the campaign's agencies was returned between %(first)s "
                "and %(last)s: import the one-stop shop's records first.",
                first=first.strftime("%d/%m/%Y"),
                last=last.strftime("%d/%m/%Y"),
            )
        )
    # Phones are kept PHONE_DAYS after return (retention), so the share with a phone is
    # read from the recent records.
    recent = phones_kept_since()
    phones = {
        agency_id: (total, with_phone)
        for agency_id, total, with_phone in db.session.execute(
            select(DossierRecord.agency_id, func.count(), func.count(DossierRecord.phone))
            .where(DossierRecord.agency_id.in_(agencies), DossierRecord.returned_on >= recent)
            .group_by(DossierRecord.agency_id)
        )
    }
    planned: list[Planned] = []
    db.session.query(SamplingPlan).filter_by(campaign_id=campaign.id).delete()
    for agency_id, agency in sorted(agencies.items(), key=lambda item: item[1].code):
        dossiers = returned.get(agency_id, 0)
        if dossiers == 0:
            continue
        total, with_phone = phones.get(agency_id, (0, 0))
        share = with_phone / total if total else 1.0
        wanted = for_margin(dossiers, margin) if margin is not None else yamane(dossiers)
        probability = inclusion_probability(wanted, dossiers * share * response_rate)
        planned.append(Planned(agency, dossiers, share, wanted, probability))
        db.session.add(
            SamplingPlan(
                campaign_id=campaign.id,
                agency_id=agency_id,
                dossiers=dossiers,
                with_phone=round(dossiers * share),
                planned=wanted,
                response_rate=response_rate,
                probability=probability,
            )
        )
    db.session.flush()
    audit.record(
        "sampling.plan",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        after={
            "margin": margin,
            "method": "margin" if margin is not None else "yamane",
            "response_rate": response_rate,
            "window": [str(first), str(last)],
            "agencies": {p.agency.code: round(p.probability, 6) for p in planned},
        },
    )
    return planned


@dataclass(frozen=True)
class Drawn:
    first: date
    last: date
    seen: int  # returned dossiers with a phone in the window
    selected: int
    already_expired: int  # selected, but drawn too late for their link to be used


def draw(
    campaign: Campaign,
    through: date,
    *,
    valid_days: int = PHONE_DAYS,
    actor: str,
    user_id: int | None = None,
    random=None,
) -> Drawn:
    """Select invitations among the dossiers returned since the last draw up to `through`
    (within the period). Audited; the caller commits."""
    random = random or secrets.SystemRandom()
    if campaign.status == "closed":
        raise SamplingError(_("The campaign is closed."))
    plans = {
        p.agency_id: p.probability
        for p in db.session.scalars(select(SamplingPlan).filter_by(campaign_id=campaign.id))
    }
    if not plans:
        raise SamplingError(_("Set the campaign's sampling plan first."))
    first, last = _window(campaign, through)
    # One expiry and one creation time for the whole draw, and neither the dossier's code,
    # phone nor return day on the invitation: a link not yet used must not say which
    # dossier it is for, or the frame less those dossiers is the used links' dossiers.
    # The SMS file finds code and phone by the keyed hash (invitations.links).
    now, expires = utcnow(), expiry(last, valid_days)
    seen = selected = expired = 0
    selection = _Selection(campaign, now, expires)
    for record in _frame(campaign, plans, first, last):
        chosen = selection.take(record, plans[record.agency_id], random)
        if chosen is None:
            continue  # invited already (a link imported from a file): not in this frame
        seen += 1
        if chosen:
            selected += 1
            expired += expires <= now
    campaign.invitations_drawn_through = last
    db.session.flush()
    audit.record(
        "sampling.draw",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        after={
            "first": str(first),
            "last": str(last),
            "seen": seen,
            "selected": selected,
            "already_expired": expired,
        },
    )
    return Drawn(first, last, seen, selected, expired)


def _window(campaign: Campaign, through: date) -> tuple[date, date]:
    """The return days a draw covers: after the last draw, up to `through` (within the
    period, never past today)."""
    drawn_through = campaign.invitations_drawn_through
    first = max(
        campaign.period_start,
        drawn_through + timedelta(days=1) if drawn_through else campaign.period_start,
    )
    last = min(through, campaign.period_end, today())
    if first > last:
        raise SamplingError(
            _(
                "Nothing to draw: invitations were drawn through %(day)s already.",
                day=(drawn_through or last).strftime("%d/%m/%Y"),
            )
        )
    return first, last


def _frame(campaign: Campaign, plans: dict[int, float], first: date, last: date):
    """The dossiers a draw chooses among: returned in the window to an applicant the
    campaign surveys, at a planned agency, with a phone."""
    return db.session.execute(
        select(
            DossierRecord.dossier_code,
            DossierRecord.agency_id,
            DossierRecord.service_id,
            Service.field_id,
            DossierRecord.channel,
            DossierRecord.due_on,
            DossierRecord.returned_on,
            DossierRecord.phone,
            DossierRecord.applicant_type,
        )
        .join(Service, Service.id == DossierRecord.service_id)
        .where(
            DossierRecord.agency_id.in_(plans),
            # Only applicants the campaign has a questionnaire for are in its frame.
            DossierRecord.applicant_type.in_(campaign.respondent_types),
            DossierRecord.returned_on.between(first, last),
            DossierRecord.phone.is_not(None),
        )
        .order_by(
            DossierRecord.agency_id,
            Service.field_id,
            DossierRecord.returned_on,
            DossierRecord.dossier_code,
        )
    ).all()


class _Selection:
    """Each dossier of the frame on its own turn: counted in its cell, selected with its
    agency's π (analysis.selection.selected), and, if selected, given a link."""

    def __init__(self, campaign: Campaign, now, expires):
        self.campaign, self.now, self.expires = campaign, now, expires
        self.invited = set(
            db.session.scalars(
                select(Invitation.dossier_hash).where(
                    Invitation.campaign_id == campaign.id, Invitation.dossier_hash.is_not(None)
                )
            )
        )
        self.cells = {
            (c.agency_id, c.service_field_id): c
            for c in db.session.scalars(select(SamplingCell).filter_by(campaign_id=campaign.id))
        }

    def take(self, record, probability: float, random) -> bool | None:
        """Whether the dossier was selected; None when it was invited already."""
        code_hash = dossier_hash(record.dossier_code)
        if code_hash in self.invited:
            return None
        cell = self._cell(record.agency_id, record.field_id)
        cell.seen += 1
        if not selected_by_chance(probability, random):
            return False
        cell.selected += 1
        db.session.add(
            Invitation(
                campaign_id=self.campaign.id,
                token=new_token(),
                dossier_hash=code_hash,
                agency_id=record.agency_id,
                service_id=record.service_id,
                service_field_id=record.field_id,
                applicant_type=record.applicant_type,
                created_at=self.now,
                expires_at=self.expires,
                selection_probability=probability,
                dossier_channel=record.channel,
                dossier_timeliness="on_time" if record.returned_on <= record.due_on else "late",
            )
        )
        return True

    def _cell(self, agency_id: int, field_id: int) -> SamplingCell:
        cell = self.cells.get((agency_id, field_id))
        if cell is None:
            cell = SamplingCell(
                campaign_id=self.campaign.id,
                agency_id=agency_id,
                service_field_id=field_id,
                seen=0,
                selected=0,
            )
            db.session.add(cell)
            self.cells[(agency_id, field_id)] = cell
        return cell
