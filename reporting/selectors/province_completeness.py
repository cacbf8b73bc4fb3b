"""Unit report completeness of every commune of a province in one quarter, at once (selectors
layer): what the province summary, the province dashboard and the API's completeness list count.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from campaigns.models import Task, TaskCoordinator, Unit
from campaigns.timeframes import parse_timeframe
from reporting.deadlines import day_end
from reporting.models import PeriodKind, ReportingPeriod, ReportState, UnitReport
from targets.models import Target


def province_quarter_completeness(plan_ids: list[int], year: int, quarter: int) -> dict[int, tuple[int, int, int, int]]:
    """Commune id → (expected, received, on time, accepted) unit reports of the quarter.

    The rule of selectors.expected_units (a target of the year reported, or a task of the period
    led or coordinated, by an active unit), evaluated for every commune at once (six queries).
    """
    periods = {p["pk"]: p for p in ReportingPeriod.objects.filter(
        plan_id__in=plan_ids, kind=PeriodKind.QUARTERLY, year=year, quarter=quarter).values(
        "pk", "plan_id", "unit_deadline")}
    expected: dict[int, set[int]] = defaultdict(set)  # plan id → unit ids
    # Straight from the target–unit link table, one row per (plan, unit): reading it through
    # Target would return one row per target and year (20 times as many at national scale).
    # The plan ids come from the caller's scope.
    links = (Target.reporting_units.through.objects.filter(target__plan_id__in=plan_ids, target__year=year)
             .values_list("target__plan_id", "unit_id").distinct().order_by())
    for plan_id, unit_id in links:
        expected[plan_id].add(unit_id)
    tasks = (Task.objects.filter(plan_id__in=plan_ids)
             .filter(Q(lead_unit__isnull=False) | Q(coordinators__unit__isnull=False)).distinct()
             .values_list("pk", "plan_id", "lead_unit_id", "timeframe_text"))
    covered = {pk: plan_id for pk, plan_id, _lead, text in tasks
               if parse_timeframe(text).covers_quarter(year, quarter) is not False}
    for pk, plan_id, lead, _text in tasks:
        if pk in covered and lead:
            expected[plan_id].add(lead)
    for task_id, unit_id in TaskCoordinator.objects.filter(task_id__in=list(covered), unit__isnull=False) \
            .values_list("task_id", "unit_id"):
        expected[covered[task_id]].add(unit_id)
    # Every active unit of the plans' communes (a superset of the expected ones, read by commune
    # instead of through a list of thousands of ids).
    active = dict(Unit.objects.filter(commune__plans__in=plan_ids, is_active=True).values_list("pk", "commune_id"))
    plan_of_period = {pk: p["plan_id"] for pk, p in periods.items()}
    # on_time() for thousands of reports: one bound per period, one comparison per report.
    on_time_before = {pk: day_end(p["unit_deadline"]) for pk, p in periods.items()}
    reports = UnitReport.objects.filter(period_id__in=list(periods)).values_list(
        "period_id", "unit_id", "state", "first_submitted_at")
    tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for units in expected.values():
        for unit_id in units:
            if unit_id in active:
                tallies[active[unit_id]][0] += 1
    for period_id, unit_id, state, first_submitted_at in reports:
        if unit_id not in active or unit_id not in expected[plan_of_period[period_id]]:
            continue
        tally = tallies[active[unit_id]]
        if first_submitted_at is not None:
            tally[1] += 1
            tally[2] += first_submitted_at < on_time_before[period_id]
        tally[3] += state == ReportState.ACCEPTED
    return {commune_id: (t[0], t[1], t[2], t[3]) for commune_id, t in tallies.items()}
