"""The commune's consolidated quarterly report: open the draft from the period page, edit it,
issue it as a frozen PDF; the province reviewer acknowledges it or returns it with a reason.
Also the PDF links of the three quarterly documents (unit report, commune report, province
summary), served through the documents foundation (reporting.views.documents).

Thin views: fetch through the tenant scope (404 for anything outside it), parse with a form,
call reporting.consolidated (writes) or reporting.consolidated_selectors (reads), render. The
page shows the same content the PDF prints (consolidated_selectors.commune_report_content).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from campaigns.selectors import organisation as campaign_selectors
from portal.access import (
    COMMUNE_READERS,
    REPORT_READERS,
    Access,
    Role,
    not_post,
    post_only,
    request_access,
    role_required,
)
from portal.errors import ConflictError
from portal.formats import vn_date
from reporting.documents.content import commune_report as content_selectors
from reporting.documents.content.province_summary import ProvinceQuarter
from reporting.forms import DescribedForm, ReasonForm, VersionField, VersionForm, date_field
from reporting.models import CommuneReport, CommuneReportState, DocumentKind
from reporting.selectors import reports as selectors
from reporting.services import commune_reports as consolidated
from reporting.views.documents import document_response

ADMIN = (Role.COMMUNE_ADMIN,)
REVIEWER = (Role.PROVINCE_REVIEWER,)
CONFLICT = 409
# Existing badge colours of the reporting pages, by meaning: being written, sent, taken in.
BADGES: dict[str, str] = {
    CommuneReportState.DRAFT: "rp-badge rp-badge--draft",
    CommuneReportState.ISSUED: "rp-badge rp-badge--submitted",
    CommuneReportState.ACKNOWLEDGED: "rp-badge rp-badge--accepted",
    CommuneReportState.RETURNED: "rp-badge rp-badge--returned",
}
FIRST_YEAR, LAST_YEAR = 2000, 2100





# --- Forms ---------------------------------------------------------------------------------


class CommuneReportForm(DescribedForm):
    """The fields an administrator writes; the service validates and normalises them."""

    version = VersionField()
    number = forms.CharField(label=gettext_lazy("Số văn bản"), required=False, max_length=8,
                             help_text=gettext_lazy("Chỉ ghi số, ví dụ 05 (số dưới 10 có số 0 phía trước)."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    symbol = forms.CharField(label=gettext_lazy("Ký hiệu"), max_length=40,
                             help_text=gettext_lazy("Ví dụ BC-UBND; Đảng ủy: BC/ĐU."))
    issue_date = date_field(gettext_lazy("Ngày ban hành"), required=False)
    place = forms.CharField(label=gettext_lazy("Địa danh"), max_length=100, required=False)
    title = forms.CharField(label=gettext_lazy("Trích yếu"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    highlights = forms.CharField(label=gettext_lazy("Kết quả nổi bật"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 5}),
                                 help_text=gettext_lazy("Mỗi đoạn một dòng."))
    difficulties = forms.CharField(label=gettext_lazy("Khó khăn, vướng mắc"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))
    proposals = forms.CharField(label=gettext_lazy("Đề xuất, kiến nghị"), required=False,
                                widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(label=gettext_lazy("Nhiệm vụ trọng tâm thời gian tới"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    recipients = forms.CharField(label=gettext_lazy("Nơi nhận"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}),
                                 help_text=gettext_lazy("Mỗi dòng một nơi nhận; dòng cuối thường là “Lưu: VT, VHXH.”"))
    signer_authority = forms.CharField(label=gettext_lazy("Thẩm quyền ký"), max_length=100, required=False,
                                       help_text=gettext_lazy("Ví dụ TM. ỦY BAN NHÂN DÂN."))
    signer_deputy = forms.CharField(label=gettext_lazy("Ký thay"), max_length=100, required=False,
                                    help_text=gettext_lazy("Ví dụ KT. CHỦ TỊCH (để trống nếu Chủ tịch ký)."))
    signer_position = forms.CharField(label=gettext_lazy("Chức vụ người ký"), max_length=100, required=False)
    signer_name = forms.CharField(label=gettext_lazy("Họ tên người ký"), max_length=100, required=False)

    # Issuing with unit reports unreviewed or missing: the admin confirms and says why. Not
    # saved with the draft; the issue service checks them and keeps the reason in the history.
    incomplete_confirmed = forms.BooleanField(
        label=gettext_lazy("Tôi xác nhận ban hành báo cáo khi số liệu chưa đầy đủ"), required=False)
    incomplete_reason = forms.CharField(
        label=gettext_lazy("Lý do ban hành khi số liệu chưa đầy đủ"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Được lưu trong quá trình xử lý của báo cáo, không in trong văn bản."))

    SERVICE_FIELDS = ("number", "symbol", "issue_date", "place", "title", "highlights", "difficulties",
                      "proposals", "next_steps", "recipients", "signer_authority", "signer_deputy",
                      "signer_position", "signer_name")

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}


class IssueConfirmForm(DescribedForm):
    """The confirmation posted with "Ban hành" (also without the draft's fields)."""

    incomplete_confirmed = forms.BooleanField(required=False)
    incomplete_reason = forms.CharField(required=False, max_length=2000)


def _issue_confirmation(request: HttpRequest) -> dict[str, Any]:
    form = IssueConfirmForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return {"incomplete_confirmed": bool(data.get("incomplete_confirmed")),
            "incomplete_reason": data.get("incomplete_reason") or ""}


def _initial(report: CommuneReport) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(report, name) for name in CommuneReportForm.SERVICE_FIELDS}
    initial["recipients"] = "\n".join(report.recipients)
    initial["version"] = report.version
    return initial


def _as_data(initial: dict[str, Any]) -> dict[str, str]:
    """Initial values as a browser would post them (dates dd/mm/yyyy, blanks for None)."""
    data = {}
    for name, value in initial.items():
        if isinstance(value, date):
            data[name] = vn_date(value)
        else:
            data[name] = "" if value is None else str(value)
    return data


# --- Opening the draft ---------------------------------------------------------------------


@post_only
@role_required(*ADMIN)
def commune_report_open(request: HttpRequest, period_pk: int) -> HttpResponse:
    period = selectors.period_get(pk=period_pk)
    if (refused := not_post(request)) is not None:
        return refused
    try:
        report = consolidated.commune_report_open(period=period, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("period_detail", period_pk=period.pk)
    return redirect("commune_report_detail", commune_report_pk=report.pk)


# --- The report page -----------------------------------------------------------------------


def _editable(access: Access, report: CommuneReport) -> bool:
    return access.is_commune_admin and report.state in consolidated.EDITABLE_STATES


def _page(request: HttpRequest, report: CommuneReport, *, form: CommuneReportForm | None = None,
          review_forms: dict[str, Any] | None = None, errors: list[str] | None = None,
          status: int = 200) -> HttpResponse:
    access = request_access(request)
    editable = _editable(access, report)
    if editable and form is None:
        form = CommuneReportForm(initial=_initial(report))
    if not editable:
        form = None
    if form is not None:
        form.describe()
    review: dict[str, Any] = {}
    if access.is_reviewer and report.state == CommuneReportState.ISSUED:
        review = review_forms or {}
        review.setdefault("acknowledge", VersionForm(prefix="ack", initial={"version": report.version}))
        review.setdefault("return", ReasonForm(prefix="return", initial={"version": report.version},
                                               reason_label=_("Lý do trả lại")))
        for bound in review.values():
            bound.describe()
    transitions = content_selectors.commune_report_transitions(report=report)
    last = transitions[-1] if transitions else None
    return render(request, "reporting/commune_report_detail.html", {
        "report": report, "period": report.period, "plan": report.period.plan, "commune": report.commune,
        "content": content_selectors.commune_report_content(report=report), "badge": BADGES.get(report.state, ""),
        "editable": editable, "form": form, "review": review, "errors": errors or [],
        "issue_missing": list(consolidated.issue_missing(report).values()) if editable else [],
        "incompleteness": selectors.period_incompleteness(period=report.period) if editable else None,
        "transitions": transitions, "last_transition": last,
        "is_frozen": report.state != CommuneReportState.DRAFT,
    }, status=status)


@role_required(*COMMUNE_READERS)
def commune_report_detail(request: HttpRequest, commune_report_pk: int) -> HttpResponse:
    report = content_selectors.commune_report_get(pk=commune_report_pk)
    if request.method == "POST":
        if not request_access(request).is_commune_admin:
            raise PermissionDenied  # viewers and reviewers read; the commune's administrator writes
        saved, response = _save(request, report)
        if response is not None:
            return response
        messages.success(request, _("Đã lưu báo cáo."))
        return redirect("commune_report_detail", commune_report_pk=saved.pk)
    return _page(request, report)


def _save(request: HttpRequest, report: CommuneReport) -> tuple[CommuneReport, HttpResponse | None]:
    """Save the posted form; a response when it could not be saved (errors, conflict)."""
    if not _editable(request_access(request), report):
        messages.error(request, _("Báo cáo đang ở trạng thái “%(state)s”, không sửa được.")
                       % {"state": report.get_state_display()})
        return report, redirect("commune_report_detail", commune_report_pk=report.pk)
    form = CommuneReportForm(request.POST)
    if not form.is_valid():
        return report, _page(request, report, form=form)
    try:
        saved = consolidated.commune_report_update(report=report, actor=request.user,
                                                   version=form.cleaned_data["version"],
                                                   fields=form.service_fields())
    except ConflictError:
        fresh = content_selectors.commune_report_get(pk=report.pk)
        data = request.POST.copy()
        data["version"] = str(fresh.version)  # saving again is now a deliberate overwrite
        kept = CommuneReportForm(data)
        kept.is_valid()
        kept.add_error(None, _("Báo cáo vừa được người khác cập nhật. Nội dung bạn nhập vẫn được giữ dưới đây; "
                               "kiểm tra lại rồi bấm “Lưu” để ghi đè, hoặc tải lại trang để bỏ nội dung của bạn."))
        return report, _page(request, fresh, form=kept, status=CONFLICT)
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return report, _page(request, report, form=form)
    return saved, None


@post_only
@role_required(*ADMIN)
def commune_report_issue(request: HttpRequest, commune_report_pk: int) -> HttpResponse:
    """"Ban hành": saves the form first when it was posted with it, then issues."""
    report = content_selectors.commune_report_get(pk=commune_report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if "symbol" in request.POST:
        report, response = _save(request, report)
        if response is not None:
            return response
        version: int | None = report.version
    else:
        posted = VersionForm(request.POST, prefix="issue")
        if not posted.is_valid():
            return _page(request, report, errors=[str(e) for e in posted.errors.get("version", [])]
                         or [_("Thiếu phiên bản báo cáo: vui lòng tải lại trang.")])
        version = posted.cleaned_data["version"]
    confirmation = _issue_confirmation(request)
    try:
        consolidated.commune_report_issue(report=report, actor=request.user, version=version, **confirmation)
    except ConflictError as exc:
        fresh = content_selectors.commune_report_get(pk=report.pk)
        return _page(request, fresh, errors=[str(exc)], status=CONFLICT)
    except ValidationError as exc:
        fresh = content_selectors.commune_report_get(pk=report.pk)
        if not _editable(request_access(request), fresh):
            return _page(request, fresh, errors=exc.messages)
        # What is missing, beside its field in the form as saved (the confirmation as posted).
        data = _as_data(_initial(fresh))
        if confirmation["incomplete_confirmed"]:
            data["incomplete_confirmed"] = "on"
        data["incomplete_reason"] = confirmation["incomplete_reason"]
        form = CommuneReportForm(data)
        form.is_valid()
        form.apply_service_errors(exc)
        return _page(request, fresh, form=form)
    messages.success(request, _("Đã ban hành báo cáo. Tệp PDF đã ký được lưu lại, không thay đổi theo số liệu sau này."))
    return redirect("commune_report_detail", commune_report_pk=report.pk)


def _review(request: HttpRequest, commune_report_pk: int, slot: str,
            form_class: type[VersionForm | ReasonForm], prefix: str,
            action: Callable[[CommuneReport, dict[str, Any]], Any], success: str) -> HttpResponse:
    report = content_selectors.commune_report_get(pk=commune_report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(report, form.cleaned_data)
        except ConflictError as exc:
            fresh = content_selectors.commune_report_get(pk=report.pk)
            return _page(request, fresh, errors=[str(exc)], status=CONFLICT)
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, success)
            return redirect("commune_report_detail", commune_report_pk=report.pk)
    # A wrong state or a missing version is said on top; a missing reason beside its field.
    errors = [str(e) for e in (*form.non_field_errors(), *form.errors.get("version", []))]
    kept = {slot: form} if "reason" in form.errors else {}
    return _page(request, report, review_forms=kept, errors=errors)


@post_only
@role_required(*REVIEWER)
def commune_report_acknowledge(request: HttpRequest, commune_report_pk: int) -> HttpResponse:
    return _review(request, commune_report_pk, "acknowledge", VersionForm, "ack",
                   lambda report, data: consolidated.commune_report_acknowledge(
                       report=report, actor=request.user, version=data["version"]),
                   _("Đã tiếp nhận báo cáo. Xã/phường được thông báo qua thư điện tử."))


@post_only
@role_required(*REVIEWER)
def commune_report_return(request: HttpRequest, commune_report_pk: int) -> HttpResponse:
    return _review(request, commune_report_pk, "return", ReasonForm, "return",
                   lambda report, data: consolidated.commune_report_return(
                       report=report, actor=request.user, version=data["version"], reason=data["reason"]),
                   _("Đã trả lại báo cáo để xã/phường chỉnh sửa và ban hành lại."))


# --- PDFs ----------------------------------------------------------------------------------


@role_required(*COMMUNE_READERS)
@require_GET
def commune_report_pdf(request: HttpRequest, commune_report_pk: int) -> HttpResponse:
    """The issued report is always its frozen PDF; a draft's is rendered again when stale."""
    report = content_selectors.commune_report_get(pk=commune_report_pk)
    return document_response(request, kind=DocumentKind.COMMUNE_REPORT, source=report,
                             back_url=reverse("commune_report_detail", kwargs={"commune_report_pk": report.pk}))


@role_required(*REPORT_READERS)
@require_GET
def unit_report_pdf(request: HttpRequest, report_pk: int) -> HttpResponse:
    """Same readers as the report page (a reporter: their own unit's only)."""
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    return document_response(request, kind=DocumentKind.UNIT_REPORT, source=report,
                             back_url=reverse("report_detail", kwargs={"report_pk": report.pk}))


@role_required(*REVIEWER)
@require_GET
def province_summary_pdf(request: HttpRequest, province_code: str, year: int, quarter: int) -> HttpResponse:
    province = campaign_selectors.province_get(access=request_access(request), code=province_code)
    if not (1 <= quarter <= 4 and FIRST_YEAR <= year <= LAST_YEAR):
        raise Http404
    return document_response(request, kind=DocumentKind.PROVINCE_SUMMARY,
                             source=ProvinceQuarter(province=province, year=year, quarter=quarter),
                             back_url=reverse("province_progress", kwargs={"province_code": province.code}))


urlpatterns: list[URLPattern] = [
    path("periods/<int:period_pk>/commune-report/", commune_report_open, name="commune_report_open"),
    path("commune-reports/<int:commune_report_pk>/", commune_report_detail, name="commune_report_detail"),
    path("commune-reports/<int:commune_report_pk>/issue/", commune_report_issue, name="commune_report_issue"),
    path("commune-reports/<int:commune_report_pk>/acknowledge/", commune_report_acknowledge,
         name="commune_report_acknowledge"),
    path("commune-reports/<int:commune_report_pk>/return/", commune_report_return, name="commune_report_return"),
    path("commune-reports/<int:commune_report_pk>/document.pdf", commune_report_pdf, name="commune_report_pdf"),
    path("reports/<int:report_pk>/document.pdf", unit_report_pdf, name="unit_report_pdf"),
    path("provinces/<str:province_code>/summary/<int:year>/<int:quarter>/document.pdf", province_summary_pdf,
         name="province_summary_pdf"),
]
