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

# The driver: the command line, then data (bench/api_data.py), the in-process profile and the
# report (bench/api_results.py), the server and wrk (bench/api_load.py).

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.api_data import QUARTER, REVIEWER, YEAR, data_prepare, database_create
from bench.api_load import (
    DOCKERFILE_WORKERS,
    LUA_DONE,
    THROTTLE_RATE,
    Server,
    cache_clear,
    response_check,
    server_environment,
    wrk_run,
    wrk_version,
)
from bench.api_results import Result, endpoints_for, profile, profile_text, results_report
from bench.common import REPO_ROOT, Printout, load_average, log, memory_gb, results_write

RESULTS = Path(__file__).resolve().parent / "results-api.txt"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/apibench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu package 'wrk').", file=sys.stderr)
        return 2
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        print(f"--database-url must be a PostgreSQL URL, not {args.database_url!r}", file=sys.stderr)
        return 2

    database_create(args.database_url)
    os.environ.update(server_environment(args.database_url, args.redis_url))
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    printout = Printout()
    out = printout.add

    started = time.perf_counter()
    data = data_prepare(reseed=args.reseed)
    cache_clear(args.redis_url)
    endpoints = endpoints_for(data["commune_code"])
    if args.only:
        endpoints = [e for e in endpoints if e.label in set(args.only)]
    from django.db import connections

    _preamble(out, args, data, wrk)
    results: list[Result] = []
    for endpoint in endpoints:
        results.append(profile(endpoint, data["secret"], explain=args.explain))
    connections.close_all()

    raw, statuses, server_errors = _load(results, args, data["secret"], wrk)
    results_report(out, results, statuses, server_errors)
    out(f"Wall time: {time.perf_counter() - started:.0f} s")
    text = "\n".join(printout.lines) + "\n\n# Query profile (in-process, one request each)\n\n"
    text += "\n".join(profile_text(r) for r in results)
    text += "\n\n# wrk raw output (URL: http://127.0.0.1:PORT + the path; header Authorization: Bearer <token>)\n\n"
    text += "\n".join(raw)
    results_write(RESULTS, text)
    cache_clear(args.redis_url)
    ok = all(r.ok for r in results if r.endpoint.judged) and not server_errors
    return 0 if ok else 1


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
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
    return parser.parse_args(argv)


def _preamble(out: Callable[..., None], args: argparse.Namespace, data: dict[str, Any], wrk: str) -> None:
    out(f"API load benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    out(f"Machine: {os.cpu_count()} CPUs (shared), {memory_gb():.0f} GB, Python {platform.python_version()}, "
        f"{data['postgres']}; wrk {wrk_version(wrk)}")
    out(f"Data: {data['summary']}")
    out(f"Reviewer: {REVIEWER}, province {data['province_code']} ({data['communes']} communes, "
        f"{data['reports']:,} unit reports and {data['rollups']:,} commune rollup rows in {YEAR} Q{QUARTER})")
    out(f"Server: gunicorn, {args.workers} sync workers, DEBUG off, PORTAL_PRODUCTION=1, Redis cache/throttle, "
        f"API_THROTTLE_RATE={THROTTLE_RATE}")
    out(f"Load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.runs} runs per endpoint "
        f"(best p95 kept); 'alone': wrk -t1 -c1 -d5s")
    out(f"Load average at start: {load_average()}")
    out()


def _load(results: list[Result], args: argparse.Namespace, secret: str,
          wrk: str) -> tuple[list[str], Counter[str], list[str]]:
    """gunicorn under wrk, endpoint by endpoint: a checked request, a warm-up, a run with one
    connection, then the loaded runs. wrk's raw output, the access log's statuses and the
    server's error lines."""
    raw: list[str] = []
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        script = Path(tmp) / "done.lua"
        script.write_text(LUA_DONE, encoding="utf-8")
        server = Server(args.workers, Path(tmp) / "gunicorn.log")
        database = unquote(urlsplit(args.database_url).path.lstrip("/"))
        with server:
            base = f"http://127.0.0.1:{server.port}"
            for result in results:
                url = base + result.endpoint.path
                result.rows, result.size = response_check(url, secret)
                log(f"{result.endpoint.label}: {result.rows} rows, {result.size:,} bytes; warm-up")
                wrk_run(wrk, script, url, secret, threads=args.threads, connections=args.connections, seconds=3)
                server.drain(database)
                result.alone = wrk_run(wrk, script, url, secret, threads=1, connections=1, seconds=5)
                server.drain(database)
                raw.append(f"## {result.endpoint.label} — alone (-t1 -c1 -d5s)\n{result.alone.raw}")
                for number in range(1, args.runs + 1):
                    run = wrk_run(wrk, script, url, secret, threads=args.threads,
                                  connections=args.connections, seconds=args.duration)
                    log(f"  run {number}: p50 {run.p50:.1f} ms, p95 {run.p95:.1f} ms, {run.rps:.1f} req/s, "
                        f"{run.errors} errors")
                    result.runs.append(run)
                    server.drain(database)
                    raw.append(f"## {result.endpoint.label} — run {number} "
                               f"(-t{args.threads} -c{args.connections} -d{args.duration}s)\n{run.raw}")
        statuses, server_errors = server.summary()
    return raw, statuses, server_errors


if __name__ == "__main__":
    sys.exit(main())
