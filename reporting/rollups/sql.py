"""The PostgreSQL fast path's SQL: a batch of plans' commune rollups in one statement, each
arithmetic rule of ``targets.progress`` restated as the clause below that names it.

Layer: the rollup engine (``reporting.rollups``), PostgreSQL only; ``reporting.rollups.postgres``
runs what this module writes. Nothing here executes a query.

The rules, and where each one is written in SQL (the portable path,
``reporting.rollups.portable``, calls the Python function; a test checks both write identical
rows: tests/reporting/test_synthetic.py):

================================================  ==========================================
rule (DESIGN.md rule 2)                           targets.progress            → clause here
================================================  ==========================================
a figure sums the units' accepted reports         ``Figure`` (its sums)       ``UNIT_SUMS``
percent or value; flow or stock                   ``aggregation_of``          ``aggregation_sql``
a stored year to date has data if any sum is set  ``Figure.stored``           ``stored_has_data_sql``
year to date: flows add up, stocks keep latest    ``year_to_date``            ``year_to_date_source_sql``,
                                                  (blanks add as 0: ``_add``) ``year_to_date_sql``, ``add_sql``
percentage = sum(numerator) / sum(denominator)    ``Figure.level``            ``level_sql``
expected at the quarter (straight line)           ``expected_at``             ``expected_at_sql``
achievement = level / target                      ``achievement``             ``achievement_sql``
status with the plan's margin                     ``progress_status``         ``progress_status_sql``
units expected                                    ``units_expected``          ``units_expected_sql``
================================================  ==========================================

"Not due" is not here on purpose: it depends on the reading day, so it is never stored. It is
applied when rows are read (``targets.status.shown_status``), and in SQL by
``targets.status.shown_status_filter`` (the API's status filter), parity-tested against it.

Precision: every division widens its dividend to 24 decimal places first, so the quotient is
exact to 1e-22, far inside the smallest gap between a ratio of two 16-digit columns and a
rounding boundary (1e-21): ``round(…, 4)`` then rounds half up exactly as Python's 28-digit
``Decimal.quantize(ROUND_HALF_UP)`` does.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from campaigns.models import Plan
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    UnitReport,
)
from targets.models import Indicator, Measure, Target, TimeAggregation
from targets.status import RollupStatus

# --- The rules, clause by clause ---------------------------------------------------------------

# targets.progress.Figure: sums over the units whose report of the quarter was accepted, never
# an average of their percentages; ``n`` is Figure.units_reported.
UNIT_SUMS = ("SUM(v.numerator) AS num, SUM(v.denominator) AS den, "
             "SUM(v.value) AS val, COUNT(v.id) AS n")


def aggregation_sql(indicator: str) -> str:
    """targets.progress.aggregation_of(): ``percent`` and ``flow`` from the indicator's row."""
    return (f"{indicator}.measure = %(percent)s AS percent, "
            f"{indicator}.time_aggregation = %(flow)s AS flow")


def stored_has_data_sql(num: str, den: str, val: str) -> str:
    """targets.progress.Figure.stored(): a stored year to date has data when any sum is set."""
    return f"({num} IS NOT NULL OR {den} IS NOT NULL OR {val} IS NOT NULL)"


def year_to_date_source_sql(f: str) -> str:
    """targets.progress.year_to_date(), which figure it returns: no previous data → the
    quarter; a stock → the quarter if it has data, else the previous; a flow → the previous if
    the quarter has no data, else the sum of the two."""
    return (f"CASE WHEN NOT {f}.p_has OR ({f}.n > 0 AND NOT {f}.flow) THEN 'current'\n"
            f"                WHEN {f}.n = 0 THEN 'previous' ELSE 'sum' END")


def add_sql(a: str, b: str) -> str:
    """targets.progress.year_to_date()'s sum (its ``_add``): blank if both are blank,
    otherwise blanks count as 0."""
    return f"CASE WHEN {a} IS NULL AND {b} IS NULL THEN NULL ELSE COALESCE({a}, 0) + COALESCE({b}, 0) END"


def year_to_date_sql(y: str) -> str:
    """targets.progress.year_to_date(), its figure: the sums picked by ``source``
    (year_to_date_source_sql), and whether it has data (``y_has``)."""
    def pick(current: str, previous: str) -> str:
        return (f"CASE {y}.source WHEN 'current' THEN {y}.{current} WHEN 'previous' THEN {y}.{previous}\n"
                f"                ELSE {add_sql(f'{y}.{current}', f'{y}.{previous}')} END")
    return (f"{pick('num', 'p_num')} AS y_num,\n"
            f"           {pick('den', 'p_den')} AS y_den,\n"
            f"           {pick('val', 'p_val')} AS y_val,\n"
            f"           ({y}.source <> 'current' OR {y}.n > 0) AS y_has")


def level_sql(*, has: str, num: str, den: str, val: str) -> str:
    """targets.progress.Figure.level(): a percentage from the counts, rounded half up to 4
    places (None without a denominator), or the value; None without data."""
    return (f"CASE WHEN NOT ({has}) THEN NULL "
            f"WHEN f.percent THEN CASE WHEN {den} IS NULL OR {den} = 0 OR {num} IS NULL THEN NULL "
            f"ELSE round(CAST({num} AS numeric(40, 24)) / {den} * 100, 4) END "
            f"ELSE {val} END")


def expected_at_sql(f: str) -> str:
    """targets.progress.expected_at(): a straight line from 0 (flows) or the baseline (stocks,
    0 if none) to the target, at the end of the quarter; None without a target (as the
    portable path calls it only with one)."""
    start = f"CASE WHEN {f}.flow OR {f}.baseline IS NULL THEN 0 ELSE {f}.baseline END"
    return (f"CASE WHEN {f}.target IS NULL THEN NULL\n"
            f"                ELSE round({start}\n"
            f"                           + ({f}.target - {start})\n"
            f"                             * (CAST(%(quarter)s AS numeric) / 4), 4) END")


def achievement_sql(l: str) -> str:  # noqa: E741 (the CTE's alias)
    """targets.progress.achievement(): level / target as a percentage of the year's target."""
    return (f"CASE WHEN {l}.y_level IS NULL OR {l}.target IS NULL OR {l}.target = 0 THEN NULL\n"
            f"                ELSE round(CAST({l}.y_level AS numeric(40, 24)) / {l}.target * 100, 4) END")


def progress_status_sql(l: str) -> str:  # noqa: E741 (the CTE's alias)
    """targets.progress.progress_status(): reached ≥ target; on track within the plan's margin
    (in percent) below the trajectory; at risk within twice the margin; off track below."""
    return (f"CASE WHEN {l}.target IS NULL THEN %(no_target)s\n"
            f"                WHEN {l}.y_level IS NULL THEN %(no_data)s\n"
            f"                WHEN {l}.y_level >= {l}.target THEN %(reached)s\n"
            f"                WHEN {l}.expected IS NULL OR {l}.expected <= 0 THEN %(on_track)s\n"
            f"                WHEN {l}.y_level >= {l}.expected * (1 - {l}.progress_margin / 100) THEN %(on_track)s\n"
            f"                WHEN {l}.y_level >= {l}.expected * (1 - 2 * {l}.progress_margin / 100) THEN %(at_risk)s\n"
            f"                ELSE %(off_track)s END")


def units_expected_sql(l: str) -> str:  # noqa: E741 (the CTE's alias)
    """targets.progress.units_expected(): the units linked to the target, or more if more reported."""
    return f"GREATEST({l}.n_units, {l}.n)"


# --- The statement -----------------------------------------------------------------------------

ROLLUP_COLUMNS = ("plan_id", "commune_id", "indicator_id", "year", "quarter", "numerator", "denominator",
                  "value", "ytd_numerator", "ytd_denominator", "ytd_value", "target", "expected",
                  "achievement", "status", "units_reported", "units_expected", "computed_at")
ROLLUP_KEY = ("plan_id", "indicator_id", "year", "quarter")

# Each CTE is one step of the portable path; the names follow it (sums, targets, previous…).
# The comments name the targets.progress function each filled-in clause restates.
# ``ytd`` and ``levels`` end with OFFSET 0, a fence: without it the planner inlines them and
# every later mention of y_level or expected repeats its whole CASE expression; with it each
# is computed once a row, streamed (a MATERIALIZED CTE would spill its rows to disk).
COMMUNE_ROLLUP_SQL = """
WITH plan AS (
    SELECT id AS plan_id, commune_id, progress_margin FROM {plan} WHERE id = ANY(%(plans)s)
), sums AS (
    SELECT p.plan_id, v.indicator_id, {unit_sums}  -- Figure
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
           {aggregation},  -- aggregation_of()
           k.num, k.den, k.val, COALESCE(k.n, 0) AS n, k.p_num, k.p_den, k.p_val,
           {previous_has} AS p_has,  -- Figure.stored()
           k.target, k.baseline, COALESCE(k.n_units, 0) AS n_units
    FROM keyed k
    JOIN plan pl ON pl.plan_id = k.plan_id
    JOIN {indicator} i ON i.id = k.indicator_id
), year_to_date AS (
    SELECT f.*,
           {ytd_source} AS source  -- year_to_date()
    FROM figures f
), ytd AS (
    SELECT y.*,  -- year_to_date()
           {ytd}
    FROM year_to_date y
    OFFSET 0
), levels AS (
    SELECT f.*,
           {quarter_level} AS q_level,  -- Figure.level()
           {ytd_level} AS y_level,  -- Figure.level()
           {expected} AS expected  -- expected_at()
    FROM ytd f
    OFFSET 0
), written AS (
    INSERT INTO {rollup} ({columns})
    SELECT l.plan_id, l.commune_id, l.indicator_id, %(year)s, %(quarter)s, l.num, l.den, l.q_level,
           l.y_num, l.y_den, l.y_level, l.target, l.expected,
           {achievement},  -- achievement()
           {status},  -- progress_status()
           l.n, {units_expected}, %(now)s  -- units_expected()
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


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def commune_rollup_statement() -> str:
    """COMMUNE_ROLLUP_SQL with its tables and rule clauses filled in (parameters: statement_params)."""
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in ROLLUP_COLUMNS if c not in ROLLUP_KEY)
    return COMMUNE_ROLLUP_SQL.format(
        plan=_table(Plan), period=_table(ReportingPeriod), report=_table(UnitReport), value=_table(IndicatorValue),
        target=_table(Target), links=_table(Target.reporting_units.through), rollup=_table(CommuneRollup),
        indicator=_table(Indicator),
        unit_sums=UNIT_SUMS, aggregation=aggregation_sql("i"),
        previous_has=stored_has_data_sql("k.p_num", "k.p_den", "k.p_val"),
        ytd_source=year_to_date_source_sql("f"), ytd=year_to_date_sql("y"),
        quarter_level=level_sql(has="f.n > 0", num="f.num", den="f.den", val="f.val"),
        ytd_level=level_sql(has="f.y_has", num="f.y_num", den="f.y_den", val="f.y_val"),
        expected=expected_at_sql("f"), achievement=achievement_sql("l"), status=progress_status_sql("l"),
        units_expected=units_expected_sql("l"),
        columns=", ".join(quote(c) for c in ROLLUP_COLUMNS), updates=updates,
    )


def statement_params(*, plans: list[int], year: int, quarter: int, now: Any) -> dict[str, Any]:
    """The statement's parameters: the batch, and the codes its clauses compare with."""
    return {
        "plans": plans, "year": year, "quarter": quarter, "now": now,
        "quarterly": PeriodKind.QUARTERLY.value, "accepted": ReportState.ACCEPTED.value,
        # aggregation_of(): a percentage, a flow.
        "percent": Measure.PERCENT.value, "flow": TimeAggregation.SUM.value,
        # progress_status()'s codes.
        **{status.value: status.value for status in RollupStatus},
    }


# --- The batch's other reads ---------------------------------------------------------------------


def scoped_plans_sql(*, scoped: bool) -> str:
    """The batch's plans, as the scoped Plan manager would filter them (``%(scope)s``: the
    communes of the tenant scope; unscoped when scopes are disabled)."""
    return (f"SELECT id FROM {_table(Plan)} WHERE id = ANY(%(plans)s)"  # noqa: S608
            + (" AND commune_id = ANY(%(scope)s)" if scoped else "") + " ORDER BY id")


def later_quarters_sql(*, scoped: bool) -> str:
    """The quarters after ``%(quarter)s`` already rolled up for the plans (their year to date
    builds on it)."""
    return (f"SELECT DISTINCT quarter FROM {_table(CommuneRollup)} "  # noqa: S608
            "WHERE plan_id = ANY(%(plans)s) AND year = %(year)s AND quarter > %(quarter)s"
            + (" AND commune_id = ANY(%(scope)s)" if scoped else "") + " ORDER BY quarter")
