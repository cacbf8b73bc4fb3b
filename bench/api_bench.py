"""The REST API load benchmark (issue 7): a province reviewer's reads under load, on
national-scale data, against gunicorn in its production shape.

Run from the repository root: ``.venv/bin/python -m bench api [options]`` (or
``python -m bench.api_bench``). What it does:

1. **Data.** Its own PostgreSQL database (``--database-url``, default
   ``postgres://postgres@127.0.0.1:5432/apibench``; created when missing). DATABASE_URL in the
   environment is deliberately not read: ``make bench`` examples point it at a shared database.
   The nation is seeded once with ``reporting.synthetic`` (what ``manage.py seed_synthetic``
   runs): 34 provinces, 3,321 communes, 30 units each, 20 indicators, an accepted report per
   unit for Q1 and Q2 of 2026 (about 4 million values), then both quarters' rollups
   (``rollup_run``, what ``manage.py rollup`` runs), every commune's consolidated report of both
   quarters (a third issued) and ``VACUUM ANALYZE``. The largest
   province (168 communes, the design's maximum) is created last, so its rows carry the
   highest ids: the worst case for queries ordered by id. A later run finds the data and
   reuses it (``--reseed`` rebuilds it). A province reviewer of that province gets a fresh
   personal token on every run (the previous ones are deleted).
2. **Server.** ``gunicorn config.wsgi:application`` as the Dockerfile runs it (sync workers,
   access log on), ``--workers`` 3 by default (the Dockerfile's WEB_CONCURRENCY), on 127.0.0.1
   and a free port, with DJANGO_DEBUG=0, PORTAL_PRODUCTION=1, a random DJANGO_SECRET_KEY,
   DJANGO_ALLOWED_HOSTS=127.0.0.1 and REDIS_URL (cache and throttling, as in production; Redis
   database 13 by default, the tests use 14 and 15; only the keys under the benchmark's own
   cache prefix are deleted). The throttle's rate is lifted (THROTTLE_RATE), its counting is
   not. The benchmark waits for /healthz and stops the server at the end.
3. **Load.** The issue's "rollup and report list endpoints", judged: a page of the province's
   commune rollups, the same for one commune, the province's rollups, a page of unit reports,
   a page of commune reports; then, measured but not judged, the completeness table and a
   one-row baseline (/api/v1/provinces/: the fixed cost of any request).
   For each endpoint: one checked request (200, rows), a short warm-up, a run with one
   connection (the service time, no queueing), then ``--runs`` (2) runs of wrk with
   ``--connections`` (20) for ``--duration`` (25) s each; the best run (lowest p95) is kept.
   A Lua ``done()`` callback prints p50/p95/p99, requests/s and the errors (non-2xx/3xx
   statuses, connect/read/write errors, timeouts of 30 s). Between runs the benchmark waits
   until the server is idle again (it still serves what the previous run left queued).
4. **Profile.** Before the server starts, each endpoint in-process (Django's test client, same
   settings, best of 5): the number of SQL queries, their time, the whole request's time and
   the Python process's CPU time (the steadiest figure on a shared machine); ``--explain``
   also runs EXPLAIN (ANALYZE, BUFFERS) on every SELECT and saves the plans.

The table is printed and written with wrk's raw output to bench/results-api.txt (an output,
not versioned). The exit status is 1 when a judged endpoint misses p95 < 100 ms or has an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.common import log, memory_gb, process_group_stop, server_connection

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results-api.txt"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/apibench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
CACHE_KEY_PREFIX = "apibench"
PREFIX = "api"
YEAR, QUARTER = 2026, 2
QUARTERS = 2
UNITS, INDICATORS = 30, 20
# 34 provinces, 3,321 communes; the last is the largest the design plans for (168).
NATION = [96] * 18 + [95] * 15 + [168]
REVIEWER = "api-bench-reviewer"
P95_TARGET_MS = 100.0
# The throttle counts every request (one Redis round trip, campaigns/api/authentication.py)
# whatever its rate; the rate is lifted only so that one token's load test is never refused.
THROTTLE_RATE = "10000000/min"
# gunicorn's workers: the Dockerfile's default (WEB_CONCURRENCY), unless --workers says otherwise.
DOCKERFILE_WORKERS = 3
# wrk leaves a response slower than its timeout out of the latency figures (it counts a
# timeout error instead): gunicorn's own worker timeout, so that no answer the server would
# still give is censored.
WRK_TIMEOUT = 30
PROFILE_REPEAT = 5  # in-process requests per endpoint (the fastest is kept)

LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""




@dataclass
class Endpoint:
    label: str
    path: str
    judged: bool = True  # False: measured for comparison, outside the verdict


@dataclass
class Run:
    requests: int
    seconds: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    errors: int
    detail: dict[str, int]
    raw: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    endpoint: Endpoint
    rows: int
    size: int
    alone: Run | None = None
    runs: list[Run] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda r: (r.errors > 0, r.p95))

    @property
    def ok(self) -> bool:
        return self.best.p95 < P95_TARGET_MS and not any(r.errors for r in self.runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("API_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"the benchmark's own PostgreSQL database (default {DEFAULT_DATABASE_URL}; "
                        "API_BENCH_DATABASE_URL also works), created when missing")
    parser.add_argument("--redis-url", default=os.environ.get("API_BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                        help=f"Redis for the server's cache and throttle (default {DEFAULT_REDIS_URL})")
    parser.add_argument("--reseed", action="store_true", help="rebuild the synthetic data even if it is there")
    parser.add_argument("--duration", type=int, default=25, help="seconds per loaded wrk run (default 25)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--runs", type=int, default=2, help="loaded runs per endpoint, the best is kept (default 2)")
    parser.add_argument("--workers", type=int, default=DOCKERFILE_WORKERS,
                        help=f"gunicorn workers (default {DOCKERFILE_WORKERS}, the Dockerfile's WEB_CONCURRENCY)")
    parser.add_argument("--only", action="append", help="endpoint labels to run (repeatable): "
                        "rollups, rollups-commune, rollups-province, unit-reports, commune-reports, "
                        "completeness, baseline")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) every query of each endpoint into the results")
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu package 'wrk').", file=sys.stderr)
        return 2
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        print(f"--database-url must be a PostgreSQL URL, not {args.database_url!r}", file=sys.stderr)
        return 2

    _database_create(args.database_url)
    server_env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": CACHE_KEY_PREFIX,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "PORTAL_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_RATE": THROTTLE_RATE,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(server_env)
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    lines: list[str] = []

    def out(line: str = "") -> None:
        lines.append(line)
        print(line, flush=True)

    started = time.perf_counter()
    data = _prepare(reseed=args.reseed)
    _cache_clear(args.redis_url)
    endpoints = _endpoints(data["commune_code"])
    if args.only:
        endpoints = [e for e in endpoints if e.label in set(args.only)]
    from django.db import connections

    out(f"API load benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    out(f"Machine: {os.cpu_count()} CPUs (shared), {memory_gb():.0f} GB, Python {platform.python_version()}, "
        f"{data['postgres']}; wrk {_wrk_version(wrk)}")
    out(f"Data: {data['summary']}")
    out(f"Reviewer: {REVIEWER}, province {data['province_code']} ({data['communes']} communes, "
        f"{data['reports']:,} unit reports and {data['rollups']:,} commune rollup rows in {YEAR} Q{QUARTER})")
    out(f"Server: gunicorn, {args.workers} sync workers, DEBUG off, PORTAL_PRODUCTION=1, Redis cache/throttle, "
        f"API_THROTTLE_RATE={THROTTLE_RATE}")
    out(f"Load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.runs} runs per endpoint "
        f"(best p95 kept); 'alone': wrk -t1 -c1 -d5s")
    out(f"Load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out()

    results: list[Result] = []
    for endpoint in endpoints:
        results.append(_profile(endpoint, data["secret"], explain=args.explain))
    connections.close_all()

    raw: list[str] = []
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        script = Path(tmp) / "done.lua"
        script.write_text(LUA_DONE, encoding="utf-8")
        server = _Server(args.workers, Path(tmp) / "gunicorn.log")
        database = unquote(urlsplit(args.database_url).path.lstrip("/"))
        with server:
            base = f"http://127.0.0.1:{server.port}"
            for result in results:
                url = base + result.endpoint.path
                result.rows, result.size = _check(url, data["secret"])
                log(f"{result.endpoint.label}: {result.rows} rows, {result.size:,} bytes; warm-up")
                _wrk(wrk, script, url, data["secret"], threads=args.threads, connections=args.connections,
                     seconds=3)
                server.drain(database)
                result.alone = _wrk(wrk, script, url, data["secret"], threads=1, connections=1, seconds=5)
                server.drain(database)
                raw.append(f"## {result.endpoint.label} — alone (-t1 -c1 -d5s)\n{result.alone.raw}")
                for number in range(1, args.runs + 1):
                    run = _wrk(wrk, script, url, data["secret"], threads=args.threads,
                               connections=args.connections, seconds=args.duration)
                    log(f"  run {number}: p50 {run.p50:.1f} ms, p95 {run.p95:.1f} ms, {run.rps:.1f} req/s, "
                        f"{run.errors} errors")
                    result.runs.append(run)
                    server.drain(database)
                    raw.append(f"## {result.endpoint.label} — run {number} "
                               f"(-t{args.threads} -c{args.connections} -d{args.duration}s)\n{run.raw}")
        statuses, server_errors = server.summary()

    _report(out, results, statuses, server_errors)
    out(f"Wall time: {time.perf_counter() - started:.0f} s")
    text = "\n".join(lines) + "\n\n# Query profile (in-process, one request each)\n\n"
    text += "\n".join(_profile_text(r) for r in results)
    text += "\n\n# wrk raw output (URL: http://127.0.0.1:PORT + the path; header Authorization: Bearer <token>)\n\n"
    text += "\n".join(raw)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"\nWritten to {RESULTS.relative_to(REPO_ROOT)}", flush=True)
    _cache_clear(args.redis_url)
    ok = all(r.ok for r in results if r.endpoint.judged) and not server_errors
    return 0 if ok else 1


# --- The database and the data ---------------------------------------------------------------


def _database_create(url: str) -> None:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"--database-url must name the benchmark's own database, not {name!r}")
    conn = server_connection(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                log(f"creating database {name}")
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def _prepare(*, reseed: bool) -> dict[str, Any]:
    """Migrate; seed and roll up unless the data is already there; the reviewer and a token."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from campaigns.models import ApiToken, Commune, Membership, Province
    from campaigns.services.api_tokens import api_token_create
    from portal.access import Role
    from portal.scoping import scopes_disabled
    from reporting.models import CommuneReport, CommuneRollup, UnitReport
    from reporting.synthetic.spec import province_code

    log("migrating")
    call_command("migrate", interactive=False, verbosity=0)
    largest = len(NATION)
    with scopes_disabled():
        seeded = (Commune.objects.filter(province__code__startswith=PREFIX).count() == sum(NATION)
                  and Province.objects.filter(code=province_code(PREFIX, largest)).exists()
                  and all(UnitReport.objects.filter(period__year=YEAR, period__quarter=q,
                                                    unit__commune__province__code=province_code(PREFIX, largest))
                          .exists() for q in range(1, QUARTERS + 1)))
        rolled = seeded and all(CommuneRollup.objects.filter(year=YEAR, quarter=q).exists()
                                for q in range(1, QUARTERS + 1))
    if reseed or not seeded:
        _seed()
    if reseed or not rolled:
        _rollups()
    with scopes_disabled():
        reported = seeded and CommuneReport.objects.filter(period__year=YEAR, period__quarter=QUARTER).exists()
    if reseed or not reported:
        _commune_reports()
    if reseed or not seeded or not rolled or not reported:
        log("VACUUM ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        log("reusing the seeded data (--reseed rebuilds it)")

    with scopes_disabled():
        province = Province.objects.get(code=province_code(PREFIX, largest))
        communes = list(Commune.objects.filter(province=province).order_by("code").values_list("code", flat=True))
        user, _created = get_user_model().objects.get_or_create(
            username=REVIEWER, defaults={"email": "api-bench@example.invalid"})
        Membership.objects.update_or_create(user=user, defaults={
            "role": Role.PROVINCE_REVIEWER, "province": province, "commune": None, "unit": None})
        ApiToken.objects.filter(user=user).delete()
        secret = api_token_create(user=user, name="API load benchmark", days=1).secret
        reports = UnitReport.objects.filter(unit__commune__province=province, period__year=YEAR,
                                            period__quarter=QUARTER).count()
        rollups = CommuneRollup.objects.filter(commune__province=province, year=YEAR, quarter=QUARTER).count()
        total_values = _count("reporting_indicatorvalue")
        summary = (f"{Province.objects.filter(code__startswith=PREFIX).count()} provinces, "
                   f"{Commune.objects.filter(province__code__startswith=PREFIX).count():,} communes × {UNITS} units × "
                   f"{INDICATORS} indicators, {QUARTERS} quarters of {YEAR}: {total_values:,} indicator values, "
                   f"{_count('reporting_communerollup'):,} commune rollup rows")
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(version(), ' ', 2), current_setting('shared_buffers'), "
                       "current_setting('work_mem')")
        version, shared_buffers, work_mem = cursor.fetchone()
    return {"province_code": province.code, "communes": len(communes),
            # A commune from the middle of the province for the filtered rollups.
            "commune_code": communes[len(communes) // 2], "secret": secret, "reports": reports,
            "rollups": rollups, "summary": summary,
            "postgres": f"PostgreSQL {version} (shared_buffers {shared_buffers}, work_mem {work_mem})"}


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a fixed table name
        return int(cursor.fetchone()[0])


def _seed() -> None:
    from reporting.synthetic.generate import synthetic_data_generate
    from reporting.synthetic.spec import SyntheticSpec

    spec = SyntheticSpec(provinces=len(NATION), communes=NATION, units=UNITS, indicators=INDICATORS,
                         quarters=QUARTERS, year=YEAR, prefix=PREFIX)
    log(f"seeding {sum(NATION):,} communes × {UNITS} units × {INDICATORS} indicators × {QUARTERS} quarters "
        "(about 3 minutes)")
    started = time.perf_counter()
    summary = synthetic_data_generate(spec=spec, progress=log)
    log(f"seeded {summary.values:,} values in {time.perf_counter() - started:.0f} s")


def _rollups() -> None:
    """What ``manage.py rollup --year Y --quarter Q`` runs, for the nation, Q1 then Q2."""
    from campaigns.models import Commune
    from portal.scoping import scopes_disabled, tenant_scope
    from reporting.rollups import rollup_run

    with scopes_disabled():
        commune_ids = list(Commune.objects.order_by("pk").values_list("pk", flat=True))
    for quarter in range(1, QUARTERS + 1):
        log(f"rollup {YEAR} Q{quarter} for {len(commune_ids):,} communes")
        started = time.perf_counter()
        with tenant_scope(commune_ids):
            summary = rollup_run(year=YEAR, quarter=quarter, commune_ids=commune_ids)
        log(f"  {time.perf_counter() - started:.0f} s: {summary}")


def _commune_reports() -> None:
    """Every commune's consolidated report of each quarter (synthetic data has none): drafts,
    and a third issued with a number, a date and a signer, as the PDF benchmark makes them."""
    from django.utils import timezone

    from portal.scoping import scopes_disabled
    from reporting.models import CommuneReport, CommuneReportState, PeriodKind, ReportingPeriod

    with scopes_disabled():
        periods = list(ReportingPeriod.objects.filter(plan__commune__province__code__startswith=PREFIX, year=YEAR,
                                                      kind=PeriodKind.QUARTERLY, commune_reports=None)
                       .select_related("plan").order_by("pk"))
        log(f"commune reports: {len(periods):,}")
        now = timezone.now()
        CommuneReport.objects.bulk_create([
            CommuneReport(period=period, commune_id=period.plan.commune_id, number=f"{n:02d}" if n % 3 == 0 else "",
                          state=CommuneReportState.ISSUED if n % 3 == 0 else CommuneReportState.DRAFT,
                          place=period.plan.place, title=f"Kết quả thực hiện quý {period.quarter} năm {YEAR}",
                          issue_date=period.commune_deadline if n % 3 == 0 else None,
                          signer_position="Phó Chủ tịch", signer_name="Nguyễn Văn Hòa",
                          recipients=["Sở Khoa học và Công nghệ", "Lưu: VT"], issued_at=now if n % 3 == 0 else None)
            for n, period in enumerate(periods, start=1)], batch_size=2000)


def _endpoints(commune_code: str) -> list[Endpoint]:
    """The issue's target is on "the rollup and report list endpoints": those are judged."""
    q = f"year={YEAR}&quarter={QUARTER}"
    return [
        Endpoint("rollups", f"/api/v1/rollups/communes/?{q}"),
        Endpoint("rollups-commune", f"/api/v1/rollups/communes/?{q}&commune={commune_code}"),
        Endpoint("rollups-province", f"/api/v1/rollups/provinces/?{q}"),
        Endpoint("unit-reports", f"/api/v1/unit-reports/?{q}"),
        Endpoint("commune-reports", f"/api/v1/commune-reports/?{q}"),
        # Not a list of rollups or reports: a table computed from the whole province's reports.
        Endpoint("completeness", f"/api/v1/completeness/?{q}", judged=False),
        # The floor: authentication, scope, throttle and one row, whatever the data.
        Endpoint("baseline", "/api/v1/provinces/", judged=False),
    ]


def _cache_clear(redis_url: str) -> None:
    """Delete the benchmark's own cache keys (throttle history), nothing else."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


# --- The in-process profile -----------------------------------------------------------------


def _profile(endpoint: Endpoint, secret: str, *, explain: bool) -> Result:
    """One request through Django's test client: queries, their time, the whole request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    client.get(endpoint.path)  # warm: imports, caches, the token's last_used_at write
    best: dict[str, Any] = {}
    cpu_ms = float("inf")
    for _ in range(PROFILE_REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(endpoint.path)
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.path}: HTTP {response.status_code} in-process: {response.content[:500]!r}")
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        if not best or total * 1000 < best["total_ms"]:
            best = {"total_ms": total * 1000, "sql_ms": sql_ms, "queries": list(queries.captured_queries)}
        # The process's own CPU time hardly depends on what else the machine runs: the
        # steadiest figure of the Python side (the database's CPU is not in it).
        cpu_ms = min(cpu_ms, cpu * 1000)
    best["cpu_ms"] = cpu_ms
    if explain:
        best["plans"] = []
        with connection.cursor() as cursor:
            for query in best["queries"]:
                if not query["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                best["plans"].append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    log(f"{endpoint.label}: in-process {best['total_ms']:.1f} ms, Python CPU {best['cpu_ms']:.1f} ms, "
        f"{len(best['queries'])} queries, SQL {best['sql_ms']:.1f} ms")
    return Result(endpoint=endpoint, rows=0, size=0, profile=best)


def _profile_text(result: Result) -> str:
    p = result.profile
    lines = [f"## {result.endpoint.label}: {result.endpoint.path}",
             f"in-process {p['total_ms']:.1f} ms, {len(p['queries'])} queries, SQL {p['sql_ms']:.1f} ms "
             f"(the rest {p['total_ms'] - p['sql_ms']:.1f} ms); Python CPU {p['cpu_ms']:.1f} ms (best of {PROFILE_REPEAT})"]
    for query in p["queries"]:
        lines.append(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    for sql, plan in p.get("plans", []):
        lines += ["", f"EXPLAIN ANALYZE {sql[:400]}", plan]
    return "\n".join(lines) + "\n"


# --- The server -----------------------------------------------------------------------------


class _Server:
    """gunicorn as the Dockerfile runs it, in its own process group, on a free port."""

    ACCESS = re.compile(r'"GET [^"]*" (\d{3}) ')

    def __init__(self, workers: int, log_path: Path) -> None:
        self.workers, self.log_path = workers, log_path
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def __enter__(self) -> _Server:
        gunicorn = REPO_ROOT / ".venv" / "bin" / "gunicorn"
        log(f"starting gunicorn ({self.workers} workers) on 127.0.0.1:{self.port}")
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [str(gunicorn if gunicorn.exists() else "gunicorn"), "config.wsgi:application",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--access-logfile", "-"],
                cwd=REPO_ROOT, env=dict(os.environ), stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        time.sleep(2)  # let every worker finish booting
        return self

    def drain(self, database: str) -> None:
        """Wait until the server has finished what wrk left behind: a sync worker still serves
        the requests queued when wrk closed its connections, which would slow the next run.
        Idle means the workers and the database's backends used under 5 % of a core for two
        half-seconds in a row (at most two minutes)."""
        deadline = time.monotonic() + 120
        quiet, before = 0, _cpu_seconds(self.process.pid, database)
        while quiet < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
            now = _cpu_seconds(self.process.pid, database)
            quiet = quiet + 1 if now - before < 0.025 else 0
            before = now

    def summary(self) -> tuple[Counter[str], list[str]]:
        """Response statuses from the access log, and error lines (tracebacks, 5xx)."""
        statuses: Counter[str] = Counter()
        errors: list[str] = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = self.ACCESS.search(line)
            if match:
                statuses[match.group(1)] += 1
            elif "Traceback" in line or "ERROR" in line or "CRITICAL" in line:
                errors.append(line.strip()[:300])
        return statuses, errors

    def _stop(self) -> None:
        process_group_stop(self.process)  # our own process group only

    def __exit__(self, *exc: object) -> None:
        log("stopping gunicorn")
        self._stop()


def _cpu_seconds(group: int, database: str) -> float:
    """CPU time used so far by the processes of a process group (gunicorn's master and
    workers) and by the PostgreSQL backends connected to ``database`` on this machine."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ours = int(fields[2]) == group
            if not ours:
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    title = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
                ours = title.startswith("postgres:") and f" {database} " in title
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or not ours to read
        if ours:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _check(url: str, secret: str) -> tuple[int, int]:
    """One request: HTTP 200 and the number of rows the reviewer gets."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}",  # noqa: S310
                                                   "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    data = json.loads(body)
    rows = len(data["results"]) if isinstance(data, dict) else len(data)
    if not rows:
        raise RuntimeError(f"{url}: no rows — the reviewer sees nothing; is the data seeded?")
    return rows, len(body)


def _wrk(wrk: str, script: Path, url: str, secret: str, *, threads: int, connections: int, seconds: int) -> Run:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{WRK_TIMEOUT}s", "-s", str(script),
               "-H", f"Authorization: Bearer {secret}", "-H", "Accept: application/json", url]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    text = (completed.stdout + completed.stderr).replace(secret, "<token>")
    match = re.search(r"^WRK_JSON (\{.*\})$", text, re.MULTILINE)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{text}")
    d = json.loads(match.group(1))
    detail = {k: d[k] for k in ("status", "connect", "read", "write", "timeout")}
    return Run(requests=d["requests"], seconds=d["duration_us"] / 1e6, p50=d["p50_us"] / 1000,
               p90=d["p90_us"] / 1000, p95=d["p95_us"] / 1000, p99=d["p99_us"] / 1000, max=d["max_us"] / 1000,
               errors=sum(detail.values()), detail=detail, raw=text.strip())


def _wrk_version(wrk: str) -> str:
    completed = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"wrk (\S+)", completed.stdout + completed.stderr)
    return match.group(1) if match else "?"


# --- The report -------------------------------------------------------------------------------


def _report(out: Any, results: list[Result], statuses: Counter[str], server_errors: list[str]) -> None:
    header = (f"{'endpoint':<17}{'rows':>5}{'KB':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}"
              f"{'errors':>7}{'alone p50':>10}{'in-proc ms':>11}{'CPU ms':>8}{'SQL ms':>8}{'queries':>8}  verdict")
    out(header)
    out("-" * len(header))
    for r in results:
        b = r.best
        alone = r.alone.p50 if r.alone else float("nan")
        out(f"{r.endpoint.label:<17}{r.rows:>5}{r.size / 1024:>6.0f}{b.p50:>8.1f}{b.p95:>8.1f}{b.p99:>8.1f}"
            f"{b.rps:>8.1f}{sum(x.errors for x in r.runs):>7}{alone:>10.1f}{r.profile['total_ms']:>11.1f}"
            f"{r.profile['cpu_ms']:>8.1f}{r.profile['sql_ms']:>8.1f}{len(r.profile['queries']):>8}  "
            f"{('PASS' if r.ok else 'FAIL') if r.endpoint.judged else '(not judged)'}")
    out("(best of the loaded runs by p95; errors: all runs, non-2xx/3xx + socket errors; 'alone': wrk with one "
        "connection, no queueing; in-process: one request through the test client — wall time, the Python "
        "process's CPU time, the SQL time as the client saw it, and the query count)")
    out()
    for r in results:
        out(f"{r.endpoint.label}: {r.endpoint.path}")
        for number, run in enumerate(r.runs, start=1):
            out(f"  run {number}: p50 {run.p50:.1f}, p90 {run.p90:.1f}, p95 {run.p95:.1f}, p99 {run.p99:.1f}, "
                f"max {run.max:.1f} ms; {run.requests:,} requests, {run.rps:.1f} req/s; errors {run.detail}")
    out()
    out(f"Server responses (access log): {dict(sorted(statuses.items()))}")
    if server_errors:
        out(f"Server error lines ({len(server_errors)}): " + " | ".join(server_errors[:5]))
    out(f"Load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    judged = [r for r in results if r.endpoint.judged]
    out(f"Target: p95 < {P95_TARGET_MS:.0f} ms and no errors at the given concurrency: "
        + ("nothing judged" if not judged else "PASS" if all(r.ok for r in judged) and not server_errors else
           "FAIL (" + ", ".join(r.endpoint.label for r in judged if not r.ok)
           + (", server errors" if server_errors else "") + ")"))




if __name__ == "__main__":
    sys.exit(main())
