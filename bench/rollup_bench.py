"""The rollup benchmark (issue 5): synthetic national data on PostgreSQL, then timings.

Run from the repository root with ``make bench`` (or ``.venv/bin/python -m bench``) and
DATABASE_URL pointing at a PostgreSQL server. The benchmark never touches the database named
in DATABASE_URL: it (re)creates its own, ``bench_portal``, on the same server, migrates it,
seeds it with ``reporting.synthetic`` and measures:

- the rollup (``rollup_run``: commune rollups, then province rollups) of one quarter for 1, 4
  and 16 provinces of 100 communes and for the nation (3,321 communes × 30 units ×
  20 indicators ≈ 2 million values), with the time per value (linearity) and values per second;
- one plain ``SELECT … SUM … GROUP BY plan, indicator`` over the same values, and the ratio;
- the year-to-date quarter (Q2 on Q1) for the nation;
- with REDIS_URL set, the Celery chord (``province_rollup``) for one province against a real
  prefork worker, and its overhead over the same rollup in-process.

Every timing is the best of ``--repeat`` runs on a warm cache. The server here runs with
autovacuum off, so before each timed rollup the two rollup tables are vacuumed (untimed), as
autovacuum would between two nightly runs. Figures go to stdout and to bench/results.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.celery_worker import Worker
from bench.common import (
    Printout,
    database_drop,
    database_recreate,
    load_average,
    log,
    memory_gb,
    results_write,
    url_with_path,
    vacuum_analyze,
)

RESULTS = Path(__file__).resolve().parent / "results.txt"
BENCH_DATABASE = "bench_portal"
# The benchmark's own Redis database (flushed before and after): the tests use 15.
BENCH_REDIS_DB = 14
YEAR = 2026
PREFIX = "bench"

# 34 provinces, 3,321 communes: the first 16 provinces have exactly 100 communes so that 1, 4
# and 16 provinces are 100, 400 and 1,600 communes; the other 18 share the remaining 1,721.
NATION = [100] * 16 + [96] * 11 + [95] * 7
QUICK = [10] * 4
SIZES = {"full": [1, 4, 16, 34], "quick": [1, 2, 4]}


@dataclass
class Figures(Printout):
    """Everything printed at the end (and written to results.txt), and the targets' checks."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, ok, detail))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a small smoke run (4 provinces of 10 communes) instead of the nation")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure (best is kept)")
    parser.add_argument("--no-celery", action="store_true", help="skip the Celery chord timing")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the {BENCH_DATABASE} database afterwards (dropped by default)")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "").strip()
    if urlsplit(database_url).scheme not in ("postgres", "postgresql"):
        print("The rollup benchmark measures PostgreSQL and needs DATABASE_URL to point at a "
              "PostgreSQL server, e.g.\n\n"
              "    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench\n\n"
              f"It creates and uses its own database {BENCH_DATABASE!r} on that server (the "
              "database named in the URL is not touched); the user needs CREATEDB.\n"
              f"DATABASE_URL is {database_url or 'not set'!r}.", file=sys.stderr)
        return 2
    bench_url = database_recreate(database_url, BENCH_DATABASE)
    redis_url = os.environ.get("REDIS_URL", "").strip() or None
    bench_redis = url_with_path(redis_url, f"/{BENCH_REDIS_DB}") if redis_url else None
    env = {
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",  # DEBUG keeps every query in memory
        "CELERY_TASK_ALWAYS_EAGER": "0" if bench_redis else "1",
    }
    if bench_redis:
        env["REDIS_URL"] = bench_redis
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)

    import django

    django.setup()
    started = time.perf_counter()
    try:
        figures = Bench(quick=args.quick, repeat=max(1, args.repeat), redis_url=bench_redis,
                        celery=not args.no_celery, env=env).run()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop(database_url, BENCH_DATABASE)
    figures.add(f"Benchmark wall time: {time.perf_counter() - started:.0f} s"
                + ("" if args.keep else f" (database {BENCH_DATABASE} dropped)"))
    results_write(RESULTS, "\n".join(figures.lines) + "\n")
    return 0 if all(ok for _name, ok, _detail in figures.checks) else 1


# --- The measurements ---------------------------------------------------------------------------

PLAIN_SQL = """
SELECT p.plan_id, v.indicator_id, SUM(v.numerator), SUM(v.denominator), SUM(v.value), COUNT(*)
FROM reporting_indicatorvalue v
JOIN reporting_unitreport r ON r.id = v.report_id
JOIN reporting_reportingperiod p ON p.id = r.period_id
WHERE r.state = 'accepted' AND p.kind = 'quarterly' AND p.year = %s AND p.quarter = %s {plans}
GROUP BY p.plan_id, v.indicator_id
"""


@dataclass
class Timing:
    best: float
    runs: list[float]

    def __str__(self) -> str:
        return f"{self.best:.3f} s (runs: {', '.join(f'{r:.2f}' for r in self.runs)})"


class Bench:
    def __init__(self, *, quick: bool, repeat: int, redis_url: str | None, celery: bool,
                 env: dict[str, str]) -> None:
        self.quick, self.repeat, self.redis_url, self.celery, self.env = quick, repeat, redis_url, celery, env
        self.sizes = SIZES["quick" if quick else "full"]
        self.communes = QUICK if quick else NATION
        self.units = 10 if quick else 30
        self.indicators = 20
        self.figures = Figures()

    # --- helpers ---

    def _best(self, action: Callable[[], Any], *, before: Callable[[], None] | None = None) -> tuple[Timing, Any]:
        runs, result = [], None
        for _ in range(self.repeat):
            if before:
                before()
            started = time.perf_counter()
            result = action()
            runs.append(time.perf_counter() - started)
        return Timing(best=min(runs), runs=runs), result

    @staticmethod
    def _vacuum_rollups() -> None:
        vacuum_analyze("reporting_communerollup", "reporting_provincerollup")

    @staticmethod
    def _rollup(commune_ids: list[int], quarter: int) -> dict[str, Any]:
        """What the ``rollup`` command does: rollup_run inside the communes' scope."""
        from portal.scoping import tenant_scope
        from reporting.rollups.compute import rollup_run

        with tenant_scope(commune_ids):
            return rollup_run(year=YEAR, quarter=quarter, commune_ids=commune_ids)

    @staticmethod
    def _plain(plan_ids: list[int] | None, quarter: int, jit: bool = True) -> list[tuple[Any, ...]]:
        """The plain aggregate, as the server runs it; ``jit=False`` as the rollup statement
        runs (it turns JIT compilation off for itself)."""
        from django.db import connection, transaction

        sql = PLAIN_SQL.format(plans="AND p.plan_id = ANY(%s)" if plan_ids is not None else "")
        params: list[Any] = [YEAR, quarter] + ([plan_ids] if plan_ids is not None else [])
        with transaction.atomic(), connection.cursor() as cursor:
            if not jit:
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            return cursor.fetchall()

    # --- the run ---

    def run(self) -> Figures:
        from django.core.management import call_command
        from django.db import connection

        f = self.figures
        log("migrating")
        call_command("migrate", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), "
                           "current_setting('autovacuum'), current_setting('max_parallel_workers_per_gather')")
            version, shared_buffers, work_mem, autovacuum, parallel = cursor.fetchone()
        f.add(f"Rollup benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}" + (" (quick)" if self.quick else ""))
        f.add(f"Machine: {os.cpu_count()} CPUs, {memory_gb():.0f} GB, Python {platform.python_version()}; "
              f"{version.split(' on ')[0]} (shared_buffers {shared_buffers}, work_mem {work_mem}, "
              f"parallel workers/gather {parallel}, autovacuum {autovacuum})")
        f.add(f"Load average at start: {load_average()}")
        f.add()

        self._seed()
        provinces = self._provinces()
        self._linearity(provinces)
        self._year_to_date(provinces)
        if self.celery:
            self._celery_chord(provinces)
        else:
            f.add("Celery chord: skipped (--no-celery).")
        self._verdict()
        return f

    def _seed(self) -> None:
        from reporting.synthetic import SyntheticSpec, synthetic_data_generate

        f = self.figures
        spec = SyntheticSpec(provinces=len(self.communes), communes=self.communes, units=self.units,
                             indicators=self.indicators, quarters=2, year=YEAR, prefix=PREFIX)
        log(f"seeding {sum(self.communes)} communes × {self.units} units × {self.indicators} indicators × 2 quarters")
        started = time.perf_counter()
        summary = synthetic_data_generate(spec=spec, progress=log)
        seconds = time.perf_counter() - started
        log("VACUUM ANALYZE")
        vacuum_started = time.perf_counter()
        vacuum_analyze()
        vacuum = time.perf_counter() - vacuum_started
        f.add(f"Data (seed_synthetic): {summary.provinces} provinces, {summary.communes:,} communes, "
              f"{summary.units:,} units, {summary.targets:,} targets, {summary.target_units:,} target–unit links, "
              f"{summary.reports:,} accepted reports, {summary.values:,} values (2 quarters)")
        f.add(f"Seeding: {seconds:.0f} s ({summary.values / seconds:,.0f} values/s; organisation "
              f"{summary.seconds.get('organisation', 0):.0f} s, reports and values "
              f"{summary.seconds.get('reports', 0):.0f} s), then VACUUM ANALYZE {vacuum:.0f} s")
        f.add()
        self.seed_seconds = seconds

    def _provinces(self) -> list[tuple[int, list[int], list[int]]]:
        """(province id, commune ids, plan ids) of every synthetic province, in order."""
        from campaigns.models import Commune, Province
        from portal.scoping import scopes_disabled
        from reporting.rollups.compute import plans_for_year

        out = []
        with scopes_disabled():
            for province_id in Province.objects.filter(code__startswith=PREFIX).order_by("code").values_list(
                    "pk", flat=True):
                communes = list(Commune.objects.filter(province_id=province_id).order_by("pk")
                                .values_list("pk", flat=True))
                out.append((province_id, communes, plans_for_year(commune_ids=communes, year=YEAR)))
        return out

    def _linearity(self, provinces: list[tuple[int, list[int], list[int]]]) -> None:
        f = self.figures
        quarter = 1
        everything = [c for _p, communes, _plans in provinces for c in communes]
        log("warming the cache (plain SQL once, nation)")
        self._plain(None, quarter)
        log("first national rollup of Q1 (every row inserted)")
        self._vacuum_rollups()
        started = time.perf_counter()
        first = self._rollup(everything, quarter)
        self.first_q1 = time.perf_counter() - started
        log(f"  {self.first_q1:.2f} s, {first}")

        f.add(f"Quarter {YEAR} Q1, rollup_run (commune rollups + province rollups), recomputed, best of {self.repeat}:")
        header = (f"{'size':<14}{'communes':>9}{'values':>12}{'rollup s':>10}{'µs/value':>10}{'vs 1st':>8}"
                  f"{'values/s':>12}{'plain SQL s':>13}{'ratio':>7}{'no-JIT SQL s':>14}{'ratio':>7}")
        f.add(header)
        f.add("-" * len(header))
        self.rows: list[dict[str, Any]] = []
        for count in self.sizes:
            chosen = provinces[:count]
            communes = [c for _p, cs, _plans in chosen for c in cs]
            plans = None if count == len(provinces) else [p for _p, _cs, ps in chosen for p in ps]
            label = "nation" if count == len(provinces) else f"{count} province" + ("s" if count > 1 else "")
            log(f"{label}: rollup ×{self.repeat}")
            rollup, summary = self._best(partial(self._rollup, communes, quarter), before=self._vacuum_rollups)
            log(f"{label}: plain SQL ×{self.repeat}")
            plain, result = self._best(partial(self._plain, plans, quarter))
            plain_nojit, _ = self._best(partial(self._plain, plans, quarter, jit=False))
            values = sum(row[5] for row in result)
            assert summary["commune_rows"] == len(result), (summary, len(result))
            row = {"label": label, "communes": len(communes), "values": values, "rollup": rollup,
                   "plain": plain, "plain_nojit": plain_nojit, "per_value": rollup.best / values * 1e6}
            self.rows.append(row)
            base = self.rows[0]["per_value"]
            f.add(f"{label:<14}{len(communes):>9,}{values:>12,}{rollup.best:>10.3f}{row['per_value']:>10.2f}"
                  f"{row['per_value'] / base:>8.2f}{values / rollup.best:>12,.0f}{plain.best:>13.3f}"
                  f"{rollup.best / plain.best:>7.2f}{plain_nojit.best:>14.3f}{rollup.best / plain_nojit.best:>7.2f}")
        f.add("(µs/value and 'vs 1st': time per value, and relative to the smallest size — flat means linear;"
              " no-JIT SQL: the plain aggregate with JIT compilation off, as the rollup statement runs.)")
        for previous, current in zip(self.rows, self.rows[1:], strict=False):
            f.add(f"  {previous['label']} → {current['label']}: {current['values'] / previous['values']:.2f}× the values "
                  f"in {current['rollup'].best / previous['rollup'].best:.2f}× the time")
        nation = self.rows[-1]
        f.add(f"Nation Q1 runs: rollup {nation['rollup']}; plain SQL {nation['plain']}; "
              f"no-JIT plain SQL {nation['plain_nojit']}")
        f.add(f"Nation Q1 first computation (every row inserted, not a recompute): {self.first_q1:.3f} s")
        f.add()
        self._check_totals(quarter)

    def _year_to_date(self, provinces: list[tuple[int, list[int], list[int]]]) -> None:
        f = self.figures
        quarter = 2
        everything = [c for _p, communes, _plans in provinces for c in communes]
        log("first national rollup of Q2 (every row inserted)")
        self._vacuum_rollups()
        started = time.perf_counter()
        self._rollup(everything, quarter)
        first = time.perf_counter() - started
        log(f"nation Q2: rollup ×{self.repeat}")
        rollup, _summary = self._best(lambda: self._rollup(everything, quarter), before=self._vacuum_rollups)
        plain, result = self._best(partial(self._plain, None, quarter))
        plain_nojit, _ = self._best(partial(self._plain, None, quarter, jit=False))
        values = sum(row[5] for row in result)
        self.q2 = {"first": first, "rollup": rollup, "plain": plain, "values": values}
        f.add(f"Quarter {YEAR} Q2 (year to date joins Q1), nation, {values:,} values:")
        f.add(f"  rollup {rollup.best:.3f} s ({values / rollup.best:,.0f} values/s), first computation {first:.3f} s, "
              f"plain SQL {plain.best:.3f} s, ratio {rollup.best / plain.best:.2f} "
              f"(no-JIT plain SQL {plain_nojit.best:.3f} s, ratio {rollup.best / plain_nojit.best:.2f})")
        f.add(f"  runs: rollup {rollup}; plain SQL {plain}; no-JIT plain SQL {plain_nojit}")
        f.add()

    def _check_totals(self, quarter: int) -> None:
        """Province rollups add up to exactly what the plain SQL sums, indicator by indicator
        (numerators and denominators; the summed value of the count indicators)."""
        from django.db.models import Sum

        from portal.scoping import scopes_disabled
        from reporting.models import ProvinceRollup
        from targets.models import Indicator, Measure

        sums: dict[int, list[Decimal]] = {}
        for _plan, indicator_id, num, den, val, _n in self._plain(None, quarter):
            total = sums.setdefault(indicator_id, [Decimal(0), Decimal(0), Decimal(0)])
            for i, x in enumerate((num, den, val)):
                total[i] += x or 0
        with scopes_disabled():
            percent = set(Indicator.objects.filter(measure=Measure.PERCENT).values_list("pk", flat=True))
            province = {
                r["indicator_id"]: [r["num"] or 0, r["den"] or 0, r["val"] or 0]
                for r in ProvinceRollup.objects.filter(year=YEAR, quarter=quarter).values("indicator_id")
                .annotate(num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"))
            }
        for indicator_id in percent:  # a percentage's value is the level, not a sum
            for figures in (sums, province):
                if indicator_id in figures:
                    figures[indicator_id][2] = Decimal(0)
        ok = province == sums
        self.figures.add(f"Check: province rollups of Q{quarter} add up to the plain SQL sums for all "
                         f"{len(sums)} indicators: {'yes' if ok else 'NO'}")
        self.figures.add()
        self.figures.check("totals", ok, "province rollups = plain SQL sums")

    def _celery_chord(self, provinces: list[tuple[int, list[int], list[int]]]) -> None:
        f = self.figures
        if not self.redis_url:
            f.add("Celery chord: skipped (REDIS_URL not set).")
            return
        province_id, communes, _plans = provinces[0]
        quarter = 2
        sync, _ = self._best(lambda: self._rollup(communes, quarter), before=self._vacuum_rollups)
        log("starting a Celery worker (prefork, 2 processes)")
        with Worker(self.env) as worker:
            from celery.result import AsyncResult

            from reporting.tasks import province_rollup

            def chord() -> Any:
                body = province_rollup.delay(province_id=province_id, year=YEAR, quarter=quarter).get(timeout=600)
                return AsyncResult(body).get(timeout=600)

            log("  warm-up chord")
            chord()
            log(f"  chord ×{self.repeat}")
            timing, rows = self._best(chord, before=self._vacuum_rollups)
            log_tail = worker.errors()
        overhead = timing.best - sync.best
        f.add(f"Celery chord (province_rollup: {len(communes)} commune tasks, then the combine), 1 province, Q2, "
              f"real worker (prefork -c 2):")
        f.add(f"  chord {timing.best:.3f} s vs in-process rollup_run {sync.best:.3f} s: overhead {overhead:.3f} s "
              f"({timing.best / sync.best:.1f}×, {overhead / len(communes) * 1000:.1f} ms per commune task); "
              f"combine wrote {rows} province rows")
        f.add(f"  runs: chord {timing}; in-process {sync}")
        if log_tail:
            f.add(f"  worker errors: {log_tail}")
        f.add()

    def _verdict(self) -> None:
        f = self.figures
        nation = self.rows[-1]
        worst = max(self.first_q1, nation["rollup"].best, self.q2["first"], self.q2["rollup"].best)
        ratio = nation["rollup"].best / nation["plain"].best
        ratio_q2 = self.q2["rollup"].best / self.q2["plain"].best
        if not self.quick:
            f.check("nation < 60 s", worst < 60, f"{worst:.1f} s")
            f.check("ratio ≤ 3", max(ratio, ratio_q2) <= 3, f"Q1 {ratio:.2f}, Q2 {ratio_q2:.2f}")
        f.add(f"Load average at the end: {load_average()} "
              "(other work on the machine slows both sides of every ratio)")
        f.add("Targets:" + (" (not judged at --quick size: fixed costs dominate)" if self.quick else ""))
        f.add(f"  national quarter under 60 s (slowest of first/recompute, Q1/Q2): {worst:.2f} s — "
              f"{'PASS' if worst < 60 else 'FAIL'}")
        f.add(f"  rollup / plain SQL ≤ 3: Q1 {ratio:.2f}, Q2 {ratio_q2:.2f} — "
              f"{'PASS' if max(ratio, ratio_q2) <= 3 else 'FAIL'}")
        for name, ok, detail in f.checks:
            if name == "totals":
                f.add(f"  {detail}: {'PASS' if ok else 'FAIL'}")

