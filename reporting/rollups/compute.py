"""Rollups: accepted unit reports → commune figures → province figures (DESIGN.md rule 2).
The entry points every caller uses (tasks, services, the ``rollup`` command, selectors).

Set-based: one aggregate query per batch of plans and one bulk write, so the same code serves
one commune (after an accept), a province (a Celery chord of commune tasks) and the whole
nation (the ``rollup`` command in batches). Each write replaces its whole key — (plans, year,
quarter) or (province, year, quarter) — in one transaction: idempotent by construction.

Two engines to the same commune rows: on PostgreSQL one SQL statement per batch
(``reporting.rollups.postgres`` runs ``reporting.rollups.sql``), every other database the
portable path (``reporting.rollups.portable``). Both apply the arithmetic of
``targets.progress``, the SQL clause by clause, with enough precision that both round every
figure identically; a test checks the two write identical rows. The province figures combine
the communes' stored rows through the ORM on every database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from campaigns.models import Commune, Plan, PlanStatus
from reporting.models import CommuneRollup, ProvinceRollup
from reporting.rollups import portable, postgres
from targets.progress import Figure
from targets.status import LAGGING


def plans_for_year(*, commune_ids: Iterable[int], year: int) -> list[int]:
    """The plan that carries each commune's figures for a year: issued before draft, then the
    newest. A commune with a Party plan and a People's Committee plan is counted once."""
    chosen: dict[int, tuple[tuple[int, int, int], int]] = {}
    plans = Plan.objects.filter(commune_id__in=list(commune_ids), start_year__lte=year,
                                end_year__gte=year).values_list("pk", "commune_id", "status", "start_year")
    for pk, commune_id, status, start_year in plans:
        rank = (int(status == PlanStatus.ISSUED), start_year, pk)
        if commune_id not in chosen or rank > chosen[commune_id][0]:
            chosen[commune_id] = (rank, pk)
    return sorted(pk for _rank, pk in chosen.values())


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@transaction.atomic
def commune_rollup_compute(*, plan_ids: Sequence[int], year: int, quarter: int,
                           now: datetime | None = None) -> int:
    """Recompute (plans, year, quarter) from the accepted reports; returns the rows written."""
    now = now or timezone.now()
    if _on_postgresql():
        return postgres.commune_rollup_sql(plan_ids=plan_ids, year=year, quarter=quarter, now=now)
    return portable.commune_rollup_python(plan_ids=plan_ids, year=year, quarter=quarter, now=now)


def commune_rollup_refresh(*, plan_ids: Sequence[int], year: int, quarter: int) -> int:
    """Recompute a quarter and every later quarter of the year already rolled up (their
    year-to-date figures build on it)."""
    written = commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=quarter)
    engine = postgres if _on_postgresql() else portable
    for next_quarter in engine.later_quarters(plan_ids=plan_ids, year=year, quarter=quarter):
        written += commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=next_quarter)
    return written


# --- Provinces -----------------------------------------------------------------------------------


def province_rollup_compute(*, province_id: int, year: int, quarter: int,
                            now: datetime | None = None) -> int:
    """Combine the province's commune figures on the standard indicators (replaces the key)."""
    return _province_rollups_compute(province_ids=[province_id], year=year, quarter=quarter, now=now)


def _province_row(a: Mapping[str, Any], *, percent: bool, year: int, quarter: int, now: datetime) -> ProvinceRollup:
    """A province's figure from its communes' sums: percentages from the summed counts."""
    quarter_figure = Figure(numerator=a["num"], denominator=a["den"], value=a["val"],
                            units_reported=a["units_reported"] or 0)
    ytd_figure = Figure.stored(numerator=a["ytd_num"], denominator=a["ytd_den"], value=a["ytd_val"])
    return ProvinceRollup(
        province_id=a["plan__commune__province_id"], indicator_id=a["indicator_id"], year=year,
        quarter=quarter, numerator=a["num"], denominator=a["den"],
        value=quarter_figure.level(percent=percent),
        ytd_numerator=a["ytd_num"], ytd_denominator=a["ytd_den"],
        ytd_value=ytd_figure.level(percent=percent),
        communes_reported=a["communes_reported"], communes_expected=a["communes_expected"],
        units_reported=a["units_reported"] or 0, units_expected=a["units_expected"] or 0,
        communes_at_risk=a["at_risk"], computed_at=now,
    )


@transaction.atomic
def _province_rollups_compute(*, province_ids: Sequence[int], year: int, quarter: int,
                              now: datetime | None = None) -> int:
    """province_rollup_compute for several provinces at once: the same queries, grouped by
    province, so a national run costs a handful of queries instead of six per province."""
    province_ids = list(province_ids)
    commune_ids = list(Commune.objects.filter(province_id__in=province_ids).values_list("pk", flat=True))
    plan_ids = plans_for_year(commune_ids=commune_ids, year=year)
    aggregates = list(
        CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter,
                                     indicator__commune__isnull=True)
        .values("plan__commune__province_id", "indicator_id")
        .annotate(num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"),
                  ytd_num=Sum("ytd_numerator"), ytd_den=Sum("ytd_denominator"), ytd_val=Sum("ytd_value"),
                  communes_reported=Count("id", filter=Q(units_reported__gt=0)),
                  communes_expected=Count("id", filter=Q(target__isnull=False)),
                  units_reported=Sum("units_reported"), units_expected=Sum("units_expected"),
                  at_risk=Count("id", filter=Q(status__in=LAGGING)))
        .order_by()
    )
    rules = portable.aggregations(a["indicator_id"] for a in aggregates)
    now = now or timezone.now()
    rows = [_province_row(a, percent=rules[a["indicator_id"]].percent, year=year, quarter=quarter, now=now)
            for a in aggregates]
    ProvinceRollup.objects.filter(province_id__in=province_ids, year=year, quarter=quarter).delete()
    ProvinceRollup.objects.bulk_create(rows)
    return len(rows)


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rollup_run(*, year: int, quarter: int, commune_ids: Sequence[int], batch_size: int = 500) -> dict[str, Any]:
    """Synchronously: the communes' rollups in batches, then their provinces. Runs inside a
    scope that covers ``commune_ids``; returns what it computed."""
    plan_ids = plans_for_year(commune_ids=commune_ids, year=year)
    commune_rows = sum(commune_rollup_refresh(plan_ids=chunk, year=year, quarter=quarter)
                       for chunk in _chunks(plan_ids, batch_size))
    province_ids = sorted(set(Commune.objects.filter(pk__in=list(commune_ids)).values_list("province_id", flat=True)))
    province_rows = _province_rollups_compute(province_ids=province_ids, year=year, quarter=quarter)
    return {"plans": len(plan_ids), "commune_rows": commune_rows, "provinces": len(province_ids),
            "province_rows": province_rows}
