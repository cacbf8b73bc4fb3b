from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.deadlines import (
    EntryState,
    entry_state,
    month_day,
    on_time,
    period_dates,
    quarter_deadline,
)

UTC = ZoneInfo("UTC")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("year", "quarter", "day", "offset", "expected"),
    [
        (2026, 1, 15, 0, date(2026, 3, 15)),
        (2026, 2, 31, 0, date(2026, 6, 30)),  # June has 30 days: the last day
        (2026, 4, 15, 0, date(2026, 12, 15)),
        (2026, 4, 10, 1, date(2027, 1, 10)),  # the month after Q4 is next January
        (2027, 4, 30, 2, date(2028, 2, 29)),  # 2028 is a leap year
        (2026, 4, 30, 2, date(2027, 2, 28)),
        (2099, 4, 29, 2, date(2100, 2, 28)),  # 2100 is not a leap year
    ],
)
def test_quarter_deadline(year: int, quarter: int, day: int, offset: int, expected: date) -> None:
    assert quarter_deadline(year, quarter, day=day, month_offset=offset) == expected


def test_month_day_clamps_to_the_last_day() -> None:
    assert month_day(2024, 2, 31) == date(2024, 2, 29)
    assert month_day(2025, 14, 1) == date(2026, 2, 1)


def test_period_dates_follow_the_plan_rule() -> None:
    dates = period_dates(year=2026, quarter=1, unit_day=15, unit_offset=0, commune_day=30,
                         commune_offset=0, opens_days_before=30, lock_after_days=10)
    assert dates.opens_on == date(2026, 2, 13)
    assert dates.unit_deadline == date(2026, 3, 15)
    assert dates.commune_deadline == date(2026, 3, 30)
    assert dates.locks_on == date(2026, 3, 25)


def test_on_time_counts_the_whole_last_day_in_vietnam() -> None:
    deadline = date(2026, 3, 15)
    # 23:59 local on the deadline (16:59 UTC): on time.
    assert on_time(datetime(2026, 3, 15, 16, 59, tzinfo=UTC), deadline)
    # 00:30 local the next day is 17:30 UTC on the 15th: already late in Vietnam.
    assert not on_time(datetime(2026, 3, 15, 17, 30, tzinfo=UTC), deadline)
    assert on_time(datetime(2026, 3, 15, 23, 59, tzinfo=VN), deadline)
    assert not on_time(None, deadline)


def test_entry_window_and_lock_exception() -> None:
    opens, locks = date(2026, 2, 13), date(2026, 3, 25)
    assert entry_state(opens_on=opens, locks_on=locks, today=date(2026, 2, 12), exception_until=None) == EntryState.NOT_OPEN
    assert entry_state(opens_on=opens, locks_on=locks, today=opens, exception_until=None) == EntryState.OPEN
    assert entry_state(opens_on=opens, locks_on=locks, today=locks, exception_until=None) == EntryState.OPEN
    assert entry_state(opens_on=opens, locks_on=locks, today=date(2026, 3, 26), exception_until=None) == EntryState.LOCKED
    assert entry_state(opens_on=opens, locks_on=locks, today=date(2026, 3, 26),
                       exception_until=date(2026, 3, 31)) == EntryState.OPEN
    assert entry_state(opens_on=opens, locks_on=locks, today=date(2026, 4, 1),
                       exception_until=date(2026, 3, 31)) == EntryState.LOCKED
