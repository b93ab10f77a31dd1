"""Times are stored in UTC and lived in the province's zone: shown with the zone named,
and answers dated by the local day when they are checked against the campaign period."""

from datetime import date, datetime

import numpy as np
import pytest

from survey import local_time
from survey.config import ConfigError, load_config
from survey.runs.screening import _outside


def test_a_stored_time_is_shown_in_vietnam_time_with_the_zone_named(app):
    with app.test_request_context("/?lang=en"):
        assert local_time.shown(datetime(2026, 12, 2, 3, 37)) == "02/12/2026 10:37 GMT+07:00"
        assert local_time.shown(datetime(2026, 12, 2, 20, 5), day=True) == "03/12/2026"


def test_answers_are_dated_by_the_local_day_for_the_period_check(app):
    utc = np.array(
        [
            "2025-12-31T18:00",  # 01:00 on 1 January in Vietnam: inside a 2026 period
            "2026-06-30T16:59",  # 23:59 on 30 June: inside
            "2026-06-30T17:00",  # 00:00 on 1 July: outside
        ],
        dtype="datetime64[us]",
    )
    with app.app_context():
        days = local_time.local_days(utc)
    assert days.astype(str).tolist() == ["2026-01-01", "2026-06-30", "2026-07-01"]

    class Rows:
        submitted_at = utc
        channel = np.array(["web-qr"] * 3)
        interviewed_on = np.array(["NaT"] * 3, dtype="datetime64[D]")

    outside = _outside(Rows, (date(2026, 1, 1), date(2026, 6, 30)), days)
    assert outside.tolist() == [False, False, True]
    in_utc = _outside(Rows, (date(2026, 1, 1), date(2026, 6, 30)), None)
    assert in_utc.tolist() == [True, False, False], "UTC days would misjudge both ends"


def test_another_zone_can_be_configured_and_a_wrong_one_is_refused(tmp_path):
    config = load_config({"SURVEY_ENV": "test", "SURVEY_TIMEZONE": "Asia/Bangkok"}, tmp_path)
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Bangkok"
    with pytest.raises(ConfigError, match="SURVEY_TIMEZONE='Hanoi'"):
        load_config({"SURVEY_ENV": "test", "SURVEY_TIMEZONE": "Hanoi"}, tmp_path)
