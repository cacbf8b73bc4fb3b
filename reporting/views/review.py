"""The commune's review of a unit report (reporting, views layer): accept it, return it for
correction, or reopen an accepted one. The page answered is the report page
(views.unit_reports.report_page) with the review's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from portal.access import Role, not_post, post_only, request_access, role_required
from portal.errors import ConflictError
from reporting.forms import ReasonForm, VersionForm
from reporting.models import UnitReport
from reporting.selectors import reports as selectors
from reporting.services import unit_reports as services
from reporting.views.unit_reports import CONFLICT, report_page, report_url

# --- Review by the commune -----------------------------------------------------------------


def _review(request: HttpRequest, report_pk: int, slot: str, form_class: type[VersionForm | ReasonForm],
            action: Callable[[UnitReport, dict[str, Any]], Any], success: str) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    form = form_class(request.POST, prefix=slot)
    if form.is_valid():
        try:
            action(report, form.cleaned_data)
        except ConflictError as exc:
            fresh = selectors.report_get(access=request_access(request), pk=report.pk)
            return report_page(request, fresh, errors=[str(exc)], status=CONFLICT)
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, success)
            return redirect(report_url(report))
    # A wrong state or a missing version is said on top; a missing reason beside its field.
    errors = [str(e) for e in (*form.non_field_errors(), *form.errors.get("version", []))]
    kept = {slot: form} if "reason" in form.errors else {}
    return report_page(request, report, review_forms=kept, errors=errors)


@post_only
@role_required(Role.COMMUNE_ADMIN)
def report_accept(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "accept", VersionForm, lambda report, data: services.unit_report_accept(
        report=report, actor=request.user, version=data["version"]), _("Đã chấp nhận báo cáo."))


@post_only
@role_required(Role.COMMUNE_ADMIN)
def report_return(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "return", ReasonForm, lambda report, data: services.unit_report_return(
        report=report, actor=request.user, version=data["version"], reason=data["reason"]),
        _("Đã trả lại báo cáo để đơn vị sửa."))


@post_only
@role_required(Role.COMMUNE_ADMIN)
def report_reopen(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "reopen", ReasonForm, lambda report, data: services.unit_report_reopen(
        report=report, actor=request.user, version=data["version"], reason=data["reason"]),
        _("Đã mở lại báo cáo; đơn vị có thể sửa và gửi lại."))


urlpatterns: list[URLPattern] = [
    path("reports/<int:report_pk>/accept/", report_accept, name="report_accept"),
    path("reports/<int:report_pk>/return/", report_return, name="report_return"),
    path("reports/<int:report_pk>/reopen/", report_reopen, name="report_reopen"),
]
