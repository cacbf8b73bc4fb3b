"""Rollup fixtures written directly (the reporting services are tested elsewhere): 2026 plans
with their quarters, targets with reporting units, reports with values, and the rollups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from campaigns.models import Commune
from reporting.models import IndicatorValue, ReportingPeriod, ReportState, UnitReport
from reporting.rollups.compute import rollup_run
from reporting.services.periods import reporting_periods_sync
from tests.factories import PlanFactory, TargetFactory
from tests.quarter import ADULTS, NEWS, ind
from tests.quarter import VNEID as VNEID  # re-exported for the rollup tests

YEAR = 2026


def period(plan: Any, quarter: int) -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=plan, year=YEAR, quarter=quarter)


def report(unit: Any, period: ReportingPeriod, state: str = ReportState.ACCEPTED, *,
           adults: tuple[int, int] | None = None, news: int | None = None) -> UnitReport:
    """A report in ``state`` (sent unless a draft) with its values."""
    made, _ = UnitReport.objects.get_or_create(period=period, unit=unit)
    sent = timezone.now() if state != ReportState.DRAFT else None
    UnitReport.objects.filter(pk=made.pk).update(state=state, first_submitted_at=sent, submitted_at=sent)
    if adults is not None:
        IndicatorValue.objects.create(report=made, indicator=ind(ADULTS), numerator=adults[0],
                                      denominator=adults[1])
    if news is not None:
        IndicatorValue.objects.create(report=made, indicator=ind(NEWS), value=news)
    made.refresh_from_db()
    return made


def target(plan: Any, code: str, value: int, units: list[Any]) -> Any:
    made: Any = TargetFactory(plan=plan, indicator=ind(code), value=value)
    made.reporting_units.set(units)
    return made


def plan(commune: Any) -> Any:
    """A 2026 plan of the commune with its four quarterly periods."""
    made: Any = PlanFactory(commune=commune)
    reporting_periods_sync(plan=made)
    return made


def roll(province: Any, quarters: tuple[int, ...] = (1, 2)) -> None:
    commune_ids = list(Commune.objects.filter(province=province).values_list("pk", flat=True))
    for quarter in quarters:
        rollup_run(year=YEAR, quarter=quarter, commune_ids=commune_ids)


def deadlines(plan: Any, *, passed: tuple[int, ...], next_in: int = 30) -> None:
    """Pin the unit deadlines of the plan's YEAR quarters to the real current day: the quarters
    in ``passed`` are behind it (in order), the others ahead of it (the first in ``next_in``
    days), whatever the day the suite runs on. The other dates move only as far as the
    deadline needs (the tests that pin "today" to May 2026 still see Q1 and Q2 opened)."""
    today = timezone.localdate()
    ahead = [quarter for quarter in (1, 2, 3, 4) if quarter not in passed]
    for period in ReportingPeriod.objects.filter(plan=plan, year=YEAR, quarter__isnull=False):
        quarter = period.quarter
        if quarter in passed:
            deadline = today - timedelta(days=50 - 10 * quarter)
        else:
            deadline = today + timedelta(days=next_in + 30 * ahead.index(quarter))
        ReportingPeriod.objects.filter(pk=period.pk).update(
            opens_on=min(period.opens_on, deadline), unit_deadline=deadline,
            commune_deadline=max(period.commune_deadline, deadline),
            locks_on=max(period.locks_on, deadline + timedelta(days=10)))
