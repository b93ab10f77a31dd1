"""Keying paper forms: one keyer's entry of a form (refused early when the serial is wrong
or theirs already), the second entry where the campaign verifies, adjudication of what
differs by someone who keyed neither, and exactly one submission per form.

Every write flushes and is audited; callers commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from survey.agencies.models import Service
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.campaigns.services import accepting_paper
from survey.db import utcnow
from survey.extensions import db
from survey.local_time import today
from survey.paper import keying
from survey.paper.compare import Difference, attribute, differences
from survey.paper.errors import PaperError
from survey.paper.models import Batch, PaperEntry, PaperForm, PaperResolution
from survey.paper.serials import (
    is_well_formed,
    normalize,
)
from survey.questionnaires.definition import Definition
from survey.questionnaires.types import InvalidAnswer, PaperContext
from survey.responses.submit import insert_submission
from survey.users.models import User

# The date written on the form (ISO text), keyed, compared and adjudicated like an item:
# it, not the day of keying, places the form in the campaign period.
DATE = "@date"


# A keyer's time on a form counts towards the median only when plausible.
LONGEST_ENTRY = timedelta(hours=2)


def paper_context(batch: Batch, definition: Definition) -> PaperContext:
    numbers = sorted(batch.service_numbers, key=int)
    return PaperContext(
        no_answer_code=definition.no_answer_code,
        services=tuple(batch.service_numbers[n] for n in numbers),
    )


def code_meanings(batch: Batch, definition: Definition, language: str) -> dict[str, dict[str, str]]:
    """What each code a keyer may type means on the batch's printed form, item by item:
    the words beside the box, the service printed under that number, the blank."""
    paper = paper_context(batch, definition)
    names = {
        service.id: service.name_vi if language == "vi" else service.name_en
        for service in db.session.scalars(select(Service).where(Service.id.in_(paper.services)))
    }
    meanings: dict[str, dict[str, str]] = {}
    for question in definition.items:
        labels = question.value_labels(definition.satisfaction_scale, language)
        meaning = {str(code): label for code, label in labels.items()}
        if question is definition.service_item:
            meaning = {str(n): names.get(s, "") for n, s in enumerate(paper.services, start=1)}
        if question.paper_codes(paper) is not None:
            meaning[str(paper.no_answer_code)] = _("blank on the paper")
        meanings[question.code] = meaning
    return meanings


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
    definition = batch.definition()
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
    definition = batch.definition()
    diffs = pending_differences(form, definition)
    merged = dict(form.entries[0].values)
    for difference in diffs:
        merged[difference.item] = " ".join(str(paper_values.get(difference.item, "")).split())
    typed = {k: v for k, v in merged.items() if k != DATE}
    reading = keying.read(definition, typed, paper_context(batch, definition))
    if any(difference.item == DATE for difference in diffs):
        # Typed now from the paper, day first as on the keying screen.
        day = _read_date(merged.get(DATE, ""), reading)
    else:
        # Both entries agree on the date: it is stored already (ISO), not retyped.
        day = date.fromisoformat(merged[DATE]) if merged.get(DATE) else None
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
    service = definition.service_item
    service_id = answers.pop(service.code, None) if service else None
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
