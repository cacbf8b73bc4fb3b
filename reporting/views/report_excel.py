"""The unit report's Excel template: download it prefilled, upload it back as the draft.

Thin views: the report is fetched through ``report_get`` (404 for a reporter of another unit
and for anything outside the tenant scope), the workbook module does the reading and writing,
``unit_report_save`` the validation and the write. A bad workbook answers 400 with every
problem listed, a workbook made from an older version of the report 409; nothing is saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.access import REPORT_READERS, Role, role_required
from portal.errors import ConflictError
from portal.xlsx import XLSX_CONTENT_TYPE
from reporting.models import UnitReport
from reporting.selectors import reports as selectors
from reporting.workbook.read import report_workbook_import, report_workbook_warnings
from reporting.workbook.write import report_workbook_filename, report_workbook_write

# Only the unit's own reporter fills its report; commune admins review, they do not fill.
REPORT_FILLERS = (Role.UNIT_REPORTER,)
CONFLICT = 409


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp Excel (.xlsx)"),
        error_messages={"required": gettext_lazy("Hãy chọn tệp Excel đã điền để tải lên."),
                        "empty": gettext_lazy("Tệp tải lên không có nội dung.")},
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )


@role_required(*REPORT_READERS)
@require_http_methods(["GET"])
def report_template_xlsx(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request.access, pk=report_pk)  # type: ignore[attr-defined]
    response = HttpResponse(report_workbook_write(report=report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=report_workbook_filename(report=report))
    response["Cache-Control"] = "private, no-store"  # a unit's figures: never in a shared cache
    return response


@role_required(*REPORT_FILLERS)
@require_http_methods(["GET", "POST"])
def report_upload_xlsx(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request.access, pk=report_pk)  # type: ignore[attr-defined]
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            version = report.version
            try:
                result = report_workbook_import(report=report, file=form.cleaned_data["file"], actor=request.user)
            except ConflictError as exc:
                problems, status = [str(exc)], CONFLICT
            except ValidationError as exc:
                problems, status = list(exc.messages), 400
            else:
                messages.success(request, _success_message(changed=result.report.version != version,
                                                           warnings=report_workbook_warnings(result=result)))
                return redirect(_after_upload_url(result.report))
        else:
            status = 400
    else:
        form = ReportUploadForm()
    return render(request, "reporting/report_upload.html", {
        "report": report, "unit": report.unit, "period": report.period, "commune": report.unit.commune,
        "form": form, "problems": problems,
    }, status=status)


def _success_message(*, changed: bool, warnings: list[str]) -> str:
    if changed:
        message = _("Đã nhập số liệu từ tệp Excel và lưu bản nháp báo cáo.")
    else:
        message = _("Đã đọc tệp Excel: số liệu trùng với bản đang lưu, không có gì thay đổi.")
    if warnings:
        message += " " + _("Cần kiểm tra lại: %(warnings)s") % {"warnings": "; ".join(warnings)}
    return message


def _after_upload_url(report: UnitReport) -> str:
    try:
        return reverse("report_detail", kwargs={"report_pk": report.pk})
    except NoReverseMatch:  # the report page is not there yet: back to the upload page
        return reverse("report_upload_xlsx", kwargs={"report_pk": report.pk})


urlpatterns = [
    path("reports/<int:report_pk>/template.xlsx", report_template_xlsx, name="report_template_xlsx"),
    path("reports/<int:report_pk>/upload/", report_upload_xlsx, name="report_upload_xlsx"),
]
