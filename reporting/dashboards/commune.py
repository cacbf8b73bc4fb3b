"""The commune dashboard: the plan of the year at a glance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from campaigns.models import Commune, Plan, Task
from reporting import selectors
from reporting.dashboards.common import (
    DEADLINES_SHOWN,
    TaskDeadlines,
    assignable,
    commune_plan,
    figures_quarter,
    status_period,
    task_deadlines,
)
from reporting.models import (
    CommuneReport,
    CommuneRollup,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    RollupStatus,
    TaskProgress,
    TaskStatus,
)
from targets.models import Indicator, Target


@dataclass
class IndicatorProgress:
    """One indicator of the plan's year: its target, the shown quarter's rollup row, and the
    year-to-date figure of every quarter computed so far (for the chart)."""

    indicator: Indicator
    target: Target | None
    row: CommuneRollup | None
    ytd_by_quarter: dict[int, Decimal | None]

    @property
    def status(self) -> str:
        if self.row is not None:
            return self.row.status
        return RollupStatus.NO_DATA if self.target is not None else RollupStatus.NO_TARGET


@dataclass(frozen=True)
class Deadline:
    day: date
    kind: str  # "unit" | "commune"
    period: ReportingPeriod
    days_left: int


@dataclass
class CommuneDashboard:
    commune: Commune
    plan: Plan | None
    year: int
    quarter: int | None  # the quarter of the figures (None: nothing rolled up yet)
    quarters: list[int]  # quarters of the year with rollup rows
    indicators: list[IndicatorProgress]
    computed_at: datetime | None
    period: ReportingPeriod | None  # the quarter whose unit reports are listed
    completeness: selectors.Completeness | None
    commune_report: CommuneReport | None
    tasks: TaskDeadlines
    deadlines: list[Deadline]
    assignable_tasks: int

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for line in self.indicators:
            counts[line.status] += 1
        return dict(counts)

    @property
    def key_indicators(self) -> list[IndicatorProgress]:
        return [line for line in self.indicators if line.target is not None and line.indicator.is_key]


def _indicator_lines(plan: Plan, year: int, quarter: int | None,
                     rows: list[CommuneRollup]) -> list[IndicatorProgress]:
    """One line per target of the year, then per indicator rolled up without a target, in the
    order of the consolidated report (the target's order, then the library's)."""
    targets = list(Target.objects.filter(plan=plan, year=year).select_related("indicator").order_by("order", "id"))
    target_of = {t.indicator_id: t for t in targets}
    indicators: dict[int, Indicator] = {t.indicator_id: t.indicator for t in targets}
    ytd: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    shown: dict[int, CommuneRollup] = {}
    for row in rows:
        ytd[row.indicator_id][row.quarter] = row.ytd_value
        if row.quarter == quarter:
            shown[row.indicator_id] = row
            indicators.setdefault(row.indicator_id, row.indicator)
    ordered = sorted(indicators.values(), key=lambda i: (
        target_of[i.pk].order if i.pk in target_of else 10**6, i.order, i.code))
    return [IndicatorProgress(indicator=i, target=target_of.get(i.pk), row=shown.get(i.pk),
                              ytd_by_quarter={q: v for q, v in ytd[i.pk].items() if quarter and q <= quarter})
            for i in ordered]


def _deadlines(periods: list[ReportingPeriod], today: date) -> list[Deadline]:
    found = []
    for period in periods:
        if period.unit_deadline >= today:
            found.append(Deadline(period.unit_deadline, "unit", period, (period.unit_deadline - today).days))
        if period.kind == PeriodKind.QUARTERLY and period.commune_deadline >= today:
            found.append(Deadline(period.commune_deadline, "commune", period,
                                  (period.commune_deadline - today).days))
    found.sort(key=lambda d: (d.day, d.kind != "unit", d.period.pk))
    return found[:DEADLINES_SHOWN]


def commune_dashboard(*, commune: Commune, today: date, year: int | None = None,
                      quarter: int | None = None) -> CommuneDashboard:
    """The commune's plan of the year at a glance (a fixed number of queries, about 20)."""
    plan, year = commune_plan(commune=commune, today=today, year=year)
    if plan is None:
        return CommuneDashboard(
            commune=commune, plan=None, year=year, quarter=None, quarters=[], indicators=[], computed_at=None,
            period=None, completeness=None, commune_report=None, tasks=TaskDeadlines(), deadlines=[],
            assignable_tasks=0)
    rows = list(CommuneRollup.objects.filter(plan=plan, year=year).select_related("indicator"))
    shown = figures_quarter(rows, quarter)
    periods = list(ReportingPeriod.objects.filter(plan=plan))
    period = status_period([p for p in periods if p.kind == PeriodKind.QUARTERLY and p.year == year],
                           today=today, quarter=quarter)
    tasks = list(Task.objects.filter(assignable(Q(plan=plan))).select_related("lead_unit").order_by("order"))
    done_ids = set(TaskProgress.objects.filter(
        task__plan=plan, status=TaskStatus.DONE, report__state=ReportState.ACCEPTED,
    ).values_list("task_id", flat=True))
    return CommuneDashboard(
        commune=commune, plan=plan, year=year, quarter=shown, quarters=sorted({row.quarter for row in rows}),
        indicators=_indicator_lines(plan, year, shown, rows),
        computed_at=max((row.computed_at for row in rows), default=None),
        period=period,
        completeness=selectors.period_completeness(period=period, today=today) if period else None,
        commune_report=CommuneReport.objects.filter(period=period).first() if period else None,
        tasks=task_deadlines(tasks, done_ids=done_ids, today=today),
        deadlines=_deadlines(periods, today),
        assignable_tasks=len(tasks),
    )
