"""Rollups: accepted unit reports → commune figures → province figures (DESIGN.md rule 2).

Set-based: one aggregate query per batch of plans and one bulk write, so the same code serves
one commune (after an accept), a province (a Celery chord of commune tasks) and the whole
nation (the ``rollup`` command in batches). Each write replaces its whole key — (plans, year,
quarter) or (province, year, quarter) — in one transaction: idempotent by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from campaigns.models import Commune, Plan, PlanStatus
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ProvinceRollup,
    ReportState,
    RollupStatus,
)
from reporting.rollup_math import (
    Figure,
    achievement,
    expected_at,
    progress_status,
    year_to_date,
)
from targets.models import Indicator, Measure, Target, TimeAggregation

AT_RISK = {RollupStatus.AT_RISK, RollupStatus.OFF_TRACK}


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


@dataclass(frozen=True)
class _Spec:
    percent: bool
    flow: bool


def _specs(indicator_ids: Iterable[int]) -> dict[int, _Spec]:
    return {
        pk: _Spec(percent=measure == Measure.PERCENT, flow=agg == TimeAggregation.SUM)
        for pk, measure, agg in Indicator.objects.filter(pk__in=set(indicator_ids))
        .values_list("pk", "measure", "time_aggregation")
    }


def _previous(plan_ids: Sequence[int], year: int, quarter: int) -> dict[tuple[int, int], Figure]:
    if quarter == 1:
        return {}
    rows = CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter - 1).values_list(
        "plan_id", "indicator_id", "ytd_numerator", "ytd_denominator", "ytd_value")
    return {
        (plan_id, indicator_id): Figure(numerator=num, denominator=den, value=val,
                                        units_reported=int(any(x is not None for x in (num, den, val))))
        for plan_id, indicator_id, num, den, val in rows
    }


@transaction.atomic
def commune_rollup_compute(*, plan_ids: Sequence[int], year: int, quarter: int,
                           now: datetime | None = None) -> int:
    """Recompute (plans, year, quarter) from the accepted reports; returns the rows written."""
    plan_ids = list(plan_ids)
    now = now or timezone.now()
    plans = {p["pk"]: p for p in Plan.objects.filter(pk__in=plan_ids).values("pk", "commune_id", "progress_margin")}
    targets = {
        (t["plan_id"], t["indicator_id"]): t
        for t in Target.objects.filter(plan_id__in=plan_ids, year=year)
        .values("plan_id", "indicator_id", "value", "baseline").annotate(n_units=Count("reporting_units"))
    }
    sums = {
        (s["report__period__plan_id"], s["indicator_id"]): s
        for s in IndicatorValue.objects.filter(
            report__period__plan_id__in=plan_ids, report__period__kind=PeriodKind.QUARTERLY,
            report__period__year=year, report__period__quarter=quarter, report__state=ReportState.ACCEPTED,
        ).values("report__period__plan_id", "indicator_id").annotate(
            num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"), n=Count("id"))
    }
    previous = _previous(plan_ids, year, quarter)
    keys = set(targets) | set(sums) | set(previous)
    specs = _specs(indicator_id for _plan, indicator_id in keys)
    rows = []
    for plan_id, indicator_id in sorted(keys):
        spec = specs[indicator_id]
        target = targets.get((plan_id, indicator_id))
        found = sums.get((plan_id, indicator_id))
        current = Figure(numerator=found["num"], denominator=found["den"], value=found["val"],
                         units_reported=found["n"]) if found else Figure()
        ytd = year_to_date(current=current, previous=previous.get((plan_id, indicator_id)), flow=spec.flow)
        level = ytd.level(percent=spec.percent)
        target_value = target["value"] if target else None
        expected = (expected_at(target=target_value, baseline=target["baseline"], quarter=quarter, flow=spec.flow)
                    if target_value is not None else None)
        rows.append(CommuneRollup(
            plan_id=plan_id, commune_id=plans[plan_id]["commune_id"], indicator_id=indicator_id,
            year=year, quarter=quarter, numerator=current.numerator, denominator=current.denominator,
            value=current.level(percent=spec.percent), ytd_numerator=ytd.numerator,
            ytd_denominator=ytd.denominator, ytd_value=level, target=target_value, expected=expected,
            achievement=achievement(level=level, target=target_value),
            status=progress_status(level=level, target=target_value, expected=expected,
                                   margin_pct=plans[plan_id]["progress_margin"]),
            units_reported=current.units_reported,
            units_expected=max(target["n_units"] if target else 0, current.units_reported),
            computed_at=now,
        ))
    CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter).delete()
    CommuneRollup.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def commune_rollup_refresh(*, plan_ids: Sequence[int], year: int, quarter: int) -> int:
    """Recompute a quarter and every later quarter of the year already rolled up (their
    year-to-date figures build on it)."""
    written = commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=quarter)
    later = sorted(set(CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter__gt=quarter)
                       .values_list("quarter", flat=True)))
    for next_quarter in later:
        written += commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=next_quarter)
    return written


@transaction.atomic
def province_rollup_compute(*, province_id: int, year: int, quarter: int,
                            now: datetime | None = None) -> int:
    """Combine the province's commune figures on the standard indicators (replaces the key)."""
    commune_ids = list(Commune.objects.filter(province_id=province_id).values_list("pk", flat=True))
    plan_ids = plans_for_year(commune_ids=commune_ids, year=year)
    aggregates = (
        CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter,
                                     indicator__commune__isnull=True)
        .values("indicator_id")
        .annotate(num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"),
                  ytd_num=Sum("ytd_numerator"), ytd_den=Sum("ytd_denominator"), ytd_val=Sum("ytd_value"),
                  communes_reported=Count("id", filter=Q(units_reported__gt=0)),
                  communes_expected=Count("id", filter=Q(target__isnull=False)),
                  units_reported=Sum("units_reported"), units_expected=Sum("units_expected"),
                  at_risk=Count("id", filter=Q(status__in=AT_RISK)))
    )
    aggregates = list(aggregates)
    specs = _specs(a["indicator_id"] for a in aggregates)
    now = now or timezone.now()
    rows = []
    for a in aggregates:
        spec = specs[a["indicator_id"]]
        quarter_figure = Figure(numerator=a["num"], denominator=a["den"], value=a["val"],
                                units_reported=a["units_reported"] or 0)
        ytd_figure = Figure(numerator=a["ytd_num"], denominator=a["ytd_den"], value=a["ytd_val"],
                            units_reported=1 if any(a[k] is not None for k in ("ytd_num", "ytd_den", "ytd_val")) else 0)
        rows.append(ProvinceRollup(
            province_id=province_id, indicator_id=a["indicator_id"], year=year, quarter=quarter,
            numerator=a["num"], denominator=a["den"], value=quarter_figure.level(percent=spec.percent),
            ytd_numerator=a["ytd_num"], ytd_denominator=a["ytd_den"],
            ytd_value=ytd_figure.level(percent=spec.percent),
            communes_reported=a["communes_reported"], communes_expected=a["communes_expected"],
            units_reported=a["units_reported"] or 0, units_expected=a["units_expected"] or 0,
            communes_at_risk=a["at_risk"], computed_at=now,
        ))
    ProvinceRollup.objects.filter(province_id=province_id, year=year, quarter=quarter).delete()
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
    province_rows = sum(province_rollup_compute(province_id=p, year=year, quarter=quarter) for p in province_ids)
    return {"plans": len(plan_ids), "commune_rows": commune_rows, "provinces": len(province_ids),
            "province_rows": province_rows}


