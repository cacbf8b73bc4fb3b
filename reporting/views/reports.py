"""Reporting pages: a period's completeness, a plan's reporting calendar, a unit's reports, the
unit report (fill in, submit, review), its evidence and its history.

Thin views: fetch through the tenant scope (404 for anything outside it), parse the input
with a form, call a selector or a service, render. A lost update answers 409 and keeps what
the user typed; a refusal (wrong state, closed window) says why and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import AuditEntry, Plan, Task, Unit
from campaigns.selectors import organisation as campaign_selectors
from campaigns.selectors import plans as plan_selectors
from portal.access import Access, Role, not_post, post_only, request_access, role_required
from portal.errors import ConflictError
from portal.formats import vn_date
from portal.text import vi_sorted
from reporting.deadlines import EntryState, entry_state, local_today
from reporting.documents.content.unit_report import unit_signer_missing
from reporting.forms import (
    AdhocPeriodForm,
    EvidenceForm,
    LockExceptionForm,
    ReasonForm,
    ReportForm,
    VersionForm,
    report_initial,
)
from reporting.models import (
    LockException,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskStatus,
    UnitReport,
)
from reporting.selectors import reports as selectors
from reporting.selectors.dashboards.unit import unit_periods
from reporting.selectors.reports import ReportRows
from reporting.services import evidence as evidence_services
from reporting.services import periods
from reporting.services import unit_reports as services
from targets.models import Indicator, Target

ADMIN = (Role.COMMUNE_ADMIN,)
REPORTER = (Role.UNIT_REPORTER,)
COMMUNE_READERS = (Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER)
REPORT_READERS = (*COMMUNE_READERS, Role.UNIT_REPORTER)
CONFLICT = 409





def _report_url(report: UnitReport, anchor: str = "") -> str:
    url = reverse("report_detail", kwargs={"report_pk": report.pk})
    return f"{url}#{anchor}" if anchor else url


# --- Period page and lock exceptions ------------------------------------------------------


@role_required(*COMMUNE_READERS)
def period_detail(request: HttpRequest, period_pk: int) -> HttpResponse:
    return _period_page(request, selectors.period_get(pk=period_pk))


def _period_page(request: HttpRequest, period: ReportingPeriod, *, lock_form: LockExceptionForm | None = None,
                 status: int = 200) -> HttpResponse:
    today = local_today()
    completeness = selectors.period_completeness(period=period, today=today)
    rows = vi_sorted(completeness.rows, key=lambda row: row.unit.name)
    if request_access(request).is_commune_admin and lock_form is None and rows:
        lock_form = LockExceptionForm(units=_period_units(rows))
    if lock_form is not None:
        lock_form.describe()
    return render(request, "reporting/period_detail.html", {
        "period": period, "plan": period.plan, "commune": period.plan.commune,
        "entry": entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today,
                             exception_until=None),
        "completeness": completeness, "rows": rows, "late_count": sum(r.late for r in rows),
        "lock_form": lock_form,
        "exceptions": LockException.objects.filter(period=period).select_related("unit", "granted_by"),
    }, status=status)


def _period_units(rows: list[selectors.UnitCompleteness]) -> Any:
    return Unit.objects.filter(pk__in=[row.unit.pk for row in rows]).order_by("name")


@post_only
@role_required(*ADMIN)
def lock_exception_grant(request: HttpRequest, period_pk: int) -> HttpResponse:
    period = selectors.period_get(pk=period_pk)
    if (refused := not_post(request)) is not None:
        return refused
    units = Unit.objects.filter(commune=period.plan.commune, is_active=True).order_by("name")
    form = LockExceptionForm(request.POST, units=units)
    if form.is_valid():
        try:
            exception = services.lock_exception_grant(
                period=period, unit=form.cleaned_data["unit"], actor=request.user,
                until=form.cleaned_data["until"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("Đã gia hạn nhập liệu cho %(unit)s đến hết ngày %(d)s.")
                             % {"unit": exception.unit.name, "d": vn_date(exception.until)})
            return redirect("period_detail", period_pk=period.pk)
    form.fields["unit"].queryset = units  # type: ignore[attr-defined]
    return _period_page(request, period, lock_form=form)


# --- A plan's reporting calendar and ad-hoc requests ---------------------------------------


@dataclass
class PeriodLine:
    period: ReportingPeriod
    completeness: selectors.Completeness
    entry: str


@role_required(*COMMUNE_READERS)
def plan_reporting(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    form = AdhocPeriodForm() if request_access(request).is_commune_admin else None
    return _plan_page(request, plan, adhoc_form=form)


def _plan_page(request: HttpRequest, plan: Plan, *, adhoc_form: AdhocPeriodForm | None,
               status: int = 200) -> HttpResponse:
    today = local_today()
    # One completeness per period: a plan has four periods a year plus its ad-hoc requests.
    lines = [
        PeriodLine(period=period, completeness=selectors.period_completeness(period=period, today=today),
                   entry=entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today,
                                     exception_until=None))
        for period in selectors.plan_periods(plan=plan)
    ]
    if adhoc_form is not None:
        adhoc_form.describe()
    return render(request, "reporting/plan_reporting.html", {
        "plan": plan, "commune": plan.commune, "lines": lines, "adhoc_form": adhoc_form,
    }, status=status)


@role_required(*ADMIN)
def adhoc_period_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    if request.method != "POST":
        form = AdhocPeriodForm()
        form.describe()
        return render(request, "reporting/adhoc_form.html", {"plan": plan, "commune": plan.commune, "form": form})
    form = AdhocPeriodForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = periods.adhoc_period_create(
                plan=plan, actor=request.user, title=data["title"], year=data["year"],
                opens_on=data["opens_on"], deadline=data["deadline"], locks_on=data.get("locks_on"))
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("Đã tạo yêu cầu báo cáo đột xuất “%(t)s”.") % {"t": period.title})
            return redirect("period_detail", period_pk=period.pk)
    form.describe()
    return render(request, "reporting/adhoc_form.html", {"plan": plan, "commune": plan.commune, "form": form})


# --- A unit's reports ----------------------------------------------------------------------


@role_required(*REPORT_READERS)
def unit_reports(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = campaign_selectors.unit_get(access=request_access(request), pk=unit_pk)
    return render(request, "reporting/unit_reports.html", {
        "unit": unit, "commune": unit.commune, "lines": unit_periods(unit=unit, today=local_today()),
        "can_open": request_access(request).is_reporter,
    })


@post_only
@role_required(*REPORTER)
def report_open(request: HttpRequest, period_pk: int, unit_pk: int) -> HttpResponse:
    unit = campaign_selectors.unit_get(access=request_access(request), pk=unit_pk)
    period = selectors.period_get(pk=period_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if period.plan.commune_id != unit.commune_id:
        raise Http404
    existing = UnitReport.objects.filter(period=period, unit=unit).first()
    if existing is None:
        rows = selectors.report_rows(period=period, unit=unit)
        if not rows.indicators and not rows.tasks:
            messages.error(request, _("Đơn vị không có chỉ tiêu hay nhiệm vụ nào phải báo cáo trong kỳ “%(p)s”.")
                           % {"p": period.title})
            return redirect("unit_reports", unit_pk=unit.pk)
    report = existing or services.unit_report_open(period=period, unit=unit)
    return redirect("report_detail", report_pk=report.pk)


# --- The unit report -----------------------------------------------------------------------


def _can_edit(access: Access, report: UnitReport, entry: str) -> bool:
    return (access.is_reporter and access.can_see_unit(report.unit) and report.is_editable_state
            and entry == EntryState.OPEN)


def _entry_note(report: UnitReport, entry: str, extended_until: date | None) -> str:
    """Why the report cannot be filled in now (the service enforces the same rules)."""
    if not report.is_editable_state:
        return _("Báo cáo đang ở trạng thái “%(state)s”, không sửa được.") % {"state": report.get_state_display()}
    if entry == EntryState.NOT_OPEN:
        return _("Kỳ báo cáo chưa mở nhập liệu (mở từ %(d)s).") % {"d": vn_date(report.period.opens_on)}
    if entry == EntryState.LOCKED:
        return _("Kỳ báo cáo đã khóa nhập liệu từ sau ngày %(d)s. Đề nghị xã/phường gia hạn.") % {
            "d": vn_date(report.period.locks_on)}
    if extended_until is not None and extended_until >= local_today() and local_today() > report.period.locks_on:
        return _("Được xã/phường gia hạn nhập liệu đến hết ngày %(d)s.") % {"d": vn_date(extended_until)}
    return ""


@dataclass
class ReadonlyIndicator:
    indicator: Indicator
    target: Target | None
    value: Any


@dataclass
class ReadonlyTask:
    task: Task
    progress: Any


def _report_page(request: HttpRequest, report: UnitReport, *, form: ReportForm | None = None,
                 rows: ReportRows | None = None, warnings: dict[str, list[str]] | None = None,
                 missing: list[str] | None = None, review_forms: dict[str, Any] | None = None,
                 evidence_form: EvidenceForm | None = None, errors: list[str] | None = None,
                 status: int = 200) -> HttpResponse:
    access = request_access(request)
    rows = rows or selectors.report_rows(period=report.period, unit=report.unit)
    values = selectors.report_values_by_indicator(report=report)
    progress = selectors.report_progress_by_task(report=report)
    extended_until = selectors.lock_exception_until(period=report.period, unit=report.unit)
    entry = entry_state(opens_on=report.period.opens_on, locks_on=report.period.locks_on,
                        today=local_today(), exception_until=extended_until)
    editable = _can_edit(access, report, entry)
    errors = list(errors or [])
    if not editable:
        # A form posted while the report was still editable: keep its message, drop the fields.
        for bound in (form, evidence_form):
            if bound is not None and bound.is_bound:
                errors.extend(str(e) for e in bound.non_field_errors())
        form = evidence_form = None
    if editable and form is None:
        form = ReportForm(initial=report_initial(report=report, rows=rows, values=values, progress=progress),
                          rows=rows)
    if form is not None and warnings:
        form.block_warnings = warnings
    indicator_blocks, task_blocks = (form.blocks(period=report.period, previous=selectors.previous_values(report=report))
                                     if form is not None else ([], []))
    if editable and evidence_form is None:
        evidence_form = EvidenceForm(prefix="ev")
    if evidence_form is not None:
        evidence_form.describe()
    review = _review_forms(access, report, review_forms or {})
    last = report.transitions.select_related("actor").order_by("-created_at", "-id").first()
    return render(request, "reporting/report_detail.html", {
        "report": report, "period": report.period, "unit": report.unit, "commune": report.unit.commune,
        "plan": report.period.plan, "editable": editable, "entry": entry,
        "entry_note": _entry_note(report, entry, extended_until), "form": form,
        "indicator_blocks": indicator_blocks, "task_blocks": task_blocks,
        "readonly_indicators": [ReadonlyIndicator(i, rows.targets.get(i.pk), values.get(i.pk))
                                for i in rows.indicators],
        "readonly_tasks": [ReadonlyTask(t, progress.get(t.pk)) for t in rows.tasks],
        "missing": missing or [], "signer_missing": unit_signer_missing(report.unit),
        "errors": errors, "evidence_form": evidence_form,
        "evidence": list(report.evidence.select_related("uploaded_by")),
        "last_transition": last, "review": review, "is_reporter": access.is_reporter,
        "has_rows": bool(rows.indicators or rows.tasks),
    }, status=status)


def _review_forms(access: Access, report: UnitReport, bound: dict[str, Any]) -> dict[str, Any]:
    """The commune admin's actions that fit the report's state, with any posted form kept."""
    if not access.is_commune_admin:
        return {}
    initial = {"version": report.version}
    forms: dict[str, Any] = {}
    if report.state == ReportState.SUBMITTED:
        forms["accept"] = bound.get("accept") or VersionForm(prefix="accept", initial=initial)
        forms["return"] = bound.get("return") or ReasonForm(
            prefix="return", initial=initial, reason_label=_("Lý do trả lại"))
    elif report.state == ReportState.ACCEPTED:
        forms["reopen"] = bound.get("reopen") or ReasonForm(
            prefix="reopen", initial=initial, reason_label=_("Lý do mở lại"))
    for form in forms.values():
        form.describe()
    return forms


@role_required(*REPORT_READERS)
def report_detail(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if request.method == "POST":
        return _save(request, report, then_submit=False)
    return _report_page(request, report)


@post_only
@role_required(*REPORTER)
def report_submit(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    return _save(request, report, then_submit=True)


def _refuse_if_not_editable(request: HttpRequest, report: UnitReport) -> HttpResponse | None:
    access = request_access(request)
    if not access.is_reporter:
        raise PermissionDenied  # admins, viewers and reviewers read; the unit's reporter writes
    extended_until = selectors.lock_exception_until(period=report.period, unit=report.unit)
    entry = entry_state(opens_on=report.period.opens_on, locks_on=report.period.locks_on,
                        today=local_today(), exception_until=extended_until)
    if _can_edit(access, report, entry):
        return None
    messages.error(request, _entry_note(report, entry, extended_until))
    return redirect(_report_url(report))


def _save(request: HttpRequest, report: UnitReport, *, then_submit: bool) -> HttpResponse:
    if (refused := _refuse_if_not_editable(request, report)) is not None:
        return refused
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    form = ReportForm(request.POST, rows=rows)
    if not form.is_valid():
        return _report_page(request, report, form=form, rows=rows)
    try:
        result = services.unit_report_save(report=report, actor=request.user,
                                           version=form.cleaned_data["version"], data=form.report_input())
    except ConflictError:
        return _conflict(request, report, rows)
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return _report_page(request, report, form=form, rows=rows)
    saved = result.report
    if then_submit:
        try:
            services.unit_report_submit(report=saved, actor=request.user, version=saved.version)
        except ConflictError:
            return _conflict(request, report, rows)
        except ValidationError as exc:
            fresh = selectors.report_get(access=request_access(request), pk=report.pk)
            messages.warning(request, _("Đã lưu nháp nhưng chưa gửi được báo cáo: còn thiếu nội dung dưới đây."))
            return _report_page(request, fresh, rows=rows, warnings=result.warnings, missing=exc.messages)
        messages.success(request, _("Đã gửi báo cáo. Xã/phường sẽ xem xét và phản hồi."))
        return redirect(_report_url(report))
    messages.success(request, _("Đã lưu nháp báo cáo."))
    if result.warnings:
        # Warnings never block a save; they are shown once, beside the figures they concern.
        fresh = selectors.report_get(access=request_access(request), pk=report.pk)
        return _report_page(request, fresh, rows=rows, warnings=result.warnings)
    return redirect(_report_url(report))


def _conflict(request: HttpRequest, report: UnitReport, rows: ReportRows) -> HttpResponse:
    """Someone saved first: keep what this user typed, show what is saved beside it."""
    fresh = selectors.report_get(access=request_access(request), pk=report.pk)
    saved = report_initial(report=fresh, rows=rows, values=selectors.report_values_by_indicator(report=fresh),
                           progress=selectors.report_progress_by_task(report=fresh))
    data = request.POST.copy()
    # The user has now seen the other save: saving again is a deliberate overwrite.
    data["version"] = str(fresh.version)
    form = ReportForm(data, rows=rows)
    form.is_valid()
    form.note_conflict(saved)
    form.add_error(None, _("Báo cáo vừa được người khác cập nhật. Nội dung bạn nhập vẫn được giữ dưới đây; "
                           "ô nào khác bản đang lưu có ghi “Bản đang lưu”. Kiểm tra lại rồi bấm “Lưu nháp” "
                           "để ghi đè, hoặc tải lại trang để bỏ nội dung của bạn."))
    return _report_page(request, fresh, form=form, rows=rows, status=CONFLICT)


# --- Autosave of the draft ---------------------------------------------------------------------

UNPROCESSABLE = 422


def _autosave_status(request: HttpRequest, report: UnitReport, *, status: int = 200, saved: bool = False,
                     message: str = "", problems: list[str] | None = None) -> HttpResponse:
    return render(request, "reporting/_autosave_status.html", {
        "report": report, "saved": saved, "message": message, "problems": problems or [],
        "saved_at": timezone.localtime(report.updated_at).strftime("%H:%M"),
    }, status=status)


@post_only
@role_required(*REPORTER)
def report_autosave(request: HttpRequest, report_pk: int) -> HttpResponse:
    """The draft form posts here a moment after each change (htmx). It saves through the same
    service as "Lưu nháp", with the version the page holds, and answers one status line, with
    the new version swapped into the form (out of band) so the next save carries it.

    A lost update answers 409 and saves nothing: the page keeps what the user typed, and
    "Lưu nháp" then shows the saved figures beside theirs. Invalid input answers 422 and saves
    nothing. Without htmx (no JavaScript) this is an ordinary "Lưu nháp"."""
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if request.headers.get("HX-Request") != "true":
        return _save(request, report, then_submit=False)
    extended_until = selectors.lock_exception_until(period=report.period, unit=report.unit)
    entry = entry_state(opens_on=report.period.opens_on, locks_on=report.period.locks_on,
                        today=local_today(), exception_until=extended_until)
    if not _can_edit(request_access(request), report, entry):
        return _autosave_status(request, report, status=CONFLICT,
                                message=_entry_note(report, entry, extended_until) + " "
                                + _("Tải lại trang để xem báo cáo hiện tại."))
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    form = ReportForm(request.POST, rows=rows)
    if not form.is_valid():
        return _autosave_status(request, report, status=UNPROCESSABLE, problems=form.problems())
    try:
        result = services.unit_report_save(report=report, actor=request.user,
                                           version=form.cleaned_data["version"], data=form.report_input())
    except ConflictError:
        return _autosave_status(request, report, status=CONFLICT, message=_(
            "Chưa tự lưu: báo cáo vừa được người khác cập nhật. Nội dung bạn nhập vẫn còn trên trang; "
            "bấm “Lưu nháp” để xem bản đang lưu bên cạnh và ghi đè, hoặc tải lại trang để lấy bản mới."))
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return _autosave_status(request, report, status=UNPROCESSABLE, problems=form.problems())
    return _autosave_status(request, result.report, saved=True)


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
            return _report_page(request, fresh, errors=[str(exc)], status=CONFLICT)
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, success)
            return redirect(_report_url(report))
    # A wrong state or a missing version is said on top; a missing reason beside its field.
    errors = [str(e) for e in (*form.non_field_errors(), *form.errors.get("version", []))]
    kept = {slot: form} if "reason" in form.errors else {}
    return _report_page(request, report, review_forms=kept, errors=errors)


@post_only
@role_required(*ADMIN)
def report_accept(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "accept", VersionForm, lambda report, data: services.unit_report_accept(
        report=report, actor=request.user, version=data["version"]), _("Đã chấp nhận báo cáo."))


@post_only
@role_required(*ADMIN)
def report_return(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "return", ReasonForm, lambda report, data: services.unit_report_return(
        report=report, actor=request.user, version=data["version"], reason=data["reason"]),
        _("Đã trả lại báo cáo để đơn vị sửa."))


@post_only
@role_required(*ADMIN)
def report_reopen(request: HttpRequest, report_pk: int) -> HttpResponse:
    return _review(request, report_pk, "reopen", ReasonForm, lambda report, data: services.unit_report_reopen(
        report=report, actor=request.user, version=data["version"], reason=data["reason"]),
        _("Đã mở lại báo cáo; đơn vị có thể sửa và gửi lại."))


# --- Evidence ------------------------------------------------------------------------------


@post_only
@role_required(*REPORTER)
def evidence_add(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if (refused := _refuse_if_not_editable(request, report)) is not None:
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
            return redirect(_report_url(report, "evidence"))
    return _report_page(request, report, evidence_form=form)


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


# --- History -------------------------------------------------------------------------------

TRANSITION_ACTIONS = {f"report.{state}" for state in ReportState.values}
# Module-level labels stay lazy: they are read in the language of each request.
FIELD_LABELS = {
    "numerator": gettext_lazy("Tử số"),
    "denominator": gettext_lazy("Mẫu số"),
    "value": gettext_lazy("Số liệu"),
    "comment": gettext_lazy("Ghi chú"),
    "source": gettext_lazy("Nguồn số liệu"),
    "status": gettext_lazy("Tình trạng"),
    "output_quantity": gettext_lazy("Số lượng sản phẩm"),
    "narrative": gettext_lazy("Kết quả thực hiện"),
    "highlights": gettext_lazy("Kết quả nổi bật"),
    "difficulties": gettext_lazy("Khó khăn, vướng mắc"),
    "proposals": gettext_lazy("Đề xuất, kiến nghị"),
    "evidence": gettext_lazy("Minh chứng"),
    "state": gettext_lazy("Trạng thái"),
}
ACTION_TITLES = {
    "report.save": gettext_lazy("Lưu nháp"), "report.evidence_add": gettext_lazy("Thêm minh chứng"),
}


@dataclass
class ChangeLine:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime
    actor: str
    title: str
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    changes: list[ChangeLine] = field(default_factory=list)
    is_transition: bool = False


def _who(user: Any) -> str:
    if user is None:
        return _("Hệ thống")
    return user.get_full_name() or user.username


def _transition_title(transition: ReportTransition) -> str:
    if transition.to_state == ReportState.SUBMITTED:
        return _("Gửi lại báo cáo") if transition.from_state == ReportState.RETURNED else _("Gửi báo cáo")
    titles: dict[str, str] = {ReportState.RETURNED: _("Trả lại để sửa"), ReportState.ACCEPTED: _("Chấp nhận"),
                              ReportState.DRAFT: _("Mở lại báo cáo")}
    return titles.get(transition.to_state, transition.get_to_state_display())


def _show(name: str, value: Any) -> str:
    if value in (None, ""):
        return _("(trống)")
    if name == "status" and value in TaskStatus.values:
        return str(TaskStatus(value).label)
    if name == "state" and value in ReportState.values:
        return str(ReportState(value).label)
    text = str(value)
    if name in ("numerator", "denominator", "value", "output_quantity"):
        return text.replace(".", ",")
    return text


def _change_lines(changes: dict[str, Any], indicator_names: dict[str, str],
                  task_titles: dict[int, str]) -> list[ChangeLine]:
    lines = []
    for key, change in changes.items():
        if isinstance(change, dict):  # an indicator (by code) or a task ("task#<id>")
            if key.startswith("task#"):
                subject = _("Nhiệm vụ “%(t)s”") % {"t": task_titles.get(_task_id(key), key)}
            else:
                subject = _("Chỉ số “%(i)s”") % {"i": indicator_names.get(key, key)}
            for name, (old, new) in change.items():
                lines.append(ChangeLine(f"{subject} — {FIELD_LABELS.get(name, name)!s}", _show(name, old), _show(name, new)))
        elif isinstance(change, list | tuple) and len(change) == 2:
            lines.append(ChangeLine(str(FIELD_LABELS.get(key, key)), _show(key, change[0]), _show(key, change[1])))
    return lines


def _task_id(key: str) -> int:
    try:
        return int(key.removeprefix("task#"))
    except ValueError:
        return 0


def report_history_entries(report: UnitReport) -> list[HistoryEntry]:
    """Transitions and audited changes of the report, newest first (4 queries)."""
    transitions = list(report.transitions.select_related("actor"))
    audits = list(AuditEntry.objects.filter(target_type=UnitReport._meta.label_lower, target_id=report.pk)
                  .exclude(action__in=TRANSITION_ACTIONS).select_related("actor"))
    codes = {key for a in audits for key, change in a.changes.items()
             if isinstance(change, dict) and not key.startswith("task#")}
    task_ids = {_task_id(key) for a in audits for key in a.changes if key.startswith("task#")}
    indicator_names: dict[str, str] = {}
    # A commune's own indicator wins over a national one of the same code.
    for code, name, commune_id in (Indicator.objects.filter(code__in=codes)
                                   .values_list("code", "short_name", "commune_id").order_by("commune_id")):
        if commune_id is None and code in indicator_names:
            continue
        indicator_names[code] = name
    task_titles = {pk: title[:120] for pk, title in Task.objects.filter(pk__in=task_ids).values_list("pk", "title")}
    entries = [HistoryEntry(at=t.created_at, actor=_who(t.actor), title=_transition_title(t),
                            from_state=t.get_from_state_display(), to_state=t.get_to_state_display(),
                            reason=t.reason, is_transition=True) for t in transitions]
    entries += [HistoryEntry(at=a.created_at, actor=_who(a.actor), title=str(ACTION_TITLES.get(a.action, a.action)),
                             reason=a.reason, changes=_change_lines(a.changes, indicator_names, task_titles))
                for a in audits]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


@role_required(*REPORT_READERS)
def report_history(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    return render(request, "reporting/report_history.html", {
        "report": report, "period": report.period, "unit": report.unit, "commune": report.unit.commune,
        "plan": report.period.plan, "entries": report_history_entries(report),
    })


urlpatterns = [
    path("periods/<int:period_pk>/", period_detail, name="period_detail"),
    path("periods/<int:period_pk>/lock-exceptions/", lock_exception_grant, name="lock_exception_grant"),
    path("plans/<int:plan_pk>/reporting/", plan_reporting, name="plan_reporting"),
    path("plans/<int:plan_pk>/reporting/adhoc/", adhoc_period_create, name="adhoc_period_create"),
    path("units/<int:unit_pk>/reports/", unit_reports, name="unit_reports"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/open/", report_open, name="report_open"),
    path("reports/<int:report_pk>/", report_detail, name="report_detail"),
    path("reports/<int:report_pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:report_pk>/autosave/", report_autosave, name="report_autosave"),
    path("reports/<int:report_pk>/accept/", report_accept, name="report_accept"),
    path("reports/<int:report_pk>/return/", report_return, name="report_return"),
    path("reports/<int:report_pk>/reopen/", report_reopen, name="report_reopen"),
    path("reports/<int:report_pk>/evidence/", evidence_add, name="evidence_add"),
    path("reports/<int:report_pk>/history/", report_history, name="report_history"),
    path("evidence/<int:evidence_pk>/", evidence_download, name="evidence_download"),
]
