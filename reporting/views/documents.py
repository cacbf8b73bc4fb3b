"""Official PDFs: serve the stored document, or have it made.

Thin views: fetch the source through its selector (404 outside the tenant scope), then
``document_response`` serves the stored PDF when it is fresh (or frozen). A missing or stale
one is rendered at once when tasks run eagerly (the embedded default), otherwise the
render_document task is enqueued once per data version and a small page waits for the file:
it asks the same URL again every 2 seconds with htmx (HX-Request), which answers a status
line, and once the file is there a link to it. Without JavaScript the page reloads itself.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from campaigns.selectors import plans as plan_selectors
from portal.access import Role, role_required
from reporting.documents.registry import spec_for
from reporting.documents.storage import document_current, document_ensure, document_missing
from reporting.models import DocumentKind, RenderedDocument

logger = logging.getLogger(__name__)

PLAN_READERS = (Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER, Role.UNIT_REPORTER)
# How long one enqueued render counts as "in progress" before a request may enqueue again
# (the task's hard time limit plus the time a busy pdf queue may take to reach it).
PENDING_SECONDS = 300
REFRESH_SECONDS = 3
ACCEPTED = 202
CONFLICT = 409


def pdf_response(document: RenderedDocument, *, filename: str) -> FileResponse:
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
        from reporting.tasks import render_document

        commune_ids = spec.commune_ids_of(source)
        transaction.on_commit(lambda: render_document.delay(
            kind=kind, object_id=object_id, commune_ids=commune_ids))
    return None


def _polled(request: HttpRequest) -> bool:
    """The waiting page asking whether the file is there yet (htmx), not a browser opening it."""
    return request.headers.get("HX-Request") == "true"


def document_response(request: HttpRequest, *, kind: str, source: Any,
                      back_url: str = "") -> HttpResponse:
    """The PDF of ``source``, or a small page that waits until it has been rendered; or, when
    the document lacks what it cannot be issued without (its signer), a page that says so."""
    spec = spec_for(kind)
    missing = document_missing(kind=kind, source=source)
    if missing:
        return render(request, "documents/refused.html", {"missing": missing, "back_url": back_url},
                      status=CONFLICT)
    document = document_or_enqueue(kind=kind, source=source)
    if document is not None and _polled(request):
        response = render(request, "documents/_pending_status.html", {
            "ready": True, "filename": spec.filename(source), "file_url": request.get_full_path()})
        response["Cache-Control"] = "no-store"
        return response
    if document is not None:
        return pdf_response(document, filename=spec.filename(source))  # type: ignore[return-value]
    template = "documents/_pending_status.html" if _polled(request) else "documents/pending.html"
    response = render(request, template, {
        "refresh_seconds": REFRESH_SECONDS, "back_url": back_url, "poll_url": request.get_full_path(),
        "filename": spec.filename(source)}, status=ACCEPTED)
    response["Cache-Control"] = "no-store"
    return response


@role_required(*PLAN_READERS)
@require_GET
def plan_pdf(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    return document_response(request, kind=DocumentKind.PLAN, source=plan,
                             back_url=reverse("plan_detail", kwargs={"plan_pk": plan.pk}))


urlpatterns = [
    path("plans/<int:plan_pk>/document.pdf", plan_pdf, name="plan_pdf"),
]
