"""A figure is never older than its inputs (DESIGN.md rule 9).

Every write that changes an input of a rollup calls ``rollups_inputs_changed`` inside its
transaction: a target's value, baseline, creation or deletion, its reporting units, a plan's
import, margin, years or issue (which plan carries a commune's year), a unit report entering or
leaving "accepted" (a corrected accepted value goes through reopen and accept again). The
function marks the plan's quarters as changed (``RollupInputs``) and, after commit, enqueues the
existing rollup tasks: the commune's quarters in order, then the province's combine of each
quarter, then a last step that records how far the figures have caught up. Pages read
``rollup_selectors.rollups_pending`` and say "Đang cập nhật số liệu…" until that last step has run; with eager
Celery (the SQLite default) it runs at commit, so nothing stays pending.

Callers in ``campaigns`` import this module inside the function that calls it, never at module
level: reporting imports campaigns, and a module-level import the other way would close the
cycle that issue 14 is to untangle. A function-local import keeps the dependency explicit at the
one line that needs it, until the hook registry of issue 14 replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from celery import chain
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import Plan
from reporting.models import CommuneRollup, PeriodKind, ReportingPeriod, RollupInputs
from reporting.rollups.compute import commune_rollup_compute

QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class _PlanKey:
    plan_id: int
    commune_id: int
    province_id: int


def _plans(plan_ids: Iterable[int]) -> list[_PlanKey]:
    rows = (Plan.objects.filter(pk__in=sorted(set(plan_ids))).order_by("pk")
            .values_list("pk", "commune_id", "commune__province_id"))
    return [_PlanKey(plan_id=pk, commune_id=commune_id, province_id=province_id)
            for pk, commune_id, province_id in rows]


def _first_quarter(*, plan_id: int, year: int, today: date) -> int | None:
    """The first quarter of the year whose figures a change of the whole year (a target)
    reaches: the first already rolled up, or the first whose period has opened. None: the
    year has no figure yet and nothing has opened, so there is nothing to recompute."""
    rolled = set(CommuneRollup.objects.filter(plan_id=plan_id, year=year)
                 .order_by().values_list("quarter", flat=True).distinct())
    opened = set(ReportingPeriod.objects.filter(plan_id=plan_id, kind=PeriodKind.QUARTERLY, year=year,
                                                opens_on__lte=today).values_list("quarter", flat=True))
    found = sorted(q for q in rolled | opened if q is not None)
    return found[0] if found else None


def _mark(*, plan: _PlanKey, year: int, quarters: Sequence[int]) -> list[list[int]]:
    """Bump the quarters' input versions under their row locks; returns [[quarter, version]].

    The rows are created if missing, then locked in (quarter) order, the same order every
    writer uses, so two writers of one plan queue instead of deadlocking.
    """
    now = timezone.now()
    RollupInputs.objects.bulk_create(
        [RollupInputs(plan_id=plan.plan_id, commune_id=plan.commune_id, year=year, quarter=q) for q in quarters],
        ignore_conflicts=True)
    rows = RollupInputs.objects.filter(plan_id=plan.plan_id, year=year, quarter__in=list(quarters))
    list(rows.select_for_update().order_by("quarter").values_list("pk", flat=True))
    rows.update(inputs_version=F("inputs_version") + 1, inputs_changed_at=now)
    return [[q, v] for q, v in rows.order_by("quarter").values_list("quarter", "inputs_version")]


def rollups_inputs_changed(*, plan_ids: Iterable[int], year: int, quarter: int | None = None) -> None:
    """An input of the plans' figures of ``year`` changed in the current transaction.

    ``quarter``: the quarter whose inputs changed (a report of that quarter); its figures and
    every later quarter's (their year to date builds on it) are recomputed. None: the whole
    year changed (a target), from the first quarter that has figures or has opened.
    """
    from reporting.deadlines import local_today

    today = local_today()
    for plan in _plans(plan_ids):
        start = quarter if quarter is not None else _first_quarter(plan_id=plan.plan_id, year=year, today=today)
        if start is None:
            continue
        marks = _mark(plan=plan, year=year, quarters=[q for q in QUARTERS if q >= start])
        transaction.on_commit(_enqueuer(plan=plan, year=year, start=start, marks=marks))


def on_plan_figures_changed(sender: Any, *, plan: Any, years: Iterable[int], **_kwargs: Any) -> None:
    """campaigns.hooks.plan_figures_changed: the plan's figures of these years are pending."""
    for year in years:
        rollups_inputs_changed(plan_ids=[plan.pk], year=year)


def _enqueuer(*, plan: _PlanKey, year: int, start: int, marks: list[list[int]]) -> Callable[[], None]:
    def enqueue() -> None:
        from reporting import tasks

        commune_ids = [plan.commune_id]
        province_communes = tasks._province_communes(plan.province_id)
        steps = [tasks.commune_rollup.si(plan_ids=[plan.plan_id], year=year, quarter=start, commune_ids=commune_ids)]
        steps += [tasks.province_rollup_combine.si(province_id=plan.province_id, year=year, quarter=q,
                                                   commune_ids=province_communes)
                  for q in QUARTERS if q >= start]
        steps.append(tasks.rollup_inputs_computed.si(plan_id=plan.plan_id, year=year, marks=marks,
                                                     commune_ids=commune_ids))
        chain(*steps).apply_async()

    return enqueue


def rollup_inputs_caught_up(*, plan_id: int, year: int, marks: Sequence[Sequence[int]]) -> int:
    """The recompute that followed the changes up to these versions has finished: raise the
    computed versions (never lower them: a slower, older recompute finishing last must not
    mark a newer change as pending again). Idempotent. Returns the rows raised."""
    now = timezone.now()
    raised = 0
    with transaction.atomic():
        for quarter, version in sorted((int(q), int(v)) for q, v in marks):
            raised += RollupInputs.objects.filter(plan_id=plan_id, year=year, quarter=quarter,
                                                  computed_version__lt=version).update(
                computed_version=version, computed_at=now)
    return raised


def rollups_recompute_now(*, plan_id: int, year: int, quarter: int) -> None:
    """Recompute a plan's figures of ``quarter`` (and, as their year to date builds on the
    earlier quarters, every pending earlier quarter first) in the current transaction, and
    record them as caught up. For the one commune whose report is being issued: cheap (one
    aggregate query a quarter). Later quarters and the province are left to the queue."""
    rows = list(RollupInputs.objects.filter(plan_id=plan_id, year=year, quarter__lte=quarter)
                .order_by("quarter").values_list("quarter", "inputs_version", "computed_version"))
    pending = [q for q, inputs, computed in rows if computed < inputs]
    start = min([*pending, quarter])
    rolled = set(CommuneRollup.objects.filter(plan_id=plan_id, year=year, quarter__gte=start, quarter__lt=quarter)
                 .order_by().values_list("quarter", flat=True).distinct())
    for q in sorted(rolled | set(pending) | {quarter}):
        if q >= start:
            commune_rollup_compute(plan_ids=[plan_id], year=year, quarter=q)
    rollup_inputs_caught_up(plan_id=plan_id, year=year,
                            marks=[[q, inputs] for q, inputs, _computed in rows if q >= start])
