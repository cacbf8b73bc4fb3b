"""A unit's reports and its home: what is due, by when, and its tasks falling due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from campaigns.models import Task, Unit
from campaigns.timeframes import Timeframe, parse_timeframe
from reporting.deadlines import EntryState, entry_state
from reporting.models import (
    LockException,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskProgress,
    TaskStatus,
    UnitReport,
)
from reporting.selectors import reports as selectors
from reporting.selectors.dashboards.common import TaskDeadlines, task_deadlines
from targets.models import Target


@dataclass
class UnitPeriod:
    period: ReportingPeriod
    report: UnitReport | None
    entry: str
    extended_until: date | None
    today: date
    return_reason: str = ""

    @property
    def received(self) -> bool:
        return self.report is not None and self.report.first_submitted_at is not None

    @property
    def overdue(self) -> bool:
        return not self.received and self.today > self.period.unit_deadline

    @property
    def days_left(self) -> int:
        return (self.period.unit_deadline - self.today).days

    @property
    def needs_work(self) -> bool:
        """Something for the unit to do now: a report to fill in, finish or correct."""
        editable = self.report is None or self.report.is_editable_state
        return self.entry == EntryState.OPEN and editable


def unit_periods(*, unit: Unit, today: date) -> list[UnitPeriod]:
    """Every period of the commune's plans that the unit owes, in a constant number of queries.

    Same rule as selectors.report_rows (a target of the year it reports, or a task of the period
    it leads or coordinates), evaluated for all periods at once rather than period by period.
    """
    periods = list(ReportingPeriod.objects.filter(plan__commune_id=unit.commune_id).select_related("plan"))
    plan_ids = {p.plan_id for p in periods}
    target_years = set(Target.objects.filter(plan_id__in=plan_ids, reporting_units=unit)
                       .values_list("plan_id", "year"))
    timeframes: dict[int, list[Timeframe]] = {}
    tasks = (Task.objects.filter(plan_id__in=plan_ids).filter(Q(lead_unit=unit) | Q(coordinators__unit=unit))
             .distinct().only("pk", "plan_id", "timeframe_text"))
    for task in tasks:
        timeframes.setdefault(task.plan_id, []).append(parse_timeframe(task.timeframe_text))
    reports = selectors.unit_reports_by_period(unit=unit)
    extended: dict[int, date] = {}
    for period_id, until in LockException.objects.filter(unit=unit).values_list("period_id", "until"):
        extended[period_id] = max(until, extended.get(period_id, until))
    lines = []
    for period in periods:
        owes = (period.plan_id, period.year) in target_years or any(
            period.quarter is None or tf.covers_quarter(period.year, period.quarter) is not False
            for tf in timeframes.get(period.plan_id, []))
        if not owes and period.pk not in reports:
            continue
        lines.append(UnitPeriod(
            period=period, report=reports.get(period.pk), extended_until=extended.get(period.pk), today=today,
            entry=entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today,
                              exception_until=extended.get(period.pk))))
    # What can be filled in now first, then what comes next, then the past (newest first).
    order = {EntryState.OPEN: 0, EntryState.NOT_OPEN: 1, EntryState.LOCKED: 2}
    lines.sort(key=lambda line: (order[line.entry], line.period.unit_deadline.toordinal()
                                 * (-1 if line.entry == EntryState.LOCKED else 1), line.period.pk))
    return lines


@dataclass
class UnitHome:
    unit: Unit
    due: list[UnitPeriod]  # open for entry and still to fill in, finish or correct
    waiting: list[UnitPeriod]  # sent, awaiting the commune's review
    upcoming: list[UnitPeriod]  # not open yet
    past: list[UnitPeriod]  # locked, newest first
    tasks: TaskDeadlines
    task_count: int


def unit_home(*, unit: Unit, today: date) -> UnitHome:
    """What the unit has to report, by when, and its tasks falling due (about 10 queries)."""
    lines = unit_periods(unit=unit, today=today)
    reasons: dict[int, str] = {}
    for report_id, reason in (ReportTransition.objects.filter(report__unit=unit, report__state=ReportState.RETURNED,
                                                              to_state=ReportState.RETURNED)
                              .order_by("report_id", "created_at", "id").values_list("report_id", "reason")):
        reasons[report_id] = reason  # the latest return wins
    for line in lines:
        if line.report is not None:
            line.return_reason = reasons.get(line.report.pk, "")
    # Tasks of the plans still running: last year's plan is the commune's to close, not the unit's.
    tasks = list(Task.objects.filter(Q(lead_unit=unit) | Q(coordinators__unit=unit))
                 .filter(plan__commune_id=unit.commune_id, plan__end_year__gte=today.year).distinct().select_related("plan", "lead_unit")
                 .order_by("plan_id", "order"))
    # The unit's own word that a task is done counts here, once sent (the commune sees it too).
    done_ids = set(TaskProgress.objects.filter(
        report__unit=unit, status=TaskStatus.DONE,
        report__state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]).values_list("task_id", flat=True))
    due = [line for line in lines if line.needs_work]
    waiting = [line for line in lines if line.entry != EntryState.NOT_OPEN and line.report is not None
               and line.report.state == ReportState.SUBMITTED]
    due.sort(key=lambda line: (line.period.unit_deadline, line.period.pk))
    return UnitHome(
        unit=unit, due=due, waiting=waiting,
        upcoming=[line for line in lines if line.entry == EntryState.NOT_OPEN],
        past=[line for line in lines if line.entry == EntryState.LOCKED][:4],
        tasks=task_deadlines(tasks, done_ids=done_ids, today=today), task_count=len(tasks),
    )
