"""Celery in the kernel: the task base class, and enqueueing a task by its registered name.

The base class is the one place where tasks enter the tenant scope (rule 1). Every tenant
task takes primary keys plus ``commune_ids`` (the communes whose rows it may touch) and runs
inside that scope; a task that forgets it fails instead of reading unscoped. Late
acknowledgement with reject-on-worker-lost means a worker killed mid-task leaves the message on
the queue for another worker: tasks are idempotent, so a redelivery is harmless.

Enqueueing by name (``task_enqueue``, ``task_step``, ``tasks_chain_enqueue``) lets a service
start the follow-up work of a write without importing the task modules, which sit above the
services (entry layer, like the views) and import them. The name is resolved through the
Celery app's registry, so the task runs exactly as if called through its function:
in-process under ``CELERY_TASK_ALWAYS_EAGER`` (the embedded default and the SQLite tests), on
the broker for a real worker otherwise, with its own options (queue route, time limits).
"""

from __future__ import annotations

from typing import Any

from celery import Task, chain, current_app
from celery.canvas import Signature
from celery.result import AsyncResult
from django.db import InterfaceError, OperationalError

from portal.scoping import tenant_scope


class TenantTask(Task):  # type: ignore[misc]
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        commune_ids = kwargs.get("commune_ids")
        if not isinstance(commune_ids, list | tuple) or not all(isinstance(i, int) for i in commune_ids):
            raise TypeError(f"{self.name} needs commune_ids=[int, ...] to enter the tenant scope")
        with tenant_scope(commune_ids):
            return super().__call__(*args, **kwargs)


def registered_task(name: str) -> Task:
    """The task registered under ``name``.

    A worker imports every app's tasks module at start; a web process or a command imports
    them on first use here (Celery's autodiscovery, which config/celery.py sets up lazily).
    An unknown name is a programming error: KeyError.
    """
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[name]


def task_enqueue(name: str, **kwargs: Any) -> AsyncResult:
    """Run the task ``name`` with these keyword arguments: queued, or at once when eager."""
    return registered_task(name).delay(**kwargs)


def task_step(name: str, **kwargs: Any) -> Signature:
    """One step of a chain: the task ``name`` with these arguments, ignoring the result of the
    step before it (an immutable signature, like ``task.si(**kwargs)``)."""
    return registered_task(name).si(**kwargs)


def tasks_chain_enqueue(steps: list[Signature]) -> AsyncResult:
    """Run ``steps`` one after the other (each only once the one before has succeeded)."""
    return chain(*steps).apply_async()
