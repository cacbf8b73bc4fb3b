"""A unit's quarterly report (reporting, views layer): the unit's reports, opening one, and the
report page where the unit's reporter fills it in (saved as a draft, autosaved, submitted) and
everyone who may read it reads it. Review (views.review), evidence (views.evidence) and history
(views.history) render the same page through ``report_page``.

Thin views: fetch through the tenant scope (404 for anything outside it), parse the input
with a form, call a selector or a service, render. A lost update answers 409 and keeps what
the user typed; a refusal (wrong state, closed window) says why and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Task
from campaigns.selectors import organisation as campaign_selectors
from portal.access import (
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
from reporting.deadlines import EntryState, entry_state, local_today
from reporting.documents.content.unit_report import unit_signer_missing
from reporting.forms import EvidenceForm, ReasonForm, ReportForm, VersionForm, report_initial
from reporting.models import ReportState, UnitReport
from reporting.selectors import reports as selectors
from reporting.selectors.dashboards.unit import unit_periods
from reporting.selectors.reports import ReportRows
from reporting.services import unit_reports as services
from targets.models import Indicator, Target

CONFLICT = 409


def report_url(report: UnitReport, anchor: str = "") -> str:
    """The report page's address, at ``anchor`` when one is given."""
    url = reverse("report_detail", kwargs={"report_pk": report.pk})
    return f"{url}#{anchor}" if anchor else url


# --- A unit's reports ----------------------------------------------------------------------


@role_required(*REPORT_READERS)
def unit_reports(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = campaign_selectors.unit_get(access=request_access(request), pk=unit_pk)
    return render(request, "reporting/unit_reports.html", {
        "unit": unit, "commune": unit.commune, "lines": unit_periods(unit=unit, today=local_today()),
        "can_open": request_access(request).is_reporter,
    })


@post_only
@role_required(Role.UNIT_REPORTER)
def report_open(request: HttpRequest, period_pk: int, unit_pk: int) -> HttpResponse:
    unit = campaign_selectors.unit_get(access=request_access(request), pk=unit_pk)
    period = selectors.period_get(pk=period_pk)
    if (refused := not_post(request)) is not None:
        return refused
    if period.plan.commune_id != unit.commune_id:
        raise Http404
    existing = selectors.unit_report_find(period=period, unit=unit)
    if existing is None:
        rows = selectors.report_rows(period=period, unit=unit)
        if not rows.indicators and not rows.tasks:
            messages.error(request, _("Đơn vị không có chỉ tiêu hay nhiệm vụ nào phải báo cáo trong kỳ “%(p)s”.")
                           % {"p": period.title})
            return redirect("unit_reports", unit_pk=unit.pk)
    report = existing or services.unit_report_open(period=period, unit=unit)
    return redirect("report_detail", report_pk=report.pk)


# --- The unit report -----------------------------------------------------------------------


def _entry(report: UnitReport) -> tuple[str, date | None]:
    """The report's entry state today (EntryState), and the end of its unit's lock exception."""
    extended_until = selectors.lock_exception_until(period=report.period, unit=report.unit)
    entry = entry_state(opens_on=report.period.opens_on, locks_on=report.period.locks_on,
                        today=local_today(), exception_until=extended_until)
    return entry, extended_until


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


def report_page(request: HttpRequest, report: UnitReport, *, form: ReportForm | None = None,
                rows: ReportRows | None = None, warnings: dict[str, list[str]] | None = None,
                missing: list[str] | None = None, review_forms: dict[str, Any] | None = None,
                evidence_form: EvidenceForm | None = None, errors: list[str] | None = None,
                status: int = 200) -> HttpResponse:
    """The report page: the form while the reporter may edit, the figures read-only otherwise,
    the commune admin's review actions, the evidence and the last transition."""
    access = request_access(request)
    rows = rows or selectors.report_rows(period=report.period, unit=report.unit)
    values = selectors.report_values_by_indicator(report=report)
    progress = selectors.report_progress_by_task(report=report)
    entry, extended_until = _entry(report)
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
    last = selectors.report_last_transition(report=report)
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
        "evidence": selectors.report_evidence_list(report=report),
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
    return report_page(request, report)


@post_only
@role_required(Role.UNIT_REPORTER)
def report_submit(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = selectors.report_get(access=request_access(request), pk=report_pk)
    if (refused := not_post(request)) is not None:
        return refused
    return _save(request, report, then_submit=True)


def refuse_if_not_editable(request: HttpRequest, report: UnitReport) -> HttpResponse | None:
    """None when the user may edit the report now; else back to the report saying why (403 for
    a role that never writes it)."""
    access = request_access(request)
    if not access.is_reporter:
        raise PermissionDenied  # admins, viewers and reviewers read; the unit's reporter writes
    entry, extended_until = _entry(report)
    if _can_edit(access, report, entry):
        return None
    messages.error(request, _entry_note(report, entry, extended_until))
    return redirect(report_url(report))


def _save(request: HttpRequest, report: UnitReport, *, then_submit: bool) -> HttpResponse:
    if (refused := refuse_if_not_editable(request, report)) is not None:
        return refused
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    form = ReportForm(request.POST, rows=rows)
    if not form.is_valid():
        return report_page(request, report, form=form, rows=rows)
    try:
        result = services.unit_report_save(report=report, actor=request.user,
                                           version=form.cleaned_data["version"], data=form.report_input())
    except ConflictError:
        return _conflict(request, report, rows)
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return report_page(request, report, form=form, rows=rows)
    saved = result.report
    if then_submit:
        try:
            services.unit_report_submit(report=saved, actor=request.user, version=saved.version)
        except ConflictError:
            return _conflict(request, report, rows)
        except ValidationError as exc:
            fresh = selectors.report_get(access=request_access(request), pk=report.pk)
            messages.warning(request, _("Đã lưu nháp nhưng chưa gửi được báo cáo: còn thiếu nội dung dưới đây."))
            return report_page(request, fresh, rows=rows, warnings=result.warnings, missing=exc.messages)
        messages.success(request, _("Đã gửi báo cáo. Xã/phường sẽ xem xét và phản hồi."))
        return redirect(report_url(report))
    messages.success(request, _("Đã lưu nháp báo cáo."))
    if result.warnings:
        # Warnings never block a save; they are shown once, beside the figures they concern.
        fresh = selectors.report_get(access=request_access(request), pk=report.pk)
        return report_page(request, fresh, rows=rows, warnings=result.warnings)
    return redirect(report_url(report))


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
    return report_page(request, fresh, form=form, rows=rows, status=CONFLICT)


# --- Autosave of the draft ---------------------------------------------------------------------

UNPROCESSABLE = 422


def _autosave_status(request: HttpRequest, report: UnitReport, *, status: int = 200, saved: bool = False,
                     message: str = "", problems: list[str] | None = None) -> HttpResponse:
    return render(request, "reporting/_autosave_status.html", {
        "report": report, "saved": saved, "message": message, "problems": problems or [],
        "saved_at": timezone.localtime(report.updated_at).strftime("%H:%M"),
    }, status=status)


@post_only
@role_required(Role.UNIT_REPORTER)
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
    entry, extended_until = _entry(report)
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


urlpatterns: list[URLPattern] = [
    path("units/<int:unit_pk>/reports/", unit_reports, name="unit_reports"),
    path("periods/<int:period_pk>/units/<int:unit_pk>/open/", report_open, name="report_open"),
    path("reports/<int:report_pk>/", report_detail, name="report_detail"),
    path("reports/<int:report_pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:report_pk>/autosave/", report_autosave, name="report_autosave"),
]
