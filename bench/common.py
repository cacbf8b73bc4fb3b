"""What the benchmarks share (bench/, outside the apps' layers): a timestamped log, the
machine's memory and load, the printed lines kept for a results file, PostgreSQL server
statements (CREATE/DROP DATABASE), and child process groups (start, stop).

Nothing here imports Django at module level: the benchmarks set the settings' environment
from their command line first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def memory_gb() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as the results print them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Printout:
    """Lines printed as they come and kept for the results file."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)


def results_write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    print(f"\nWritten to {path.relative_to(REPO_ROOT)}", flush=True)


# --- PostgreSQL -------------------------------------------------------------------------------


def url_with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def server_connection(url: str) -> Any:
    """An autocommit connection to the server's ``postgres`` database (CREATE/DROP DATABASE
    cannot run in a transaction)."""
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(dbname="postgres", host=parts.hostname or None, port=parts.port or None,
                            user=unquote(parts.username) if parts.username else None,
                            password=unquote(parts.password) if parts.password else None)
    conn.autocommit = True
    return conn


def server_execute(url: str, *statements: str) -> None:
    # Not ``with conn``: psycopg2 opens a transaction block there, even in autocommit.
    conn = server_connection(url)
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def database_recreate(url: str, name: str) -> str:
    """Drop and create the database ``name`` on the server of ``url``; its URL."""
    log(f"recreating database {name}")
    server_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return url_with_path(url, f"/{name}")


def database_drop(url: str, name: str) -> None:
    server_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def vacuum_analyze(*tables: str) -> None:
    """VACUUM ANALYZE the given tables (all of them when none is given), through Django's
    connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" + (" " + ", ".join(tables) if tables else ""))


# --- Child process groups ---------------------------------------------------------------------


def venv_tool(name: str) -> str:
    """The virtualenv's console script ``name``, else the one on the PATH."""
    path = REPO_ROOT / ".venv" / "bin" / name
    return str(path if path.exists() else name)


def process_group_start(command: Sequence[str], *, env: dict[str, str],
                        log_path: Path) -> subprocess.Popen[Any]:
    """Start a server (gunicorn, a Celery worker) from the repository root in a process group
    of its own, so that process_group_stop reaches its workers; its output goes to log_path."""
    with log_path.open("wb") as log_file:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            list(command), cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)


def process_group_stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the child's own process group, SIGKILL it if it does not stop in 30 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
