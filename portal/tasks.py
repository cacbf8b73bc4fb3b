"""The Celery task base class: the one place where tasks enter the tenant scope (rule 1).

Every tenant task takes primary keys plus ``commune_ids`` (the communes whose rows it may
touch) and runs inside that scope; a task that forgets it fails instead of reading unscoped.
Late acknowledgement with reject-on-worker-lost means a worker killed mid-task leaves the
message on the queue for another worker: tasks are idempotent, so a redelivery is harmless.
"""

from __future__ import annotations

from typing import Any

from celery import Task
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
