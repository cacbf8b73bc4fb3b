"""The portable path of the commune rollups: the ORM aggregates, ``targets.progress`` does the
arithmetic, one bulk write replaces the key. Every database but PostgreSQL runs it (SQLite by
default); on PostgreSQL the same rows come from one statement (``reporting.rollups.sql``).
Layer: the rollup engine, called by ``reporting.rollups.compute``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Sum

from campaigns.models import Plan
from reporting.models import CommuneRollup, IndicatorValue, PeriodKind, ReportState
from targets.models import Indicator, Target
from targets.progress import (
    Aggregation,
    Figure,
    achievement,
    aggregation_of,
    expected_at,
    progress_status,
    units_expected,
    year_to_date,
)

Key = tuple[int, int]  # (plan, indicator)


def aggregations(indicator_ids: Iterable[int]) -> dict[int, Aggregation]:
    """Each indicator's aggregation rule (one query)."""
    return {
        pk: aggregation_of(measure=measure, time_aggregation=time_aggregation)
        for pk, measure, time_aggregation in Indicator.objects.filter(pk__in=set(indicator_ids))
        .values_list("pk", "measure", "time_aggregation")
    }


def _targets(plan_ids: Sequence[int], year: int) -> dict[Key, Mapping[str, Any]]:
    return {
        (t["plan_id"], t["indicator_id"]): t
        for t in Target.objects.filter(plan_id__in=plan_ids, year=year)
        .values("plan_id", "indicator_id", "value", "baseline").annotate(n_units=Count("reporting_units"))
    }


def _quarter_figures(plan_ids: Sequence[int], year: int, quarter: int) -> dict[Key, Figure]:
    """Sums over the units whose report of the quarter was accepted (targets.progress.Figure)."""
    sums = IndicatorValue.objects.filter(
        report__period__plan_id__in=plan_ids, report__period__kind=PeriodKind.QUARTERLY,
        report__period__year=year, report__period__quarter=quarter, report__state=ReportState.ACCEPTED,
    ).values("report__period__plan_id", "indicator_id").annotate(
        num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"), n=Count("id"))
    return {
        (s["report__period__plan_id"], s["indicator_id"]):
            Figure(numerator=s["num"], denominator=s["den"], value=s["val"], units_reported=s["n"])
        for s in sums
    }


def _previous(plan_ids: Sequence[int], year: int, quarter: int) -> dict[Key, Figure]:
    """The previous quarter's stored year to date (none before Q2)."""
    if quarter == 1:
        return {}
    rows = CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter - 1).values_list(
        "plan_id", "indicator_id", "ytd_numerator", "ytd_denominator", "ytd_value")
    return {(plan_id, indicator_id): Figure.stored(numerator=num, denominator=den, value=val)
            for plan_id, indicator_id, num, den, val in rows}


def _row(*, plan: Mapping[str, Any], indicator_id: int, year: int, quarter: int, rule: Aggregation,
         current: Figure, previous: Figure | None, target: Mapping[str, Any] | None, now: datetime) -> CommuneRollup:
    """One key's row: the quarter, its year to date, the trajectory, achievement and status."""
    ytd = year_to_date(current=current, previous=previous, flow=rule.flow)
    level = ytd.level(percent=rule.percent)
    target_value = target["value"] if target else None
    expected = (expected_at(target=target_value, baseline=target["baseline"], quarter=quarter, flow=rule.flow)
                if target and target_value is not None else None)
    return CommuneRollup(
        plan_id=plan["pk"], commune_id=plan["commune_id"], indicator_id=indicator_id,
        year=year, quarter=quarter, numerator=current.numerator, denominator=current.denominator,
        value=current.level(percent=rule.percent), ytd_numerator=ytd.numerator,
        ytd_denominator=ytd.denominator, ytd_value=level, target=target_value, expected=expected,
        achievement=achievement(level=level, target=target_value),
        status=progress_status(level=level, target=target_value, expected=expected,
                               margin_pct=plan["progress_margin"]),
        units_reported=current.units_reported,
        units_expected=units_expected(linked=target["n_units"] if target else 0, reported=current.units_reported),
        computed_at=now,
    )


def commune_rollup_python(*, plan_ids: Sequence[int], year: int, quarter: int, now: datetime) -> int:
    """Replace (plans, year, quarter) with the rows computed from the accepted reports: every
    key with a figure this quarter, a target this year or a figure last quarter. Returns the
    rows written. Reads through the scoped managers (the caller's tenant scope)."""
    plan_ids = list(plan_ids)
    plans = {p["pk"]: p for p in Plan.objects.filter(pk__in=plan_ids).values("pk", "commune_id", "progress_margin")}
    targets = _targets(plan_ids, year)
    figures = _quarter_figures(plan_ids, year, quarter)
    previous = _previous(plan_ids, year, quarter)
    keys = set(targets) | set(figures) | set(previous)
    rules = aggregations(indicator_id for _plan, indicator_id in keys)
    rows = [
        _row(plan=plans[plan_id], indicator_id=indicator_id, year=year, quarter=quarter, rule=rules[indicator_id],
             current=figures.get((plan_id, indicator_id), Figure()), previous=previous.get((plan_id, indicator_id)),
             target=targets.get((plan_id, indicator_id)), now=now)
        for plan_id, indicator_id in sorted(keys)
    ]
    CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter).delete()
    CommuneRollup.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def later_quarters(*, plan_ids: Sequence[int], year: int, quarter: int) -> list[int]:
    """The quarters of ``year`` after ``quarter`` already rolled up for the plans (one query)."""
    return sorted(CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter__gt=quarter)
                  .order_by().values_list("quarter", flat=True).distinct())
