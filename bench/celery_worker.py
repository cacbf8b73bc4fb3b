"""A real Celery worker for the rollup benchmark's chord (bench/rollup_bench.py):
``celery -A config worker --pool=prefork -c 2`` in a process group of its own, against the
benchmark's database and its own Redis database (flushed before and after)."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import process_group_start, process_group_stop, venv_tool


class Worker:
    """``celery -A config worker --pool=prefork -c 2`` against bench_portal and Redis /14."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.nodename = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])

    def __enter__(self) -> Worker:
        import redis

        from config.celery import app

        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()  # the benchmark's own database
        self.process = process_group_start(
            [venv_tool("celery"), "-A", "config", "worker", "--pool=prefork",
             "-c", "2", "-Q", "default,pdf", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", self.nodename, "-l", "warning"],
            env=self.env, log_path=self.log_path)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.nodename], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"the Celery worker did not start:\n{self.log_path.read_text()}")
        return self

    def errors(self) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return " | ".join(line for line in text.splitlines() if "ERROR" in line)[:500]

    def _stop(self) -> None:
        process_group_stop(self.process)  # our own process group only

    def __exit__(self, *exc: object) -> None:
        import redis

        self._stop()
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        self.log_path.unlink(missing_ok=True)
