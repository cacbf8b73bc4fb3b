"""A unit report's history (reporting, views layer): its transitions and its audited changes,
newest first, each change as a label with its old and new value in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import AuditEntry, Task
from portal.access import request_access, role_required
from reporting.models import ReportState, ReportTransition, TaskStatus, UnitReport
from reporting.selectors import reports as selectors
from reporting.views.unit_reports import REPORT_READERS
from targets.models import Indicator

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


urlpatterns: list[URLPattern] = [
    path("reports/<int:report_pk>/history/", report_history, name="report_history"),
]
