"""Official PDFs: serve the stored document, or have it made (reporting, views layer).

Thin views: fetch the source through its selector (404 outside the tenant scope), then
``document_response`` serves the stored PDF when it is fresh (or frozen). A missing or stale
one is rendered at once when tasks run eagerly (the embedded default), otherwise the
render_document task is enqueued once per data version (reporting.services.documents, which
the API calls too) and a small page waits for the file:
it asks the same URL again every 2 seconds with htmx (HX-Request), which answers a status
line, and once the file is there a link to it. Without JavaScript the page reloads itself.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from campaigns.selectors import plans as plan_selectors
from portal.access import Role, role_required
from reporting.documents.registry import spec_for
from reporting.documents.storage import document_missing
from reporting.models import DocumentKind
from reporting.services.documents import REFRESH_SECONDS, document_or_enqueue, pdf_response

PLAN_READERS = (Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER, Role.UNIT_REPORTER)
ACCEPTED = 202
CONFLICT = 409


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
