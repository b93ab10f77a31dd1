"""Times as the province lives them. Stored in UTC; shown, exported and compared with
campaign periods in SURVEY_TIMEZONE (default Asia/Ho_Chi_Minh), with the zone named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app

PATTERN = "dd/MM/yyyy HH:mm ZZZZ"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today() -> date:
    return datetime.now(zone()).date()


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time in the province's zone, aware."""
    return moment.replace(tzinfo=UTC).astimezone(zone())


def local_days(utc: np.ndarray) -> np.ndarray:
    """The local calendar days of naive-UTC datetime64 values (daylight saving included)."""
    import pandas as pd

    if utc.size == 0:
        return utc.astype("datetime64[D]")
    stamps = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(zone()).tz_localize(None)
    return stamps.to_numpy().astype("datetime64[D]")


def shown(moment: datetime | None, seconds: bool = False, day: bool = False) -> str:
    """For pages and reports: "02/12/2026 10:37 GMT+07:00" (or only the local day),
    in the page's language."""
    if moment is None:
        return ""
    from babel.dates import format_datetime
    from flask_babel import get_locale

    pattern = PATTERN.replace("HH:mm", "HH:mm:ss") if seconds else PATTERN
    pattern = "dd/MM/yyyy" if day else pattern
    return format_datetime(
        moment.replace(tzinfo=UTC), pattern, tzinfo=zone(), locale=get_locale() or "vi"
    )
