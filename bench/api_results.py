"""What the API benchmark measures and how it reports it (bench/api_bench.py): the endpoints
(judged or not), each one's result, the in-process profile through Django's test client
(queries, SQL time, wall and CPU time) and the printed table.

Django is imported inside the functions: the benchmark sets the settings' environment from
its command line before it sets Django up."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.api_data import QUARTER, YEAR
from bench.api_load import Run
from bench.common import load_average, log

P95_TARGET_MS = 100.0
PROFILE_REPEAT = 5  # in-process requests per endpoint (the fastest is kept)


@dataclass
class Endpoint:
    label: str
    path: str
    judged: bool = True  # False: measured for comparison, outside the verdict


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


def endpoints_for(commune_code: str) -> list[Endpoint]:
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


# --- The in-process profile -----------------------------------------------------------------


def profile(endpoint: Endpoint, secret: str, *, explain: bool) -> Result:
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


def profile_text(result: Result) -> str:
    p = result.profile
    lines = [f"## {result.endpoint.label}: {result.endpoint.path}",
             f"in-process {p['total_ms']:.1f} ms, {len(p['queries'])} queries, SQL {p['sql_ms']:.1f} ms "
             f"(the rest {p['total_ms'] - p['sql_ms']:.1f} ms); Python CPU {p['cpu_ms']:.1f} ms (best of {PROFILE_REPEAT})"]
    for query in p["queries"]:
        lines.append(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    for sql, plan in p.get("plans", []):
        lines += ["", f"EXPLAIN ANALYZE {sql[:400]}", plan]
    return "\n".join(lines) + "\n"


# --- The report -------------------------------------------------------------------------------


def results_report(out: Callable[..., None], results: list[Result], statuses: Counter[str],
                   server_errors: list[str]) -> None:
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
    out(f"Load average at the end: {load_average()}")
    judged = [r for r in results if r.endpoint.judged]
    out(f"Target: p95 < {P95_TARGET_MS:.0f} ms and no errors at the given concurrency: "
        + ("nothing judged" if not judged else "PASS" if all(r.ok for r in judged) and not server_errors else
           "FAIL (" + ", ".join(r.endpoint.label for r in judged if not r.ok)
           + (", server errors" if server_errors else "") + ")"))



