"""Versioned optimistic locking (kernel): the lost-update guard of every edited row.

A page or an API client edits a plan or a report at some ``version`` and sends that version
back with the change. The write locks the row (``SELECT … FOR UPDATE``), so two writers of one
row queue instead of interleaving, and compares the version: a different one means someone
else saved in between, and the second writer gets a ConflictError (HTTP 409, "reload") instead
of silently overwriting the first one's work. ``None`` skips the compare (a write with no page
behind it: an import, a task). Every accepted write raises the version by one.

Kernel: imports no domain app; the rows' models come in as querysets and instances.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import F

from portal.errors import ConflictError

M = TypeVar("M", bound=models.Model)


def row_lock(rows: models.QuerySet[M] | models.Manager[M], *, pk: Any, version: int | None) -> M:
    """Lock the row ``pk`` of ``rows`` for this transaction and check the version the user
    edited (``version`` None: no check). ``rows`` may carry ``select_related``: the locked row
    comes back with its relations loaded. Raises ConflictError on a version mismatch."""
    locked = rows.select_for_update().get(pk=pk)
    if version is not None and getattr(locked, "version") != version:  # noqa: B009 - any versioned model
        raise ConflictError()
    return locked


def version_save(row: models.Model) -> None:
    """Save ``row`` (every field) with its version raised by one, then reload it.

    The increment is computed by the database (``F("version") + 1``), not from the value read,
    so it is right even for a row this transaction did not lock; the reload turns the
    expression back into the number the next edit must send.
    """
    setattr(row, "version", F("version") + 1)  # noqa: B010 - any versioned model
    row.save()
    row.refresh_from_db()
