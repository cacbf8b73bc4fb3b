"""Reads for reporting pages, API, exports and reminders (reporting, selectors layer), inside the
caller's tenant scope. Who may read which unit report is said once, in ``unit_report_list``:
the pages (``report_get``) and the API read through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from campaigns.models import Plan, Task, Unit
from campaigns.timeframes import parse_timeframe
from portal.access import Access, Role
from portal.text import vi_sorted
from reporting.deadlines import entry_state, local_today, on_time
from reporting.models import (
    Evidence,
    IndicatorValue,
    LockException,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskProgress,
    UnitReport,
)
from targets.models import Indicator, Target


def period_get(*, pk: int) -> ReportingPeriod:
    return get_object_or_404(ReportingPeriod.objects.select_related("plan", "plan__commune"), pk=pk)


def unit_report_list(*, access: Access) -> QuerySet[UnitReport]:
    """The unit reports this user may read: those of the scope's communes (the tenant scope the
    request runs in is the user's), and for a unit reporter only their own unit's."""
    reports = UnitReport.objects.all()
    if access.role == Role.UNIT_REPORTER:
        return reports.filter(unit_id=access.unit.pk) if access.unit is not None else reports.none()
    return reports


def report_get(*, access: Access, pk: int) -> UnitReport:
    """The report, if this user may see it (``unit_report_list``); 404 otherwise."""
    return get_object_or_404(
        unit_report_list(access=access).select_related("period", "period__plan", "period__plan__commune", "unit"),
        pk=pk,
    )


def unit_report_find(*, period: ReportingPeriod, unit: Unit) -> UnitReport | None:
    """The unit's report of the period, if it has been opened."""
    return UnitReport.objects.filter(period=period, unit=unit).first()


def report_last_transition(*, report: UnitReport) -> ReportTransition | None:
    return report.transitions.select_related("actor").order_by("-created_at", "-id").first()


def report_evidence_list(*, report: UnitReport) -> list[Evidence]:
    return list(report.evidence.select_related("uploaded_by"))


def period_reported_targets(*, period: ReportingPeriod) -> list[Target]:
    year = period.year
    return list(
        Target.objects.filter(plan=period.plan, year=year)
        .select_related("indicator").prefetch_related("reporting_units").order_by("order", "id")
    )


def period_tasks(*, period: ReportingPeriod) -> list[Task]:
    """The assignable tasks of the plan that fall in the period (or cannot say they don't)."""
    tasks = (
        Task.objects.filter(plan=period.plan)
        .filter(Q(lead_unit__isnull=False) | Q(coordinators__unit__isnull=False))
        .select_related("lead_unit").prefetch_related("coordinators__unit", "deliverables__indicator")
        .distinct().order_by("order")
    )
    if period.quarter is None:
        return list(tasks)
    return [t for t in tasks if parse_timeframe(t.timeframe_text).covers_quarter(period.year, period.quarter)
            is not False]


@dataclass
class ReportRows:
    """What one unit must report in one period."""

    indicators: list[Indicator] = field(default_factory=list)
    targets: dict[int, Target] = field(default_factory=dict)  # by indicator id
    tasks: list[Task] = field(default_factory=list)


def report_rows(*, period: ReportingPeriod, unit: Unit,
                targets: list[Target] | None = None, tasks: list[Task] | None = None) -> ReportRows:
    rows = ReportRows()
    for target in targets if targets is not None else period_reported_targets(period=period):
        if any(u.pk == unit.pk for u in target.reporting_units.all()):
            rows.indicators.append(target.indicator)
            rows.targets[target.indicator_id] = target
    for task in tasks if tasks is not None else period_tasks(period=period):
        if task.lead_unit_id == unit.pk or any(c.unit_id == unit.pk for c in task.coordinators.all()):
            rows.tasks.append(task)
    return rows


def expected_units(*, period: ReportingPeriod) -> list[Unit]:
    """Units that owe a report: they report a target of the year or carry a task of the period."""
    targets = period_reported_targets(period=period)
    tasks = period_tasks(period=period)
    ids: set[int] = {u.pk for t in targets for u in t.reporting_units.all()}
    for task in tasks:
        if task.lead_unit_id:
            ids.add(task.lead_unit_id)
        ids.update(c.unit_id for c in task.coordinators.all() if c.unit_id)
    return list(Unit.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def period_lock_exceptions(*, period: ReportingPeriod) -> QuerySet[LockException]:
    """The period's lock exceptions with their unit and who granted them."""
    return LockException.objects.filter(period=period).select_related("unit", "granted_by")


def lock_exception_until(*, period: ReportingPeriod, unit: Unit) -> date | None:
    exception = LockException.objects.filter(period=period, unit=unit).order_by("-until").first()
    return exception.until if exception else None


def report_entry_state(*, report: UnitReport, today: date | None = None) -> str:
    period = report.period
    return entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today or local_today(),
                       exception_until=lock_exception_until(period=period, unit=report.unit))


def previous_values(*, report: UnitReport) -> dict[int, IndicatorValue]:
    """The unit's values of the previous quarter of the same plan, for plausibility warnings."""
    period = report.period
    if period.quarter is None:
        return {}
    year, quarter = (period.year, period.quarter - 1) if period.quarter > 1 else (period.year - 1, 4)
    values = IndicatorValue.objects.filter(
        report__unit=report.unit, report__period__plan=period.plan, report__period__year=year,
        report__period__quarter=quarter, report__state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED],
    ).select_related("indicator")
    return {v.indicator_id: v for v in values}


@dataclass
class UnitCompleteness:
    unit: Unit
    report: UnitReport | None
    received: bool
    on_time: bool
    accepted: bool
    late: bool


@dataclass
class Completeness:
    """DHIS2-style completeness and timeliness of one period."""

    period: ReportingPeriod
    rows: list[UnitCompleteness]
    expected: int
    received: int
    received_on_time: int
    accepted: int

    @property
    def completeness_pct(self) -> float:
        return round(100 * self.received / self.expected, 1) if self.expected else 0.0

    @property
    def timeliness_pct(self) -> float:
        return round(100 * self.received_on_time / self.expected, 1) if self.expected else 0.0


def period_completeness(*, period: ReportingPeriod, today: date | None = None) -> Completeness:
    today = today or local_today()
    units = expected_units(period=period)
    reports = {r.unit_id: r for r in UnitReport.objects.filter(period=period, unit__in=units)}
    rows = []
    for unit in units:
        report = reports.get(unit.pk)
        received = report is not None and report.first_submitted_at is not None
        timely = received and on_time(report.first_submitted_at, period.unit_deadline) if report else False
        rows.append(UnitCompleteness(
            unit=unit, report=report, received=received, on_time=bool(timely),
            accepted=report is not None and report.state == ReportState.ACCEPTED,
            late=not received and today > period.unit_deadline,
        ))
    return Completeness(
        period=period, rows=rows, expected=len(units), received=sum(r.received for r in rows),
        received_on_time=sum(r.on_time for r in rows), accepted=sum(r.accepted for r in rows),
    )


@dataclass
class Incompleteness:
    """What a consolidated report of the period would leave out if issued now: the unit
    reports sent but not yet reviewed, and the units whose report has not been sent (none,
    a draft, or returned for correction). Empty lists: nothing is missing."""

    awaiting_review: list[UnitCompleteness]
    not_reported: list[UnitCompleteness]

    def __bool__(self) -> bool:
        return bool(self.awaiting_review or self.not_reported)

    def as_audit(self) -> dict[str, list[str]]:
        """Unit names, as the audit keeps them."""
        return {"awaiting_review": [row.unit.name for row in self.awaiting_review],
                "not_reported": [row.unit.name for row in self.not_reported]}


def period_incompleteness(*, period: ReportingPeriod, today: date | None = None) -> Incompleteness:
    """The expected units of the period whose figures are not in the consolidation yet."""
    rows = vi_sorted(period_completeness(period=period, today=today).rows, key=lambda row: row.unit.name)
    return Incompleteness(
        awaiting_review=[row for row in rows if row.report is not None and row.report.state == ReportState.SUBMITTED],
        not_reported=[row for row in rows if row.report is None
                      or row.report.state in (ReportState.DRAFT, ReportState.RETURNED)],
    )


def plan_periods(*, plan: Plan) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter", "unit_deadline")


def report_values_by_indicator(*, report: UnitReport) -> dict[int, IndicatorValue]:
    return {v.indicator_id: v for v in report.values.all()}


def report_progress_by_task(*, report: UnitReport) -> dict[int, TaskProgress]:
    return {p.task_id: p for p in report.progress.all()}


def unit_reports_by_period(*, unit: Unit) -> dict[int, UnitReport]:
    return {r.period_id: r for r in UnitReport.objects.filter(unit=unit)}
