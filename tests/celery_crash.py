"""A real Celery worker that a test can SIGKILL and restart: the ``crash_worker`` fixture.

The shared ``real_celery_worker`` (tests/celery_worker.py) runs one solo worker for the whole
test. A crash test needs more: a prefork worker with one pool process (``-c 1``), so the
commune tasks of a chord run one after another and one of them is always in flight; a way to
kill the pool process (the parent notices, as after the kernel's OOM killer) or the whole
worker (as when a container or a machine dies); a restart; and a view of the broker's
unacknowledged messages, so a test can prove a task really was in flight when it killed.

This module is also the worker's Celery app (``celery -A tests.celery_crash worker``): the
project's app, plus two knobs read from the worker's environment only:

- ``CRASH_TEST_SLOW_TASKS="<task name>=<seconds>,…"``: those tasks sleep before they run
  (``task_prerun``), so a kill lands mid-task instead of racing a fast aggregate query;
- ``CRASH_TEST_SLOW_AFTER="<task name>=<seconds>,…"``: those tasks sleep after they have
  done their work and reported it (result stored, chord counter updated; ``task_postrun``)
  and before the message is acknowledged, so a kill lands in that window;
- ``CRASH_TEST_VISIBILITY_TIMEOUT=<seconds>``: how long the Redis transport waits before it
  hands an unacknowledged message to another consumer. Production keeps kombu's setting
  (one hour unless the settings say otherwise); a test cannot wait that long, so the test
  shortens it and sweeps every second — time compression, not a different mechanism.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config.celery import app
from tests.celery_worker import (
    CELERY_BIN,
    REPO_ROOT,
    STARTUP_TIMEOUT,
    _detach_connections,
    _stop,
    require_worker_services,
    with_path,
)

# Its own Redis database: the shared worker fixture flushes /15, and the two may run side by
# side (pytest-xdist, or two developers on one Redis).
CRASH_REDIS_DB = 14
SLOW_TASKS_ENV = "CRASH_TEST_SLOW_TASKS"
SLOW_AFTER_ENV = "CRASH_TEST_SLOW_AFTER"
VISIBILITY_TIMEOUT_ENV = "CRASH_TEST_VISIBILITY_TIMEOUT"

__all__ = ["SLOW_AFTER_ENV", "SLOW_TASKS_ENV", "VISIBILITY_TIMEOUT_ENV", "CrashWorker", "app",
           "crash_worker_fixture"]


# --- Worker side ----------------------------------------------------------------------------


def _slow_tasks(spec: str) -> dict[str, float]:
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {name.strip(): float(seconds) for name, seconds in pairs}


def _slow_down(hook: Any, spec: str) -> None:
    slow = _slow_tasks(spec)
    if not slow:
        return

    def sleep(sender: Any = None, **_kwargs: Any) -> None:
        delay = slow.get(getattr(sender, "name", ""), 0.0)
        if delay:
            time.sleep(delay)  # a worker-side delay that makes the test's kill land where it means to

    hook.connect(sleep, weak=False)


def _install_worker_knobs() -> None:
    from celery.signals import task_postrun, task_prerun

    _slow_down(task_prerun, os.environ.get(SLOW_TASKS_ENV, ""))
    _slow_down(task_postrun, os.environ.get(SLOW_AFTER_ENV, ""))
    visibility = os.environ.get(VISIBILITY_TIMEOUT_ENV)
    if visibility:
        app.conf.broker_transport_options = {
            **(app.conf.broker_transport_options or {}),
            "visibility_timeout": int(visibility),
            # Sweep for expired messages every second (kombu: every 10 × 10 s by default),
            # and never let a killed worker's sweep lock outlive the test.
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": 5,
        }


_install_worker_knobs()


# --- Test side ------------------------------------------------------------------------------


@dataclass
class CrashWorker:
    """One worker at a time (started, killed, restarted), its log and its broker."""

    env: dict[str, str]
    log_path: Path
    broker: Any
    process: subprocess.Popen[bytes] | None = None
    nodename: str = ""
    starts: int = 0
    killed_pids: list[int] = field(default_factory=list)

    def start(self) -> None:
        """Start a worker (a new node name each time) and wait until it answers a ping."""
        assert self.process is None or self.process.poll() is not None, "a worker is already running"
        self.starts += 1
        self.nodename = f"crash{self.starts}-{uuid.uuid4().hex[:8]}@pytest"
        with self.log_path.open("ab") as log:
            log.write(f"\n===== worker start {self.starts}: {self.nodename} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(  # noqa: S603
                [str(CELERY_BIN), "-A", "tests.celery_crash", "worker", "--pool=prefork", "--concurrency=1",
                 "-Q", "default", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", self.nodename, "-l", "info"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.wait_until(lambda: app.control.ping(destination=[self.nodename], timeout=0.5),
                        timeout=STARTUP_TIMEOUT, what="the worker to answer a ping")

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool): no warm shutdown, nothing acknowledged,
        nothing handed back to the broker."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def kill_pool_process(self, pid: int) -> None:
        """SIGKILL one pool process; the parent lives on and forks a new one."""
        self.killed_pids.append(pid)
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def active(self) -> list[dict[str, Any]]:
        """The tasks this worker's pool is running now (asked over the broker)."""
        replies = app.control.inspect(destination=[self.nodename], timeout=1.0).active() or {}
        return list(replies.get(self.nodename, []))

    def pool_pids(self) -> list[int]:
        stats = app.control.inspect(destination=[self.nodename], timeout=1.0).stats() or {}
        return list(stats.get(self.nodename, {}).get("pool", {}).get("processes", []))

    def unacked(self) -> dict[str, str]:
        """Delivered but unacknowledged messages (kombu's Redis ``unacked`` hash): task id → name."""
        found = {}
        for raw in self.broker.hvals("unacked"):
            message = json.loads(raw)[0]
            headers = message.get("headers", {})
            found[headers.get("id", "")] = headers.get("task", "")
        return found

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_until(self, predicate: Callable[[], Any], *, timeout: float = 90.0, what: str = "",
                   interval: float = 0.05) -> Any:
        """Poll ``predicate`` until it returns something truthy; fail with the worker log."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited ({self.process.returncode}) while waiting for "
                            f"{what or predicate}\n--- worker log ---\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what or predicate}"
                            f"\n--- worker log ---\n{self.log()}")
            time.sleep(interval)  # a poll interval, not a wait for the outcome


@pytest.fixture(name="crash_worker")
def crash_worker_fixture(transactional_db: None, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[CrashWorker]:
    """A started prefork worker (``-c 1``) that the test may kill and restart.

    The worker's environment adds to the shared worker's the test module's ``CRASH_WORKER_ENV``
    dict (if any), then a test's own dict given by indirect parametrisation
    (``@pytest.mark.parametrize("crash_worker", [{...}], indirect=True)``); a test may also
    change ``crash_worker.env`` before a restart.
    """
    import kombu.pools
    import redis
    from django.db import connection

    database_url, redis_url = require_worker_services()

    broker_url = with_path(redis_url, f"/{CRASH_REDIS_DB}")
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": with_path(database_url, "/" + str(connection.settings_dict["NAME"])),
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **getattr(request.module, "CRASH_WORKER_ENV", {}),
        **getattr(request, "param", {}),
    }
    saved_conf = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=broker_url, result_backend=broker_url)
    _detach_connections(app)

    worker = CrashWorker(env=env, log_path=tmp_path / "worker.log", broker=broker)
    failed_before = request.session.testsfailed
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        kombu.pools.reset()
        app.conf.update(**saved_conf)
        _detach_connections(app)
        broker.flushdb()
        broker.close()
        if request.session.testsfailed > failed_before:
            sys.stdout.write(f"\n--- Celery worker log ({worker.log_path}) ---\n{worker.log()}\n")
