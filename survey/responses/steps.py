"""The survey in steps: one section per step, the answers kept on the server between
steps.

A respondent on a phone sees one section at a time and where it stands ("Step 2 of 5").
Next checks only that section; Back keeps what was typed, unchecked; the last step sends
the whole form through the same checks and the same exactly-once storage as the one-page
form. It works without JavaScript: a skip rule whose answers were given in earlier steps
is decided here, so a step shows only the items that apply to this respondent.

Every post is answered with a redirect to a page that is read with GET (Post/Redirect/
Get): each step has its own address (`?step=3`, `?all=1` for the one-page form, `&check=1`
when its problems are to be shown), so the phone's Back and Forward move between steps
and a reload never sends anything again. Between steps the answers live in
`survey_draft` under a keyed hash of the form page's one-time key, and go when the form is
sent (or a day after the last step). The browser keeps that key in its own signed session
cookie, per survey address (under a hash of the address: a link's token is not copied
into the cookie), from the first post of the form on.

A draft is sealed (AES-GCM) with a key derived from that one-time key, which only the
respondent's browser keeps: a database reader sees a blob and the hour it was saved,
never a half-answered form to join with an opened link (README.md, "Privacy").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from survey.db import utcnow
from survey.extensions import db
from survey.jobs.kinds import Periodic
from survey.questionnaires.definition import Definition, Section
from survey.questionnaires.types import Question
from survey.responses.models import SurveyDraft

DRAFT_MAX_AGE = timedelta(days=1)  # as long as a form page may be answered


@dataclass(frozen=True)
class Step:
    number: int  # from 1
    section: Section

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(q.code for q in self.section.items)


def steps_of(definition: Definition) -> list[Step]:
    sections = [s for s in definition.sections if s.items]
    return [Step(n, s) for n, s in enumerate(sections, start=1)]


def decided_earlier(step: Step, earlier: frozenset[str]) -> frozenset[str]:
    """Items of the step whose skip rule reads only answers of earlier steps."""
    return frozenset(
        q.code for q in step.section.items if q.show_if is not None and _reads(q) <= earlier
    )


def _reads(question: Question) -> set[str]:
    return {test.item for test in question.show_if.tests()}


def earlier_codes(steps: list[Step], step: Step) -> frozenset[str]:
    return frozenset(code for s in steps[: step.number - 1] for code in s.codes)


def formdata(
    definition: Definition,
    draft: dict[str, list[str]],
    posted: MultiDict | None = None,
    step: Step | None = None,
) -> MultiDict:
    """The whole form's data: the step's fields as posted, the others (all of them
    without a step) from the draft."""
    data = MultiDict()
    for question in definition.items:
        here = step is not None and question.code in step.codes
        source = posted.getlist(question.code) if here else None
        for value in source if source is not None else draft.get(question.code, []):
            data.add(question.code, value)
    return data


def step_values(posted: MultiDict, codes: Iterable[str]) -> dict[str, list[str]]:
    """What was posted for `codes`, bounded (a draft holds what a person could type)."""
    return {code: [v[:4000] for v in posted.getlist(code)][:50] for code in codes}


# How many surveys' keys one browser keeps at once (a few open tabs at one counter).
KEPT_FORMS = 5


def _address_key(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:16]


def keep_form(path: str, token: str) -> None:
    """Remember the form page's signed key for the survey at `path` in this browser."""
    kept = dict(session.get("forms") or {})
    kept.pop(_address_key(path), None)
    kept[_address_key(path)] = token
    session["forms"] = dict(list(kept.items())[-KEPT_FORMS:])


def kept_form(path: str) -> str | None:
    """The signed key of the form this browser is answering at `path`, if any."""
    token = (session.get("forms") or {}).get(_address_key(path))
    return token if isinstance(token, str) else None


def forget_form(path: str) -> None:
    kept = session.get("forms") or {}
    if _address_key(path) in kept:
        session["forms"] = {k: v for k, v in kept.items() if k != _address_key(path)}


def _key(nonce: str) -> str:
    # Not the submission's form key (a plain hash of the nonce): a draft names nothing.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"draft|{nonce}".encode(), hashlib.sha256).hexdigest()


def _this_hour():
    return utcnow().replace(minute=0, second=0, microsecond=0)


def _seal_key(nonce: str) -> bytes:
    # From the browser's one-time key alone: the server's secret does not open a draft.
    return hashlib.sha256(f"draft-seal|{nonce}".encode()).digest()


def seal(nonce: str, values: dict[str, list[str]]) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(12)
    sealed = AESGCM(_seal_key(nonce)).encrypt(iv, json.dumps(values).encode(), None)
    return {"sealed": base64.b64encode(iv + sealed).decode()}


def unseal(nonce: str, stored: dict) -> dict[str, list[str]]:
    """The draft's values; empty when it cannot be opened with this key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        blob = base64.b64decode(stored["sealed"])
        opened = AESGCM(_seal_key(nonce)).decrypt(blob[:12], blob[12:], None)
    except (KeyError, TypeError, ValueError, InvalidTag):
        return {}
    values = json.loads(opened)
    return values if isinstance(values, dict) else {}


def load(nonce: str) -> dict[str, list[str]]:
    draft = db.session.get(SurveyDraft, _key(nonce))
    if draft is None or draft.updated_at < _this_hour() - DRAFT_MAX_AGE:
        return {}
    return unseal(nonce, draft.values)


def save(nonce: str, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """Merge one step's values into the draft and commit; the whole draft as saved (the
    caller reads it on without reading it back)."""
    key = _key(nonce)
    merged = values
    for _attempt in range(2):
        draft = db.session.get(SurveyDraft, key)
        if draft is None or draft.updated_at < _this_hour() - DRAFT_MAX_AGE:
            merged = values
        else:
            merged = {**unseal(nonce, draft.values), **values}
        if draft is None:
            db.session.add(
                SurveyDraft(key=key, values=seal(nonce, merged), updated_at=_this_hour())
            )
        else:
            draft.values = seal(nonce, merged)
            draft.updated_at = _this_hour()
        try:
            db.session.commit()
            return merged
        except IntegrityError:  # the same step posted twice at once: the other one won
            db.session.rollback()
    return load(nonce)


def discard(nonce: str) -> None:
    db.session.execute(delete(SurveyDraft).where(SurveyDraft.key == _key(nonce)))
    db.session.commit()


def purge_expired() -> int:
    """Drafts nobody finished within a day: run by the workers' periodic task."""
    cutoff = _this_hour() - DRAFT_MAX_AGE
    removed = db.session.execute(delete(SurveyDraft).where(SurveyDraft.updated_at < cutoff))
    db.session.commit()
    return removed.rowcount


def _purge_now() -> str | None:
    purged = purge_expired()
    return f"removed {purged} unfinished survey drafts" if purged else None


# Surveys left half-way through: their answers go a day after the last step.
PURGE_DRAFTS = Periodic("survey.purge_survey_drafts", minute="17", run=_purge_now)
