"""Storing one citizen's answers: submission, answers and the invitation's use in one
transaction, stored exactly once however often the page is posted.

Nothing written here lets a database reader pair a submission with the invitation it
came through (README.md, "Privacy"): the invitation forgets its dossier, service, days and
channel as it is used, keeping what the answer carries anyway (survey/campaigns/
link_use.py); the submission keeps no invitation, no start time and its time only to the
minute; and after each use the agency's used invitations are rewritten together so that
PostgreSQL's row versions (xmin) do not say which was used in which transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, exists, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from analysis import selection
from survey.agencies.models import Agency, ServicePoint
from survey.campaigns import link_use
from survey.campaigns.models import Campaign, Invitation
from survey.db import to_the_minute, utcnow
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.responses import coded
from survey.responses.entries import CampaignRef, Entry, Gone, Named
from survey.responses.models import Answer, Submission


def form_key_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def already_sent(nonce: str) -> bool:
    """Whether the form page with this one-time key was stored already."""
    return (
        db.session.scalar(select(Submission.id).where(Submission.form_key == form_key_hash(nonce)))
        is not None
    )


def client_hash(campaign: Campaign | CampaignRef, address: str, user_agent: str) -> str:
    """A keyed hash of the client that changes with each campaign: enough to see bursts
    from one device at one point, useless for following anyone across campaigns."""
    key = f"{current_app.config['SECRET_KEY']}|client|{campaign.code}".encode()
    return hmac.new(key, f"{address}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def record(
    entry: Entry,
    definition: Definition,
    answers: dict[str, Any],
    *,
    nonce: str,
    started_at: datetime | None,
    client: str | None,
) -> int | None:
    """Store the answers and return the submission's id; None when this form or this
    invitation was already used.

    Commits on success and rolls back on a duplicate, so a second post of the same page,
    or a second tab of the same link, ends with exactly one stored submission.
    """
    now = utcnow()
    try:
        service_item = definition.service_item
        values = {
            q.code: q.coerce(answers[q.code])
            for q in definition.items
            if q.code in answers and not q.on_submission
        }
        invitation = entry.invitation
        if invitation is not None:
            # Claim the link first: the row lock makes concurrent posts wait, and only
            # one of them finds it unused.
            claimed = db.session.execute(
                update(Invitation)
                .where(Invitation.id == invitation.id, ~Invitation.used)
                .values(used=True, **link_use.FORGOTTEN)
            ).rowcount
            if claimed != 1:
                db.session.rollback()
                return None
            if invitation.selection_probability is not None:
                link_use.count(
                    entry.campaign.id,
                    entry.agency.id,
                    invitation.dossier_channel,
                    outcome(definition, values),
                )
        submission_id = insert_submission(
            entry.campaign,
            entry.agency,
            definition,
            values,
            channel=entry.channel,
            service_id=answers.get(service_item.code) if service_item else None,
            service_point_id=entry.point.id if entry.point else None,
            started_at=started_at,
            submitted_at=now,
            client_hash=client,
            form_key=form_key_hash(nonce),
            selection_probability=invitation.selection_probability if invitation else None,
            dossier_timeliness=invitation.dossier_timeliness if invitation else None,
            while_open=True,
        )
        if submission_id is None:
            db.session.rollback()
            raise Gone("ended")
        db.session.commit()
    except IntegrityError:
        # The same form page posted twice (double click, refresh, back button): the first
        # one is stored; this one is not.
        db.session.rollback()
        return None
    if entry.invitation is not None:
        link_use.blend(entry.campaign.id, entry.agency.id)
    return submission_id


def mark_opened(invitation_id: int) -> None:
    """That a link was opened (a flag, not a day): a link opened and never sent is a
    breakoff or refusal, one never opened a non-contact (response rates, AAPOR)."""
    opened = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, ~Invitation.opened, ~Invitation.used)
        .values(opened=True)
    ).rowcount
    if opened:
        db.session.commit()


def outcome(definition: Definition, values: dict[str, Any]) -> str:
    """How an invitation ended, by the AAPOR rule of thumb on the index items shown
    (analysis.selection.outcome): complete, partial or breakoff."""
    shown = {q.code for q in definition.visible_items(values)}
    items = [q.code for q in definition.satisfaction_items if q.code in shown]
    answered = sum(1 for code in items if values.get(code) is not None)
    return selection.outcome(answered, len(items))


def insert_submission(
    campaign: Campaign | CampaignRef,
    agency: Agency | Named,
    definition: Definition,
    values: dict[str, Any],
    *,
    channel: str,
    service_id: int | None,
    service_point_id: int | None,
    started_at: datetime | None,
    submitted_at: datetime,
    client_hash: str | None = None,
    form_key: str | None = None,
    dossier_hash: str | None = None,
    interviewed_on: date | None = None,
    selection_probability: float | None = None,
    dossier_timeliness: str | None = None,
    village_id: int | None = None,
    while_open: bool = False,
) -> int | None:
    """Write a submission and its answer rows; the caller commits.

    `values` are coerced answers by item code (the service goes in `service_id`). Only
    the duration is kept of `started_at`, and `submitted_at` only to the minute.

    `while_open`: write only if the campaign is open and the service point (if any)
    active, checked by the INSERT itself, and return None otherwise. The survey reads
    both from a short-lived cache (survey/responses/entries.py); this is the check that
    decides.
    """
    row = {
        "campaign_id": campaign.id,
        "questionnaire_version_id": campaign.version_id(definition.respondent_type),
        "agency_id": agency.id,
        "service_id": service_id,
        "service_point_id": service_point_id,
        "channel": channel,
        "respondent_type": definition.respondent_type,
        "submitted_at": to_the_minute(submitted_at),
        "duration_seconds": (
            int((submitted_at - started_at).total_seconds()) if started_at else None
        ),
        "client_hash": client_hash,
        "form_key": form_key,
        "dossier_hash": dossier_hash,
        "interviewed_on": interviewed_on,
        "selection_probability": selection_probability,
        "dossier_timeliness": dossier_timeliness,
        "village_id": village_id,
        "coded_answers": coded.encode(coded.coded_items(definition), values),
    }
    if while_open and db.session.get_bind().dialect.name == "postgresql":
        return _insert_in_one_statement(row, values)
    if while_open:
        guarded = _guarded_insert(at_point=service_point_id is not None)
        submission_id = db.session.execute(guarded, row).scalar()
        if submission_id is None:
            return None
    else:
        submission_id = db.session.execute(
            insert(Submission).returning(Submission.id), row
        ).scalar_one()
    # Plain inserts, not ORM objects: a form has some forty answers and this is the
    # hottest write of the platform.
    arrays = _answer_arrays(values)
    if arrays["codes"]:
        _insert_answers(submission_id, arrays)
    return submission_id


def _answer_arrays(values: dict[str, Any]) -> dict[str, list]:
    """The answer rows as four parallel lists (a multiple choice gives one row per
    value): what PostgreSQL unnests, and what other databases insert row by row."""
    arrays: dict[str, list] = {"codes": [], "positions": [], "ints": [], "texts": []}
    for code, value in values.items():
        for position, single in enumerate(value if isinstance(value, list) else [value]):
            as_int = isinstance(single, int)
            arrays["codes"].append(code)
            arrays["positions"].append(position)
            arrays["ints"].append(single if as_int else None)
            arrays["texts"].append(None if as_int else single)
    return arrays


_SUBMISSION_COLUMNS = (
    "campaign_id, questionnaire_version_id, agency_id, service_id, service_point_id, "
    "channel, respondent_type, submitted_at, duration_seconds, client_hash, form_key, "
    "dossier_hash, interviewed_on, selection_probability, dossier_timeliness, coded_answers"
)
# The answer a respondent sends, on PostgreSQL: the submission (only while the campaign is
# open and the point active) and its answers in one statement, one round trip, through
# the driver (the statement is fixed; only its values change).
_ONE_STATEMENT = (  # noqa: S608 - formatted from the constant column names only
    "WITH new AS (INSERT INTO submission ({columns}) SELECT {values} "
    "WHERE EXISTS (SELECT 1 FROM campaign WHERE id = %(campaign_id)s AND status = 'open') "
    "AND (%(service_point_id)s::integer IS NULL OR EXISTS (SELECT 1 FROM service_point "
    "WHERE id = %(service_point_id)s::integer AND active)) RETURNING id), "
    "answers AS (INSERT INTO answer (submission_id, item_code, position, value_int, "
    "value_text) SELECT new.id, u.* FROM new, unnest(%(codes)s::varchar[], "
    "%(positions)s::integer[], %(ints)s::integer[], %(texts)s::varchar[]) AS u) "
    "SELECT id FROM new"
).format(
    columns=_SUBMISSION_COLUMNS,
    values=", ".join(f"%({c})s" for c in _SUBMISSION_COLUMNS.split(", ")),
)


def _insert_in_one_statement(row: dict[str, Any], values: dict[str, Any]) -> int | None:
    import psycopg

    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(_ONE_STATEMENT, {**row, **_answer_arrays(values)})
    except psycopg.errors.UniqueViolation as error:
        # The same form page stored already: as the ORM path says it.
        raise IntegrityError(_ONE_STATEMENT, None, error) from error
    found = cursor.fetchone()
    return found[0] if found else None


# PostgreSQL takes the answers as five arrays in one fixed statement: a fraction of the
# work of one statement per row (executemany) or of a VALUES list as long as the form.
_UNNEST_ANSWERS = text(
    "INSERT INTO answer (submission_id, item_code, position, value_int, value_text) "
    "SELECT :submission_id, * FROM unnest("
    "CAST(:codes AS varchar[]), CAST(:positions AS integer[]), "
    "CAST(:ints AS integer[]), CAST(:texts AS varchar[]))"
)


def _insert_answers(submission_id: int, arrays: dict[str, list]) -> None:
    # (The survey's own path on PostgreSQL writes answers with the submission, below.)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_UNNEST_ANSWERS, {"submission_id": submission_id, **arrays})
    else:
        rows = [
            {
                "submission_id": submission_id,
                "item_code": code,
                "position": position,
                "value_int": value_int,
                "value_text": value_text,
            }
            for code, position, value_int, value_text in zip(
                arrays["codes"], arrays["positions"], arrays["ints"], arrays["texts"], strict=True
            )
        ]
        db.session.execute(insert(Answer.__table__), rows)


@cache
def _guarded_insert(at_point: bool):
    """INSERT … SELECT the row WHERE the campaign is open (and the point active). Built
    once: the statement is the same for every submission, only its values change."""
    table = Submission.__table__
    values = [bindparam(c.key, type_=c.type) for c in table.c if c.key != "id"]
    chosen = select(*values).where(
        exists().where(Campaign.id == bindparam("campaign_id"), Campaign.status == "open")
    )
    if at_point:
        chosen = chosen.where(
            exists().where(ServicePoint.id == bindparam("service_point_id"), ServicePoint.active)
        )
    return (
        insert(table)
        .from_select([c.key for c in table.c if c.key != "id"], chosen)
        .returning(table.c.id)
    )
