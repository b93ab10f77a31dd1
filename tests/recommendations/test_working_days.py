"""Working days: weekends and the government's days off (Tết above all) do not count."""

from datetime import date

import pytest

from survey.recommendations import working_days
from survey.recommendations.working_days import CalendarError, read_calendar


def test_a_recommendation_on_the_eve_of_tet_is_due_after_the_holiday():
    """Received Friday 13 February 2026; Tết closes offices from Saturday 14 to Sunday 22
    (16-20 are days off). Ten working days: 23-27 February and 2-6 March."""
    assert working_days.add(date(2026, 2, 13), 10) == date(2026, 3, 6)
    # Without the holiday it would have been Friday 27 February.
    assert working_days.is_working_day(date(2026, 2, 18)) is False
    assert working_days.day_off_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert working_days.day_off_name(date(2026, 2, 17), "en") == "Lunar New Year"


def test_reply_times_count_working_days_after_the_day_received():
    received = date(2026, 2, 13)
    assert working_days.between(received, received) == 0
    assert working_days.between(received, date(2026, 2, 22)) == 0  # all of Tết
    assert working_days.between(received, date(2026, 2, 23)) == 1
    assert working_days.between(received, date(2026, 3, 6)) == 10


def test_weekend_days_worked_in_exchange_count_and_their_substitutes_do_not():
    # 2026: Saturday 22 August is worked so that Monday 31 August is off.
    assert working_days.is_working_day(date(2026, 8, 22))
    assert not working_days.is_working_day(date(2026, 8, 31))
    assert working_days.add(date(2026, 8, 21), 1) == date(2026, 8, 22)


def test_a_year_the_calendar_does_not_list_comes_from_the_lunar_rules():
    # Tết 2030 is 3 February (a Sunday): the days around it are off.
    assert not working_days.is_working_day(date(2030, 2, 4))
    assert working_days.is_working_day(date(2030, 3, 4))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("years: [1, 2]", "mapping 'years'"),
        ("years: {2026: {days_off: [{date: 2025-01-01}]}}", "year 2026, day off #1"),
        ("years: {2026: {weekend_days_worked: [2026-08-24]}}", "Saturdays or Sundays"),
    ],
)
def test_a_broken_calendar_says_where(text, message):
    with pytest.raises(CalendarError, match=message):
        read_calendar(text)


def test_the_shipped_calendar_reads():
    years = read_calendar(working_days.CALENDAR_PATH.read_text(encoding="utf-8"))
    assert {2025, 2026, 2027} <= set(years)
