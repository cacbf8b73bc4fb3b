"""A real Celery worker for integration tests: ``real_celery_worker`` fixture.

Starts ``celery -A config worker`` as a subprocess against Redis and the test database that
pytest-django created, waits until it answers a ping, switches this process's Celery app from
eager mode to the same broker for the test, and on teardown stops the worker's whole process
group and restores the app. A dedicated Redis database (``/15``) is flushed before and after,
so messages left by another run cannot be consumed by this one.

Use it from a test module with::

    from tests.celery_worker import RealWorker, real_celery_worker_fixture  # noqa: F401

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_something(real_celery_worker: RealWorker) -> None: ...

The test must be transactional: the worker is another process and only sees committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CELERY_BIN = REPO_ROOT / ".venv" / "bin" / "celery"
PYTHON_BIN = REPO_ROOT / ".venv" / "bin" / "python"
WORKER_REDIS_DB = 15
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

_SERVICES_REASON = (
    "a real Celery worker needs DATABASE_URL (PostgreSQL, shared with the worker process) "
    "and REDIS_URL (the broker); both are unset, so the suite runs on SQLite and eager tasks")
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Locally, without the services, the worker tests are skipped with the reason. In CI they are
# never skipped: .ci/run sets both URLs, and if it ever did not, require_worker_services()
# fails the tests instead of letting a missing setup pass as green.
REQUIRES_SERVICES = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")) and not _IN_CI,
    reason=_SERVICES_REASON,
)


def require_worker_services() -> tuple[str, str]:
    """DATABASE_URL and REDIS_URL for a real worker on PostgreSQL; skip locally, fail in CI."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    from django.db import connection

    problem = None
    if not (database_url and redis_url):
        problem = _SERVICES_REASON
    elif connection.vendor != "postgresql":
        problem = "a real Celery worker needs the PostgreSQL test database"
    if problem:
        if _IN_CI:
            pytest.fail(f"CI must provide the services: {problem}")
        pytest.skip(problem)
    return database_url, redis_url


def with_path(url: str, path: str) -> str:
    """``url`` with its path replaced (a database name, a Redis db number)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@dataclass
class RealWorker:
    process: subprocess.Popen[bytes]
    nodename: str
    log_path: Path
    mail_dir: Path
    # settings.py reads EMAIL_FILE_PATH from the environment: mail lands in ``mail_dir``.
    # Otherwise the worker prints mail to its log (console backend) and files are not counted.
    email_file_path_honoured: bool

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def mail_files(self) -> list[Path]:
        return sorted(p for p in self.mail_dir.iterdir() if p.is_file())

    def wait_until(self, predicate: Callable[[], Any], *, timeout: float = 60.0, what: str = "") -> Any:
        """Poll ``predicate`` until it returns something truthy; fail with the worker log."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited ({self.process.returncode}) while waiting for "
                            f"{what or predicate}\n--- worker log ---\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what or predicate}"
                            f"\n--- worker log ---\n{self.log()}")
            time.sleep(0.1)  # a poll interval, not a wait for the outcome


def _email_file_path_honoured(env: dict[str, str], mail_dir: Path) -> bool:
    """Does config.settings read EMAIL_FILE_PATH from the environment? Ask a fresh process."""
    probe = ("import django; django.setup(); from django.conf import settings; "
             "print(getattr(settings, 'EMAIL_FILE_PATH', ''))")
    result = subprocess.run([str(PYTHON_BIN), "-c", probe], env=env, cwd=REPO_ROOT,  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False)
    return result.returncode == 0 and result.stdout.strip() == str(mail_dir)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM the worker's process group (warm shutdown), KILL it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass


@pytest.fixture(name="real_celery_worker")
def real_celery_worker_fixture(transactional_db: None, tmp_path: Path,
                               request: pytest.FixtureRequest) -> Iterator[RealWorker]:
    import kombu.pools
    import redis
    from django.db import connection

    from config.celery import app

    database_url, redis_url = require_worker_services()

    broker_url = with_path(redis_url, f"/{WORKER_REDIS_DB}")
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()  # no stale task from an earlier, interrupted run

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    nodename = f"test-{uuid.uuid4().hex[:8]}@pytest"  # unique: the ping asks this worker only
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The database pytest-django created (test_<name>), not the developer's database.
        "DATABASE_URL": with_path(database_url, "/" + str(connection.settings_dict["NAME"])),
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    honoured = _email_file_path_honoured(env, mail_dir)
    env["EMAIL_BACKEND"] = ("django.core.mail.backends.filebased.EmailBackend" if honoured
                            else "django.core.mail.backends.console.EmailBackend")

    saved_conf = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=broker_url, result_backend=broker_url)
    _detach_connections(app)

    failed_before = request.session.testsfailed
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(CELERY_BIN), "-A", "config", "worker", "--pool=solo", "-Q", "default,pdf",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", nodename,
             "-l", "info"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    worker = RealWorker(process=process, nodename=nodename,
                        log_path=log_path, mail_dir=mail_dir, email_file_path_honoured=honoured)
    try:
        worker.wait_until(lambda: app.control.ping(destination=[worker.nodename], timeout=0.5),
                          timeout=STARTUP_TIMEOUT, what="the worker to answer a ping")
        yield worker
    finally:
        _stop(process)
        # Close every pool this test opened (Redis /15) and empty kombu's registry; the
        # eager-mode pools are recreated on demand.
        kombu.pools.reset()
        app.conf.update(**saved_conf)
        _detach_connections(app)
        broker.flushdb()
        broker.close()
        if request.session.testsfailed > failed_before:
            # Shown with the failure report ("Captured stdout teardown").
            sys.stdout.write(f"\n--- Celery worker log ({log_path}) ---\n{worker.log()}\n")


def _detach_connections(app: Any) -> None:
    """Forget the app's cached producer pools and result backend so they follow the new URLs.

    The pools are only detached, not closed: kombu keeps them in a global registry keyed by
    broker, and a closed pool left there would fail the next test that uses that broker.
    """
    app._pool = None
    app.amqp._producer_pool = None
    if hasattr(app._local, "backend"):
        del app._local.backend
