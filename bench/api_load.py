"""The API benchmark's server and load (bench/api_bench.py): gunicorn as the Dockerfile runs
it, the environment it runs with, waiting until it is idle, the Redis cache keys of the
benchmark, and wrk with the Lua ``done()`` callback that prints its figures as JSON."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import log, process_group_start, process_group_stop, venv_tool

CACHE_KEY_PREFIX = "apibench"
# The throttle counts every request (one Redis round trip, campaigns/api/authentication.py)
# whatever its rate; the rate is lifted only so that one token's load test is never refused.
THROTTLE_RATE = "10000000/min"
# gunicorn's workers: the Dockerfile's default (WEB_CONCURRENCY), unless --workers says otherwise.
DOCKERFILE_WORKERS = 3
# wrk leaves a response slower than its timeout out of the latency figures (it counts a
# timeout error instead): gunicorn's own worker timeout, so that no answer the server would
# still give is censored.
WRK_TIMEOUT = 30

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


def server_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The settings' environment of the server and of the in-process profile: production's."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
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


def cache_clear(redis_url: str) -> None:
    """Delete the benchmark's own cache keys (throttle history), nothing else."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


class Server:
    """gunicorn as the Dockerfile runs it, in its own process group, on a free port."""

    ACCESS = re.compile(r'"GET [^"]*" (\d{3}) ')

    def __init__(self, workers: int, log_path: Path) -> None:
        self.workers, self.log_path = workers, log_path
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def __enter__(self) -> Server:
        log(f"starting gunicorn ({self.workers} workers) on 127.0.0.1:{self.port}")
        self.process = process_group_start(
            [venv_tool("gunicorn"), "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--access-logfile", "-"],
            env=dict(os.environ), log_path=self.log_path)
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


def response_check(url: str, secret: str) -> tuple[int, int]:
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


def wrk_run(wrk: str, script: Path, url: str, secret: str, *, threads: int, connections: int,
            seconds: int) -> Run:
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


def wrk_version(wrk: str) -> str:
    completed = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"wrk (\S+)", completed.stdout + completed.stderr)
    return match.group(1) if match else "?"
