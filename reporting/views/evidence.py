"""A unit report's evidence (reporting, views layer): the reporter adds a file or a link while
the report can be edited; anyone who may read the report downloads its files (streamed as an
attachment, never a public media URL).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from portal.access import Role, not_post, post_only, request_access, role_required
from reporting.forms import EvidenceForm
from reporting.selectors import reports as selectors
from reporting.services import evidence as evidence_services
from reporting.views.unit_reports import (
    REPORT_READERS,
    refuse_if_not_editable,
    report_page,
    report_url,
)

# --- Evidence ------------------------------------------------------------------------------


@post_only
@role_required(Role.UNIT_REPORTER)
def evidence_add(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if (refused := refuse_if_not_editable(request, report)) is not None:
        return refused
    form = EvidenceForm(request.POST, request.FILES, prefix="ev")
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence_services.evidence_add(report=report, actor=request.user, kind=data["kind"],
                                           file=data.get("file"), url=data.get("url", ""),
                                           description=data.get("description", ""))
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("Đã thêm minh chứng."))
            return redirect(report_url(report, "evidence"))
    return report_page(request, report, evidence_form=form)


@role_required(*REPORT_READERS)
def evidence_download(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    evidence = evidence_services.evidence_file_get(access=request_access(request), pk=evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # A streamed attachment, never a public media URL; role_required is typed for HttpResponse.
    return FileResponse(handle, as_attachment=True,  # type: ignore[return-value]
                        filename=evidence_services.download_name(evidence),
                        content_type=evidence.content_type or "application/octet-stream")


urlpatterns: list[URLPattern] = [
    path("reports/<int:report_pk>/evidence/", evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_pk>/", evidence_download, name="evidence_download"),
]
