"""The commune dashboard: the plan of the year at a glance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q

from campaigns.models import Commune, Plan, Task
from campaigns.selectors import plans as plan_selectors
from reporting.models import (
    CommuneReport,
    CommuneRollup,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    TaskProgress,
    TaskStatus,
)
from reporting.selectors import reports as selectors
from reporting.selectors.dashboards.common import (
    DEADLINES_SHOWN,
    TaskDeadlines,
    assignable,
    commune_plan,
    figures_quarter,
    latest_due_year,
    status_period,
    task_deadlines,
)
from reporting.selectors.rollups import judge_rows
from targets.models import Indicator, Target
from targets.status import RollupStatus


@dataclass
class IndicatorProgress:
    """One indicator of the plan's year: its target, the shown quarter's rollup row, and the
    year-to-date figure of every quarter computed so far (for the chart)."""

    indicator: Indicator
    target: Target | None
    row: CommuneRollup | None
    ytd_by_quarter: dict[int, Decimal | None]
    # A target no unit reports (no reporting unit, no task deliverable counting towards it):
    # it can never have a figure, whatever the units send.
    unreported: bool = False

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
    quarter: int | None  # the quarter of the figures (None: the year has no quarterly period)
    quarters: list[int]  # quarters that can be chosen: with rollup rows, or past their deadline
    indicators: list[IndicatorProgress]
    computed_at: datetime | None
    period: ReportingPeriod | None  # the quarter whose unit reports are listed
    completeness: selectors.Completeness | None
    commune_report: CommuneReport | None
    tasks: TaskDeadlines
    deadlines: list[Deadline]
    assignable_tasks: int
    shown_period: ReportingPeriod | None = None  # the period of the figures' quarter
    has_figures: bool = False  # rollup rows exist for the shown quarter
    today: date | None = None

    @property
    def shown_not_due(self) -> bool:
        """The figures' quarter is still before its unit deadline (chosen explicitly)."""
        period = self.shown_period
        return period is not None and self.today is not None and period.unit_deadline >= self.today

    @property
    def unreported(self) -> list[IndicatorProgress]:
        return [line for line in self.indicators if line.unreported]

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
    targets = list(Target.objects.filter(plan=plan, year=year).select_related("indicator")
                   .annotate(unit_count=Count("reporting_units")).order_by("order", "id"))
    fed = plan_selectors.deliverable_indicator_ids(plan=plan)
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
                              ytd_by_quarter={q: v for q, v in ytd[i.pk].items() if quarter and q <= quarter},
                              unreported=i.pk in target_of and not plan_selectors.target_has_reporter(
                                  unit_count=target_of[i.pk].unit_count,  # type: ignore[attr-defined]
                                  indicator_id=i.pk, deliverable_indicator_ids=fed))
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
    if year is None and quarter is None:
        year = latest_due_year(commune=commune, today=today)
    plan, year = commune_plan(commune=commune, today=today, year=year)
    if plan is None:
        return CommuneDashboard(
            commune=commune, plan=None, year=year, quarter=None, quarters=[], indicators=[], computed_at=None,
            period=None, completeness=None, commune_report=None, tasks=TaskDeadlines(), deadlines=[],
            assignable_tasks=0, today=today)
    rows = list(judge_rows(list(CommuneRollup.objects.filter(plan=plan, year=year).select_related("indicator")),
                           today=today))
    periods = list(ReportingPeriod.objects.filter(plan=plan))
    quarterly = [p for p in periods if p.kind == PeriodKind.QUARTERLY and p.year == year]
    shown = figures_quarter(quarterly, quarter, today=today)
    choosable = {row.quarter for row in rows} | {p.quarter for p in quarterly
                                                 if p.quarter is not None and p.unit_deadline < today}
    period = status_period(quarterly, today=today, quarter=quarter)
    tasks = list(Task.objects.filter(assignable(Q(plan=plan))).select_related("lead_unit").order_by("order"))
    done_ids = set(TaskProgress.objects.filter(
        task__plan=plan, status=TaskStatus.DONE, report__state=ReportState.ACCEPTED,
    ).values_list("task_id", flat=True))
    return CommuneDashboard(
        commune=commune, plan=plan, year=year, quarter=shown, quarters=sorted(choosable | ({shown} if shown else set())),
        indicators=_indicator_lines(plan, year, shown, rows),
        computed_at=max((row.computed_at for row in rows), default=None),
        period=period,
        completeness=selectors.period_completeness(period=period, today=today) if period else None,
        commune_report=CommuneReport.objects.filter(period=period).first() if period else None,
        tasks=task_deadlines(tasks, done_ids=done_ids, today=today),
        deadlines=_deadlines(periods, today),
        assignable_tasks=len(tasks),
        shown_period=next((p for p in quarterly if p.quarter == shown), None),
        has_figures=any(row.quarter == shown for row in rows), today=today,
    )
