"""Deadline and lock arithmetic for reporting periods, in Vietnamese local days.

Dates are whole days in Asia/Ho_Chi_Minh (settings.TIME_ZONE): a report sent at 23:59 local
time on the deadline is on time, one sent at 00:00 the next local day is late, whatever the
server's clock zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def quarter_last_month(quarter: int) -> int:
    return quarter * 3


def month_day(year: int, month: int, day: int) -> date:
    """The day of a month, clamped to its last day (31 → 30 June, 30 → 28/29 February)."""
    while month > 12:
        month -= 12
        year += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last))


def quarter_deadline(year: int, quarter: int, *, day: int, month_offset: int) -> date:
    """``month_offset`` 0 is the quarter's last month, 1 the month after the quarter…"""
    return month_day(year, quarter_last_month(quarter) + month_offset, day)


@dataclass(frozen=True)
class PeriodDates:
    opens_on: date
    unit_deadline: date
    commune_deadline: date
    locks_on: date


def period_dates(*, year: int, quarter: int, unit_day: int, unit_offset: int, commune_day: int,
                 commune_offset: int, opens_days_before: int, lock_after_days: int) -> PeriodDates:
    unit_deadline = quarter_deadline(year, quarter, day=unit_day, month_offset=unit_offset)
    commune_deadline = quarter_deadline(year, quarter, day=commune_day, month_offset=commune_offset)
    return PeriodDates(
        opens_on=unit_deadline - timedelta(days=opens_days_before),
        unit_deadline=unit_deadline,
        commune_deadline=max(commune_deadline, unit_deadline),
        locks_on=unit_deadline + timedelta(days=lock_after_days),
    )


def local_today() -> date:
    return timezone.localdate()


@cache
def portal_zone() -> ZoneInfo:
    """Deadlines are days in Vietnam (TIME_ZONE), whatever time zone a request runs in."""
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(portal_zone()).date()


def day_end(day: date) -> datetime:
    """The first moment after ``day`` in Vietnam: ``local_day(t) <= day`` is ``t < day_end(day)``."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=portal_zone())


def on_time(submitted_at: datetime | None, deadline: date) -> bool:
    return submitted_at is not None and local_day(submitted_at) <= deadline


class EntryState:
    NOT_OPEN = "not_open"
    OPEN = "open"
    LOCKED = "locked"


def entry_state(*, opens_on: date, locks_on: date, today: date, exception_until: date | None) -> str:
    if today < opens_on:
        return EntryState.NOT_OPEN
    if today <= locks_on or (exception_until is not None and today <= exception_until):
        return EntryState.OPEN
    return EntryState.LOCKED
