"""Rollups: accepted unit reports → commune figures → province figures (DESIGN.md rule 2).

Set-based: one aggregate query per batch of plans and one bulk write, so the same code serves
one commune (after an accept), a province (a Celery chord of commune tasks) and the whole
nation (the ``rollup`` command in batches). Each write replaces its whole key — (plans, year,
quarter) or (province, year, quarter) — in one transaction: idempotent by construction.

Two ways to the same rows. On PostgreSQL a batch is one SQL statement: aggregate, year to
date, level, trajectory and status computed in the database and upserted, with no row ever
passing through Python (the national quarter — two million values — takes seconds). Every
other database runs the portable path: the ORM aggregates, ``rollup_math`` does the
arithmetic. The SQL mirrors ``rollup_math`` rule for rule, with enough precision that both
round every figure identically; a test checks the two paths give identical rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from campaigns.models import Commune, Plan, PlanStatus
from portal.scoping import active_commune_ids
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ProvinceRollup,
    ReportingPeriod,
    ReportState,
    UnitReport,
)
from targets.models import Indicator, Measure, Target, TimeAggregation
from targets.progress import Figure, achievement, expected_at, progress_status, year_to_date
from targets.status import LAGGING, RollupStatus

# Plans per SQL statement on PostgreSQL (rollup_run's default batch): bounds the statement's
# memory (its aggregate spills a few MB to disk at 500 plans of 20 indicators under the
# default work_mem, which costs less than twice the statements).
SQL_PLANS_PER_STATEMENT = 500


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


@transaction.atomic
def commune_rollup_compute(*, plan_ids: Sequence[int], year: int, quarter: int,
                           now: datetime | None = None) -> int:
    """Recompute (plans, year, quarter) from the accepted reports; returns the rows written."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _commune_rollup_sql(plan_ids=plan_ids, year=year, quarter=quarter, now=now)
    return _commune_rollup_python(plan_ids=plan_ids, year=year, quarter=quarter, now=now)


# --- The portable path: ORM aggregates, rollup_math arithmetic ---------------------------------


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


def _commune_rollup_python(*, plan_ids: Sequence[int], year: int, quarter: int, now: datetime) -> int:
    plan_ids = list(plan_ids)
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
        baseline = target["baseline"] if target else None
        expected = (expected_at(target=target_value, baseline=baseline, quarter=quarter, flow=spec.flow)
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


# --- The PostgreSQL path: one statement per batch ----------------------------------------------


def _level_sql(*, has: str, num: str, den: str, val: str) -> str:
    """Figure.level(): a percentage from the counts, rounded half up to 4 places, or the value.

    The dividend is widened to 24 decimal places first: the quotient is then exact to 1e-22,
    far inside the smallest gap between a ratio of two 16-digit columns and a rounding
    boundary (1e-21), so it rounds exactly as Python's 28-digit Decimal does.
    """
    return (f"CASE WHEN NOT ({has}) THEN NULL "
            f"WHEN f.percent THEN CASE WHEN {den} IS NULL OR {den} = 0 OR {num} IS NULL THEN NULL "
            f"ELSE round(CAST({num} AS numeric(40, 24)) / {den} * 100, 4) END "
            f"ELSE {val} END")


def _add_sql(a: str, b: str) -> str:
    """rollup_math._add(): blank if both are blank, otherwise blanks count as 0."""
    return f"CASE WHEN {a} IS NULL AND {b} IS NULL THEN NULL ELSE COALESCE({a}, 0) + COALESCE({b}, 0) END"


_ROLLUP_COLUMNS = ("plan_id", "commune_id", "indicator_id", "year", "quarter", "numerator", "denominator",
                   "value", "ytd_numerator", "ytd_denominator", "ytd_value", "target", "expected",
                   "achievement", "status", "units_reported", "units_expected", "computed_at")

# Each CTE is one step of the portable path; the names follow it (sums, targets, previous…).
# ``ytd`` and ``levels`` end with OFFSET 0, a fence: without it the planner inlines them and
# every later mention of y_level or expected repeats its whole CASE expression; with it each
# is computed once a row, streamed (a MATERIALIZED CTE would spill its rows to disk).
_COMMUNE_ROLLUP_SQL = """
WITH plan AS (
    SELECT id AS plan_id, commune_id, progress_margin FROM {plan} WHERE id = ANY(%(plans)s)
), sums AS (
    SELECT p.plan_id, v.indicator_id, SUM(v.numerator) AS num, SUM(v.denominator) AS den,
           SUM(v.value) AS val, COUNT(v.id) AS n
    FROM {period} p
    JOIN {report} r ON r.period_id = p.id
    JOIN {value} v ON v.report_id = r.id
    WHERE p.plan_id = ANY(%(plans)s) AND p.kind = %(quarterly)s AND p.year = %(year)s
      AND p.quarter = %(quarter)s AND r.state = %(accepted)s
      -- The same periods again, as an array: the reports are then fetched through their
      -- period index instead of a scan of every report of the country for each batch.
      AND r.period_id = ANY(ARRAY(
          SELECT id FROM {period} WHERE plan_id = ANY(%(plans)s) AND kind = %(quarterly)s
                                      AND year = %(year)s AND quarter = %(quarter)s))
    GROUP BY p.plan_id, v.indicator_id
), targets AS (
    SELECT t.plan_id, t.indicator_id, t.value, t.baseline,
           (SELECT COUNT(*) FROM {links} l WHERE l.target_id = t.id) AS n_units
    FROM {target} t
    WHERE t.plan_id = ANY(%(plans)s) AND t.year = %(year)s
), previous AS (
    SELECT plan_id, indicator_id, ytd_numerator AS num, ytd_denominator AS den, ytd_value AS val
    FROM {rollup}
    WHERE %(quarter)s > 1 AND plan_id = ANY(%(plans)s) AND year = %(year)s
      AND quarter = %(quarter)s - 1
), keyed AS (
    -- Every key with a figure this quarter, a target this year or a figure last quarter.
    SELECT plan_id, indicator_id, s.num, s.den, s.val, s.n,
           t.value AS target, t.baseline, t.n_units,
           pv.num AS p_num, pv.den AS p_den, pv.val AS p_val
    FROM sums s
    FULL JOIN targets t USING (plan_id, indicator_id)
    FULL JOIN previous pv USING (plan_id, indicator_id)
), figures AS (
    SELECT k.plan_id, k.indicator_id, pl.commune_id, pl.progress_margin,
           i.measure = %(percent)s AS percent, i.time_aggregation = %(flow)s AS flow,
           k.num, k.den, k.val, COALESCE(k.n, 0) AS n, k.p_num, k.p_den, k.p_val,
           (k.p_num IS NOT NULL OR k.p_den IS NOT NULL OR k.p_val IS NOT NULL) AS p_has,
           k.target, k.baseline, COALESCE(k.n_units, 0) AS n_units
    FROM keyed k
    JOIN plan pl ON pl.plan_id = k.plan_id
    JOIN {indicator} i ON i.id = k.indicator_id
), year_to_date AS (
    -- year_to_date(): no previous data → the quarter; a stock → the quarter if it has data,
    -- else the previous; a flow → the previous if the quarter has no data, else the sum.
    SELECT f.*,
           CASE WHEN NOT f.p_has OR (f.n > 0 AND NOT f.flow) THEN 'current'
                WHEN f.n = 0 THEN 'previous' ELSE 'sum' END AS source
    FROM figures f
), ytd AS (
    SELECT y.*,
           CASE y.source WHEN 'current' THEN y.num WHEN 'previous' THEN y.p_num
                ELSE {add_num} END AS y_num,
           CASE y.source WHEN 'current' THEN y.den WHEN 'previous' THEN y.p_den
                ELSE {add_den} END AS y_den,
           CASE y.source WHEN 'current' THEN y.val WHEN 'previous' THEN y.p_val
                ELSE {add_val} END AS y_val,
           (y.source <> 'current' OR y.n > 0) AS y_has
    FROM year_to_date y
    OFFSET 0
), levels AS (
    SELECT f.*,
           {quarter_level} AS q_level,
           {ytd_level} AS y_level,
           -- expected_at(): a straight line from 0 (flows) or the baseline (stocks).
           CASE WHEN f.target IS NULL THEN NULL
                ELSE round(CASE WHEN f.flow OR f.baseline IS NULL THEN 0 ELSE f.baseline END
                           + (f.target - CASE WHEN f.flow OR f.baseline IS NULL THEN 0 ELSE f.baseline END)
                             * (CAST(%(quarter)s AS numeric) / 4), 4) END AS expected
    FROM ytd f
    OFFSET 0
), written AS (
    INSERT INTO {rollup} ({columns})
    SELECT l.plan_id, l.commune_id, l.indicator_id, %(year)s, %(quarter)s, l.num, l.den, l.q_level,
           l.y_num, l.y_den, l.y_level, l.target, l.expected,
           -- achievement(): level / target as a percentage of the year's target.
           CASE WHEN l.y_level IS NULL OR l.target IS NULL OR l.target = 0 THEN NULL
                ELSE round(CAST(l.y_level AS numeric(40, 24)) / l.target * 100, 4) END,
           -- progress_status(), margins in percent of the trajectory.
           CASE WHEN l.target IS NULL THEN %(no_target)s
                WHEN l.y_level IS NULL THEN %(no_data)s
                WHEN l.y_level >= l.target THEN %(reached)s
                WHEN l.expected IS NULL OR l.expected <= 0 THEN %(on_track)s
                WHEN l.y_level >= l.expected * (1 - l.progress_margin / 100) THEN %(on_track)s
                WHEN l.y_level >= l.expected * (1 - 2 * l.progress_margin / 100) THEN %(at_risk)s
                ELSE %(off_track)s END,
           l.n, GREATEST(l.n_units, l.n), %(now)s
    FROM levels l
    ORDER BY l.plan_id, l.indicator_id
    ON CONFLICT (plan_id, indicator_id, year, quarter) DO UPDATE SET {updates}
    RETURNING plan_id, indicator_id
), stale AS (
    -- Keys of the batch that no longer have a figure (a target removed, a report reopened).
    -- (NOT IN over the written keys: one hashed lookup per existing row.)
    DELETE FROM {rollup} c
    WHERE c.plan_id = ANY(%(plans)s) AND c.year = %(year)s AND c.quarter = %(quarter)s
      AND (c.plan_id, c.indicator_id) NOT IN (SELECT w.plan_id, w.indicator_id FROM written w)
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM written), (SELECT COUNT(*) FROM stale)
"""


def _scope_communes() -> list[int] | None:
    """The communes the scoped managers would filter on (None: no filter), for raw SQL.

    Scopes disabled → no filter; no scope → ScopeError, as a bare query through a scoped
    manager raises (fail closed). Passed to PostgreSQL as one
    array parameter: a national run's scope holds 3,321 ids, which the ORM would expand into
    an IN list on every query.
    """
    return active_commune_ids()


def _commune_rollup_statement() -> str:
    quote = connection.ops.quote_name

    def table(model: Any) -> str:
        return quote(model._meta.db_table)

    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _ROLLUP_COLUMNS
                        if c not in ("plan_id", "indicator_id", "year", "quarter"))
    return _COMMUNE_ROLLUP_SQL.format(
        plan=table(Plan), period=table(ReportingPeriod), report=table(UnitReport), value=table(IndicatorValue),
        target=table(Target), links=table(Target.reporting_units.through), rollup=table(CommuneRollup),
        indicator=table(Indicator),
        add_num=_add_sql("y.num", "y.p_num"), add_den=_add_sql("y.den", "y.p_den"),
        add_val=_add_sql("y.val", "y.p_val"),
        quarter_level=_level_sql(has="f.n > 0", num="f.num", den="f.den", val="f.val"),
        ytd_level=_level_sql(has="f.y_has", num="f.y_num", den="f.y_den", val="f.y_val"),
        columns=", ".join(quote(c) for c in _ROLLUP_COLUMNS), updates=updates,
    )


def _commune_rollup_sql(*, plan_ids: Sequence[int], year: int, quarter: int, now: datetime) -> int:
    """The batch in one statement per slice of plans.

    Tenant scope: the plans are first filtered as the scoped Plan manager would (outside a
    scope that raises; inside one, other communes' plans drop out). Every row the statement
    then reads hangs off one of those plans by a foreign key (period → plan, target → plan,
    rollup → plan), so it reads nothing the scoped managers would have hidden.
    """
    scope = _scope_communes()
    written = 0
    statement = _commune_rollup_statement()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {connection.ops.quote_name(Plan._meta.db_table)} "  # noqa: S608
                       "WHERE id = ANY(%(plans)s)" + (" AND commune_id = ANY(%(scope)s)" if scope is not None else "")
                       + " ORDER BY id", {"plans": list(plan_ids), "scope": scope})
        plans = [row[0] for row in cursor.fetchall()]
        # JIT compilation costs this statement ~0.4 s and saves nothing (it reads its rows
        # through indexes): off for this transaction only, then back as it was.
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = cursor.fetchone()[0]
        for chunk in _chunks(plans, SQL_PLANS_PER_STATEMENT):
            written += _commune_rollup_statement_run(cursor, statement, list(chunk), year, quarter, now)
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return written


def _commune_rollup_statement_run(cursor: Any, statement: str, plans: list[int], year: int,
                                  quarter: int, now: datetime) -> int:
    params = {
        "plans": plans, "year": year, "quarter": quarter, "now": now,
        "quarterly": PeriodKind.QUARTERLY.value, "accepted": ReportState.ACCEPTED.value,
        "percent": Measure.PERCENT.value, "flow": TimeAggregation.SUM.value,
        **{status.value: status.value for status in RollupStatus},
    }
    cursor.execute(statement, params)
    written, _stale = cursor.fetchone()
    return int(written)


def commune_rollup_refresh(*, plan_ids: Sequence[int], year: int, quarter: int) -> int:
    """Recompute a quarter and every later quarter of the year already rolled up (their
    year-to-date figures build on it)."""
    written = commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=quarter)
    for next_quarter in _later_quarters(plan_ids=plan_ids, year=year, quarter=quarter):
        written += commune_rollup_compute(plan_ids=plan_ids, year=year, quarter=next_quarter)
    return written


def _later_quarters(*, plan_ids: Sequence[int], year: int, quarter: int) -> list[int]:
    if connection.vendor == "postgresql":
        scope = _scope_communes()
        sql = (f"SELECT DISTINCT quarter FROM {connection.ops.quote_name(CommuneRollup._meta.db_table)} "  # noqa: S608
               "WHERE plan_id = ANY(%(plans)s) AND year = %(year)s AND quarter > %(quarter)s"
               + (" AND commune_id = ANY(%(scope)s)" if scope is not None else "") + " ORDER BY quarter")
        with connection.cursor() as cursor:
            cursor.execute(sql, {"plans": list(plan_ids), "year": year, "quarter": quarter, "scope": scope})
            return [row[0] for row in cursor.fetchall()]
    return sorted(CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter__gt=quarter)
                  .order_by().values_list("quarter", flat=True).distinct())


# --- Provinces -----------------------------------------------------------------------------------


def province_rollup_compute(*, province_id: int, year: int, quarter: int,
                            now: datetime | None = None) -> int:
    """Combine the province's commune figures on the standard indicators (replaces the key)."""
    return _province_rollups_compute(province_ids=[province_id], year=year, quarter=quarter, now=now)


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
            province_id=a["plan__commune__province_id"], indicator_id=a["indicator_id"], year=year,
            quarter=quarter, numerator=a["num"], denominator=a["den"],
            value=quarter_figure.level(percent=spec.percent),
            ytd_numerator=a["ytd_num"], ytd_denominator=a["ytd_den"],
            ytd_value=ytd_figure.level(percent=spec.percent),
            communes_reported=a["communes_reported"], communes_expected=a["communes_expected"],
            units_reported=a["units_reported"] or 0, units_expected=a["units_expected"] or 0,
            communes_at_risk=a["at_risk"], computed_at=now,
        ))
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
