"""The offer to leave a recommendation, made to a person who has just answered the survey:
which campaign and agency it goes to, kept in their own signed session cookie (never on
the server, so nothing stored pairs it with the answer) for an hour, once."""

from __future__ import annotations

import time

from flask import session

KEY = "recommend"
OFFER_SECONDS = 3600


def offer(campaign_id: int, agency_id: int) -> None:
    session[KEY] = {"c": campaign_id, "a": agency_id, "t": int(time.time())}


def offered() -> tuple[int, int] | None:
    """(campaign id, agency id) of a fresh offer, or None."""
    kept = session.get(KEY)
    if not isinstance(kept, dict):
        return None
    when = kept.get("t")
    if not isinstance(when, int) or time.time() - when > OFFER_SECONDS:
        return None
    campaign, agency = kept.get("c"), kept.get("a")
    if not (isinstance(campaign, int) and isinstance(agency, int)):
        return None
    return campaign, agency


def withdraw() -> None:
    session.pop(KEY, None)
