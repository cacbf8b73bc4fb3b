"""Official PDFs on request (reporting, services layer): the servable document of a source, or
its render enqueued once per data version; and the HTTP answer of a stored PDF. The pages
(reporting.views.documents) and the API (reporting.api.views) both serve PDFs through here.

The render itself is reporting.documents (registry, storage); the task that makes it in the
background is reporting.tasks.render_document.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, Http404

from portal.tasks import task_enqueue
from reporting.documents.registry import spec_for
from reporting.documents.storage import document_current, document_ensure
from reporting.models import RenderedDocument

# The task that renders a document in the background (reporting/tasks.py), by its name.
RENDER_DOCUMENT_TASK = "reporting.tasks.render_document"

logger = logging.getLogger(__name__)

# How long one enqueued render counts as "in progress" before a request may enqueue again
# (the task's hard time limit plus the time a busy pdf queue may take to reach it).
PENDING_SECONDS = 300
# How long a client waiting for a render should wait before asking again (the waiting page's
# refresh, the API's Retry-After).
REFRESH_SECONDS = 3


def pdf_response(document: RenderedDocument, *, filename: str) -> FileResponse:
    """The stored PDF, shown in the browser, never kept by a shared cache."""
    response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                            filename=filename, as_attachment=False)
    response["ETag"] = f'"{document.sha256}"'
    response["Cache-Control"] = "private, no-cache"  # a commune's document: never shared caches
    return response


def document_or_enqueue(*, kind: str, source: Any) -> RenderedDocument | None:
    """The servable PDF of ``source`` (already fetched inside the caller's scope), or None when
    a render was enqueued (once per data version) and the caller should ask again shortly."""
    status = document_current(kind=kind, source=source)
    if status.is_servable and status.document is not None:
        return status.document
    if status.is_frozen and status.document is None:
        # The issued PDF's file is gone from storage: what was signed cannot be made again.
        logger.error("%s %s: the frozen PDF's file is missing from storage", kind, spec_for(kind).id_of(source))
        raise Http404
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return document_ensure(kind=kind, source=source)
    spec = spec_for(kind)
    object_id = spec.id_of(source)
    # One enqueued render per data version, however often the waiting page refreshes.
    if cache.add(f"documents:pending:{kind}:{object_id}:{status.data_version}", 1, PENDING_SECONDS):
        commune_ids = spec.commune_ids_of(source)
        transaction.on_commit(lambda: task_enqueue(
            RENDER_DOCUMENT_TASK, kind=kind, object_id=object_id, commune_ids=commune_ids))
    return None
