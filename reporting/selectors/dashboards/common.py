"""What the dashboards share: the plan and quarters they show, and tasks' due days."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from campaigns.models import Commune, Plan, Task
from campaigns.timeframes import Timeframe, parse_timeframe
from reporting.models import PeriodKind, ReportingPeriod
from reporting.rollups.compute import plans_for_year
from reporting.selectors import rollups as rollup_selectors
from targets.status import (
    LAGGING as LAGGING,  # re-exported: the dashboards' readers use it
)

QUARTERS = (1, 2, 3, 4)
# A task falling due within this many days is "upcoming" on the dashboards.
UPCOMING_DAYS = 45
# How many reporting deadlines the commune dashboard lists.
DEADLINES_SHOWN = 5


# --- Plans and quarters ----------------------------------------------------------------------


def commune_plan(*, commune: Commune, today: date, year: int | None = None) -> tuple[Plan | None, int]:
    """The plan that carries the commune's figures for ``year`` (default: this year), chosen as
    the rollups choose it (rollups.plans_for_year). With no year asked and no plan for this
    year, the commune's most recent plan and the year of it nearest to today."""
    wanted = year or today.year
    chosen = plans_for_year(commune_ids=[commune.pk], year=wanted)
    if not chosen and year is None:
        latest = Plan.objects.filter(commune=commune).order_by("-end_year", "-start_year", "-pk").first()
        if latest is None:
            return None, wanted
        wanted = rollup_selectors.plan_current_year(plan=latest, today=today)
        chosen = plans_for_year(commune_ids=[commune.pk], year=wanted)
    if not chosen:
        return None, wanted
    return Plan.objects.select_related("commune", "commune__province").get(pk=chosen[0]), wanted


def figures_quarter(periods: list[ReportingPeriod], asked: int | None, *, today: date) -> int | None:
    """The quarter whose figures the dashboard shows: the one asked for, else the latest whose
    unit deadline has passed (not the latest with any data: one report accepted days before the
    deadline must not turn the page to a quarter still open), else the first quarter of the
    year (nothing is due yet, and its statuses say so). ``periods``: the year's quarters."""
    if asked in QUARTERS:
        return asked
    passed = [p.quarter for p in periods if p.quarter is not None and p.unit_deadline < today]
    if passed:
        return max(passed)
    quarters = sorted(p.quarter for p in periods if p.quarter is not None)
    return quarters[0] if quarters else None


def latest_due_year(*, commune: Commune, today: date) -> int | None:
    """The year of the commune's latest quarter past its unit deadline (one query): in January
    the dashboard still shows last year's fourth quarter."""
    return (ReportingPeriod.objects.filter(plan__commune=commune, kind=PeriodKind.QUARTERLY, unit_deadline__lt=today)
            .order_by("-year", "-quarter").values_list("year", flat=True).first())


def status_period(periods: list[ReportingPeriod], *, today: date, quarter: int | None) -> ReportingPeriod | None:
    """The quarterly period whose reports matter now: the one asked for, else one open for
    entry (the earliest deadline), else the last that opened, else the next to open."""
    if quarter is not None:
        return next((p for p in periods if p.quarter == quarter), None)
    open_now = [p for p in periods if p.opens_on <= today <= p.locks_on]
    if open_now:
        return min(open_now, key=lambda p: (p.unit_deadline, p.pk))
    opened = [p for p in periods if p.opens_on <= today]
    if opened:
        return max(opened, key=lambda p: (p.unit_deadline, p.pk))
    return min(periods, key=lambda p: (p.opens_on, p.pk)) if periods else None


# --- Task deadlines ---------------------------------------------------------------------------


def quarter_end(year: int, quarter: int) -> date:
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def timeframe_due(timeframe: Timeframe) -> date | None:
    """The day a task is due by its timeframe: a date's day, a range's end, the last quarter's
    last day. Recurring and external timeframes have no due day."""
    if timeframe.kind in ("date", "range"):
        return timeframe.date_end or timeframe.date_start
    if timeframe.kind == "quarters" and timeframe.quarters:
        ends = []
        for item in timeframe.quarters:
            year, _sep, quarter = item.partition("-Q")
            if year.isdigit() and quarter in ("1", "2", "3", "4"):
                ends.append(quarter_end(int(year), int(quarter)))
        return max(ends) if ends else None
    return None


@dataclass(frozen=True)
class TaskDue:
    task: Task
    due: date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


@dataclass
class TaskDeadlines:
    overdue: list[TaskDue] = field(default_factory=list)
    upcoming: list[TaskDue] = field(default_factory=list)
    done: int = 0  # tasks with a due day that were reported done


def task_deadlines(tasks: list[Task], *, done_ids: set[int], today: date) -> TaskDeadlines:
    """Tasks past their due day and not reported done (most overdue first), and tasks due in
    the next UPCOMING_DAYS days (soonest first)."""
    result = TaskDeadlines()
    for task in tasks:
        due = timeframe_due(parse_timeframe(task.timeframe_text))
        if due is None:
            continue
        if task.pk in done_ids:
            result.done += 1
            continue
        item = TaskDue(task=task, due=due, days_left=(due - today).days)
        if item.overdue:
            result.overdue.append(item)
        elif item.days_left <= UPCOMING_DAYS:
            result.upcoming.append(item)
    result.overdue.sort(key=lambda item: (item.due, item.task.order))
    result.upcoming.sort(key=lambda item: (item.due, item.task.order))
    return result


def assignable(tasks: Q | None = None) -> Q:
    """Tasks a unit carries out (Task.is_assignable as a filter), optionally narrowed."""
    base = Q(lead_unit__isnull=False) | ~Q(lead_text="")
    return base if tasks is None else base & tasks
