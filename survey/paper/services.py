"""Paper questionnaires end to end: issue numbered forms, key them (twice where the
campaign verifies), settle disagreements, and turn each form into exactly one submission.

Every write flushes and is audited; callers commit.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from survey.agencies.models import Agency, Service, ServicePoint
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.campaigns.services import accepting_paper
from survey.db import utcnow
from survey.extensions import db
from survey.local_time import today
from survey.paper import keying
from survey.paper.compare import Difference, attribute, differences
from survey.paper.models import FORM_STATUSES, Batch, PaperEntry, PaperForm, PaperResolution
from survey.paper.serials import (
    is_well_formed,
    make_serial,
    normalize,
    selected_for_verification,
)
from survey.questionnaires.definition import Definition
from survey.questionnaires.types import InvalidAnswer, PaperContext, ServiceQuestion
from survey.responses.submit import insert_submission
from survey.users.models import User

MAX_BATCH = 2000
# The date written on the form (ISO text), keyed, compared and adjudicated like an item:
# it, not the day of keying, places the form in the campaign period.
DATE = "@date"
# A keyer's time on a form counts towards the median only when plausible.
LONGEST_ENTRY = timedelta(hours=2)


class PaperError(Exception):
    """A refused paper operation; the message says why, in the user's language."""


def create_batch(
    campaign: Campaign,
    agency: Agency,
    count: int,
    *,
    surveyor: User | None = None,
    service_point: ServicePoint | None = None,
    actor: str,
    user_id: int | None,
) -> Batch:
    """Issue `count` new serials for the agency, registered to a new batch."""
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
    start = 1 + max((int(s.split("-")[-2]) for s in existing), default=0)
    services = db.session.scalars(
        select(Service).where(Service.agency_id == agency.id, Service.active).order_by(Service.code)
    ).all()
    batch = Batch(
        campaign=campaign,
        agency=agency,
        surveyor=surveyor,
        service_point=service_point,
        service_numbers={str(n): s.id for n, s in enumerate(services, start=1)},
        created_by=actor,
    )
    db.session.add(batch)
    db.session.flush()
    for number in range(start, start + count):
        serial = make_serial(agency.code, number)
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
            "serials": [
                make_serial(agency.code, start),
                make_serial(agency.code, start + count - 1),
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


def paper_context(batch: Batch, definition: Definition) -> PaperContext:
    numbers = sorted(batch.service_numbers, key=int)
    return PaperContext(
        no_answer_code=definition.no_answer_code,
        services=tuple(batch.service_numbers[n] for n in numbers),
    )


def check_adjudicator(form: PaperForm, user: User) -> None:
    """Blind double entry means two people; the paper is read by a third (PaperError)."""
    if any(entry.keyer_id == user.id for entry in form.entries):
        raise PaperError(
            _(
                "You keyed form %(serial)s; someone who keyed neither entry adjudicates it.",
                serial=form.serial,
            )
        )


def check_serial(batch: Batch, typed_serial: str, keyer: User) -> PaperForm:
    """The form `keyer` may key now under `typed_serial` (PaperError otherwise): asked as
    soon as the serial is typed, so nobody keys a whole form only to have it refused."""
    _require_open(batch.campaign)
    form = find_form(batch, typed_serial)
    _may_key(form, keyer)
    return form


def _may_key(form: PaperForm, keyer: User) -> None:
    if any(entry.keyer_id == keyer.id for entry in form.entries):
        raise PaperError(
            _(
                "You keyed form %(serial)s already; its second entry must be keyed by "
                "someone else.",
                serial=form.serial,
            )
        )
    needed = 2 if form.verify else 1
    if len(form.entries) >= needed or form.status in ("adjudication", "verified"):
        raise PaperError(_("Form %(serial)s is keyed completely already.", serial=form.serial))


def find_form(batch: Batch, typed_serial: str, *, lock: bool = False) -> PaperForm:
    """The form a keyer names, refused with a message that says what is wrong."""
    serial = normalize(typed_serial)
    if not is_well_formed(serial):
        raise PaperError(
            _(
                "%(serial)s is not a serial number; check the digits (the last one is a "
                "check digit).",
                serial=serial or "—",
            )
        )
    query = select(PaperForm).where(
        PaperForm.campaign_id == batch.campaign_id, PaperForm.serial == serial
    )
    form = db.session.scalar(query.with_for_update() if lock else query)
    if form is None:
        raise PaperError(_("Serial %(serial)s was not issued in this campaign.", serial=serial))
    if form.batch_id != batch.id:
        raise PaperError(
            _(
                "Serial %(serial)s belongs to batch %(batch)s, not to this batch.",
                serial=serial,
                batch=form.batch_id,
            )
        )
    return form


@dataclass
class Keyed:
    """The outcome of keying one form: its reading, and the form when it was stored."""

    reading: keying.Reading
    form: PaperForm | None = None


def record_entry(
    batch: Batch,
    typed_serial: str,
    typed: Mapping[str, str],
    *,
    keyer: User,
    started_at: datetime | None,
    interview_date: str = "",
) -> Keyed:
    """Store one keyer's entry of one form (PaperError when the form may not be keyed by
    them now; a reading with problems, storing nothing, when a value is wrong)."""
    _require_open(batch.campaign)
    form = find_form(batch, typed_serial, lock=True)
    try:
        _may_key(form, keyer)
    except PaperError:
        form.duplicate_attempts += 1
        raise
    definition = batch.campaign.questionnaire_version.definition()
    reading = keying.read(definition, typed, paper_context(batch, definition))
    day = _read_date(interview_date, reading)
    if not reading.ok:
        return Keyed(reading)
    values = keying.normalized(definition, typed)
    if day is not None:
        values[DATE] = day.isoformat()
    now = utcnow()
    entry = PaperEntry(
        form=form,
        keyer=keyer,
        values=values,
        field_count=len(reading.shown) + (1 if DATE in values else 0),
        started_at=started_at if started_at and now - started_at < LONGEST_ENTRY else None,
        finished_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "paper.entry",
        "paper_form",
        form.serial,
        actor=keyer.username,
        user_id=keyer.id,
        after={"entry": entry.id, "number": len(form.entries)},
    )
    _settle(form, definition)
    return Keyed(reading, form)


def _read_date(text: str, reading: keying.Reading) -> date | None:
    try:
        return keying.read_date(text, latest=today())
    except InvalidAnswer:
        reading.problems[DATE] = _(
            "Key the date on the form as day/month/year (for example 05/03/2026), "
            "not after today; leave it empty when the form has none."
        )
        return None


def _settle(form: PaperForm, definition: Definition) -> None:
    entries = form.entries
    if not form.verify and len(entries) == 1:
        _make_submission(form, definition, entries[0].values)
    elif len(entries) == 2:
        if pending_differences(form, definition):
            form.status = "adjudication"
        else:
            _make_submission(form, definition, entries[0].values)
    else:
        form.status = "keyed"
    db.session.flush()


def compared_items(definition: Definition) -> list[str]:
    return [q.code for q in definition.items] + [DATE]


def pending_differences(form: PaperForm, definition: Definition) -> list[Difference]:
    first, second = form.entries[0].values, form.entries[1].values
    return differences(compared_items(definition), first, second)


def resolve(
    form: PaperForm, paper_values: Mapping[str, str], *, supervisor: User
) -> keying.Reading:
    """Settle a form in adjudication with the values on the paper, item by item.

    Returns the reading of the resolved form; when it has problems nothing is stored.
    """
    form = db.session.scalar(select(PaperForm).where(PaperForm.id == form.id).with_for_update())
    _require_open(form.batch.campaign)
    if form.status != "adjudication":
        raise PaperError(_("Form %(serial)s is not waiting for adjudication.", serial=form.serial))
    check_adjudicator(form, supervisor)
    batch = form.batch
    definition = batch.campaign.questionnaire_version.definition()
    diffs = pending_differences(form, definition)
    merged = dict(form.entries[0].values)
    for difference in diffs:
        merged[difference.item] = " ".join(str(paper_values.get(difference.item, "")).split())
    typed = {k: v for k, v in merged.items() if k != DATE}
    reading = keying.read(definition, typed, paper_context(batch, definition))
    day = _read_date(merged.get(DATE, ""), reading)
    if not reading.ok:
        return reading
    merged = keying.normalized(definition, typed)
    if day is not None:
        merged[DATE] = day.isoformat()
    for difference in diffs:
        paper_value = merged.get(difference.item, "")
        first_wrong, second_wrong = attribute(difference, paper_value)
        db.session.add(
            PaperResolution(
                form_id=form.id,
                item_code=difference.item,
                first_value=difference.first,
                second_value=difference.second,
                paper_value=paper_value,
                first_wrong=first_wrong,
                second_wrong=second_wrong,
                resolved_by_id=supervisor.id,
            )
        )
    _make_submission(form, definition, merged)
    audit.record(
        "paper.resolve",
        "paper_form",
        form.serial,
        actor=supervisor.username,
        user_id=supervisor.id,
        after={"items": [d.item for d in diffs], "submission": form.submission_id},
    )
    return reading


def _require_open(campaign: Campaign) -> None:
    """Forms are keyed while the campaign is open and for SURVEY_PAPER_KEYING_DAYS after
    its last day (forms filled in on the last days arrive later); never after that."""
    if not accepting_paper(campaign):
        raise PaperError(
            _(
                "The campaign %(code)s no longer takes paper forms: they could be keyed "
                "until %(days)s days after its last day.",
                code=campaign.code,
                days=current_app.config["SURVEY_PAPER_KEYING_DAYS"],
            )
        )


def _make_submission(form: PaperForm, definition: Definition, values: Mapping[str, str]):
    _require_open(form.batch.campaign)
    batch = form.batch
    typed = {k: v for k, v in values.items() if k != DATE}
    reading = keying.read(definition, typed, paper_context(batch, definition))
    if not reading.ok:  # entries were checked when keyed; this guards the invariant
        raise PaperError(_("Form %(serial)s does not read cleanly.", serial=form.serial))
    answers = dict(reading.answers)
    service_id = None
    for question in definition.items:
        if isinstance(question, ServiceQuestion):
            service_id = answers.pop(question.code, None)
    now = utcnow()
    form.submission_id = insert_submission(
        batch.campaign,
        batch.agency,
        definition,
        answers,
        channel="paper",
        service_id=service_id,
        service_point_id=batch.service_point_id,
        started_at=None,
        submitted_at=now,
        interviewed_on=date.fromisoformat(values[DATE]) if values.get(DATE) else None,
    )
    form.status = "verified"
    db.session.flush()


@dataclass(frozen=True)
class KeyerQuality:
    keyer: User
    forms: int
    fields: int
    errors: int
    median_seconds: float | None

    @property
    def errors_per_thousand(self) -> float | None:
        return None if not self.fields else 1000 * self.errors / self.fields


@dataclass(frozen=True)
class BatchQuality:
    batch: Batch
    issued: int
    returned: int | None
    keyed_once: int
    keyed_twice: int
    verified: int
    adjudication: int
    missing: int
    duplicates: int


def quality(campaign: Campaign) -> tuple[list[KeyerQuality], list[BatchQuality]]:
    """Per keyer: forms, fields, attributed errors per 1,000 fields, median seconds per
    form; per batch: where every issued serial stands."""
    # A fixed number of queries whatever the number of batches, forms and entries.
    entries = db.session.scalars(
        select(PaperEntry)
        .join(PaperForm)
        .options(selectinload(PaperEntry.keyer))
        .where(PaperForm.campaign_id == campaign.id)
        .order_by(PaperEntry.id)
    ).all()
    keyers_of: dict[int, list[int]] = {}
    for entry in entries:
        keyers_of.setdefault(entry.form_id, []).append(entry.keyer_id)
    errors: dict[int, int] = {}
    resolutions = db.session.scalars(
        select(PaperResolution).join(PaperForm).where(PaperForm.campaign_id == campaign.id)
    ).all()
    for resolution in resolutions:
        first, second = keyers_of[resolution.form_id][:2]
        errors[first] = errors.get(first, 0) + resolution.first_wrong
        errors[second] = errors.get(second, 0) + resolution.second_wrong
    by_keyer: dict[int, list[PaperEntry]] = {}
    for entry in entries:
        by_keyer.setdefault(entry.keyer_id, []).append(entry)
    keyers = []
    for keyer_entries in by_keyer.values():
        seconds = [
            (e.finished_at - e.started_at).total_seconds() for e in keyer_entries if e.started_at
        ]
        keyers.append(
            KeyerQuality(
                keyer_entries[0].keyer,
                len(keyer_entries),
                sum(e.field_count for e in keyer_entries),
                errors.get(keyer_entries[0].keyer_id, 0),
                statistics.median(seconds) if seconds else None,
            )
        )
    forms_of: dict[int, list[tuple[int, str, int]]] = {}
    for form_id, batch_id, status, duplicates in db.session.execute(
        select(
            PaperForm.id, PaperForm.batch_id, PaperForm.status, PaperForm.duplicate_attempts
        ).where(PaperForm.campaign_id == campaign.id)
    ):
        forms_of.setdefault(batch_id, []).append((form_id, status, duplicates))
    batches = []
    for batch in db.session.scalars(
        select(Batch)
        .options(joinedload(Batch.agency), joinedload(Batch.surveyor))
        .where(Batch.campaign_id == campaign.id)
        .order_by(Batch.id)
    ):
        forms = forms_of.get(batch.id, [])
        keyed = [len(keyers_of.get(form_id, ())) for form_id, _status, _dup in forms]
        batches.append(
            BatchQuality(
                batch,
                issued=len(forms),
                returned=batch.returned_count,
                keyed_once=sum(1 for k in keyed if k == 1),
                keyed_twice=sum(1 for k in keyed if k == 2),
                verified=sum(1 for _f, status, _d in forms if status == "verified"),
                adjudication=sum(1 for _f, status, _d in forms if status == "adjudication"),
                missing=sum(1 for k in keyed if k == 0),
                duplicates=sum(d for _f, _s, d in forms),
            )
        )
    return sorted(keyers, key=lambda k: k.keyer.username), batches


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
