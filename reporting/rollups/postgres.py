"""The PostgreSQL fast path of the commune rollups: runs ``reporting.rollups.sql``'s statement,
one per slice of plans, with no row ever passing through Python (the national quarter — two
million values — takes seconds). Layer: the rollup engine, called by
``reporting.rollups.compute`` when the database is PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from portal.scoping import active_commune_ids
from reporting.rollups.sql import (
    commune_rollup_statement,
    later_quarters_sql,
    scoped_plans_sql,
    statement_params,
)

# Plans per SQL statement on PostgreSQL (rollup_run's default batch): bounds the statement's
# memory (its aggregate spills a few MB to disk at 500 plans of 20 indicators under the
# default work_mem, which costs less than twice the statements).
SQL_PLANS_PER_STATEMENT = 500


def commune_rollup_sql(*, plan_ids: Sequence[int], year: int, quarter: int, now: datetime) -> int:
    """The batch in one statement per slice of plans; returns the rows written.

    Tenant scope: the plans are first filtered as the scoped Plan manager would (outside a
    scope that raises; inside one, other communes' plans drop out). Every row the statement
    then reads hangs off one of those plans by a foreign key (period → plan, target → plan,
    rollup → plan), so it reads nothing the scoped managers would have hidden.

    The scope's communes go to PostgreSQL as one array parameter: a national run's scope
    holds 3,321 ids, which the ORM would expand into an IN list on every query.
    """
    scope = active_commune_ids()
    written = 0
    statement = commune_rollup_statement()
    with connection.cursor() as cursor:
        cursor.execute(scoped_plans_sql(scoped=scope is not None), {"plans": list(plan_ids), "scope": scope})
        plans = [row[0] for row in cursor.fetchall()]
        # JIT compilation costs this statement ~0.4 s and saves nothing (it reads its rows
        # through indexes): off for this transaction only, then back as it was.
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = cursor.fetchone()[0]
        for start in range(0, len(plans), SQL_PLANS_PER_STATEMENT):
            written += _statement_run(cursor, statement, plans[start:start + SQL_PLANS_PER_STATEMENT],
                                      year, quarter, now)
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return written


def _statement_run(cursor: Any, statement: str, plans: list[int], year: int, quarter: int,
                   now: datetime) -> int:
    cursor.execute(statement, statement_params(plans=plans, year=year, quarter=quarter, now=now))
    written, _stale = cursor.fetchone()
    return int(written)


def later_quarters(*, plan_ids: Sequence[int], year: int, quarter: int) -> list[int]:
    """The quarters of ``year`` after ``quarter`` already rolled up for the plans, in the tenant
    scope (one query)."""
    scope = active_commune_ids()
    with connection.cursor() as cursor:
        cursor.execute(later_quarters_sql(scoped=scope is not None),
                       {"plans": list(plan_ids), "year": year, "quarter": quarter, "scope": scope})
        return [row[0] for row in cursor.fetchall()]
