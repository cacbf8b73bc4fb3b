"""What the benchmarks share: a timestamped log, the machine's memory, a PostgreSQL server
connection for CREATE/DROP DATABASE, and stopping a child process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import unquote, urlsplit


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


def process_group_stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the child's own process group, SIGKILL it if it does not stop in 30 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
