"""Writes of a unit's report: open, save, its review workflow (submit, accept, return, reopen
through portal.workflow), lock exceptions. Every write is validated first, runs in one
transaction at the version the user edited (portal.locking), is audited, and enqueues its
follow-up tasks (e-mails, rollups) by name after commit (portal.tasks). Layer: services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Unit
from campaigns.services.audit import audit_record
from portal.formats import vn_date, vn_plain_number
from portal.locking import row_lock, version_save
from portal.tasks import task_enqueue
from portal.text import nfc
from portal.workflow import Workflow
from reporting.deadlines import EntryState, local_today
from reporting.documents.content.unit_report import unit_signer_missing
from reporting.models import (
    IndicatorValue,
    LockException,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskProgress,
    TaskStatus,
    UnitReport,
)
from reporting.selectors import reports as selectors
from reporting.services.rollup_inputs import rollups_inputs_changed
from targets.models import Measure, TimeAggregation

# --- The unit report ----------------------------------------------------------------------


@transaction.atomic
def unit_report_open(*, period: ReportingPeriod, unit: Unit) -> UnitReport:
    """The unit's report of the period, created as a draft on first open (idempotent)."""
    if unit.commune_id != period.plan.commune_id:
        raise ValidationError(_("Đơn vị không thuộc xã/phường của kế hoạch."))
    report, _created = UnitReport.objects.get_or_create(period=period, unit=unit)
    return report


@dataclass
class ValueInput:
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    comment: str = ""
    source: str = ""


@dataclass
class ProgressInput:
    status: str = ""
    output_quantity: Decimal | None = None
    narrative: str = ""


@dataclass
class ReportInput:
    values: dict[int, ValueInput] = field(default_factory=dict)  # by indicator id
    progress: dict[int, ProgressInput] = field(default_factory=dict)  # by task id
    highlights: str | None = None
    difficulties: str | None = None
    proposals: str | None = None


@dataclass
class SaveResult:
    report: UnitReport
    warnings: dict[str, list[str]]


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _dec(value)
    return None if value == "" else value


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for changed fields; "" and None are the same blank, 0 is not."""
    return {k: [_plain(old[k]), _plain(v)] for k, v in new.items() if _plain(old[k]) != _plain(v)}


def unit_report_check_editable(report: UnitReport, *, today: date | None = None) -> None:
    """Raise ValidationError unless the unit may still edit the report today: a draft or a
    returned report, inside its entry window (or a lock exception)."""
    if not report.is_editable_state:
        raise ValidationError(_("Báo cáo đang ở trạng thái “%(state)s”, không sửa được.")
                              % {"state": report.get_state_display()})
    state = selectors.report_entry_state(report=report, today=today)
    if state == EntryState.NOT_OPEN:
        raise ValidationError(_("Kỳ báo cáo chưa mở nhập liệu (mở từ %(d)s).")
                              % {"d": vn_date(report.period.opens_on)})
    if state == EntryState.LOCKED:
        raise ValidationError(_("Kỳ báo cáo đã khóa nhập liệu từ sau ngày %(d)s. Đề nghị xã/phường gia hạn.")
                              % {"d": vn_date(report.period.locks_on)})


def unit_report_lock(report: UnitReport, version: int | None) -> UnitReport:
    """The report row locked for this transaction, at the version the user edited (None: any)."""
    return row_lock(UnitReport.objects.select_related("period", "period__plan", "period__plan__commune", "unit"),
                    pk=report.pk, version=version)


def whole_figures(indicator: Any) -> tuple[str, ...]:
    """The figures of ``indicator`` that count things, so take whole numbers only: a
    percentage's numerator and denominator (people, households), a count's or a level's value
    ("12,5 hội nghị" is no figure) unless the indicator declares decimals."""
    if indicator.measure == Measure.PERCENT:
        return ("numerator", "denominator")
    return ("value",) if indicator.decimals == 0 else ()


def _number_problem(number: Decimal | None, field: Any, *, whole: bool = False, unit: str = "") -> str | None:
    """A number the column cannot hold exactly is an error here, not a rounding or a 500;
    a count with a fractional part is one too (``whole``). The one rule for every surface: the
    form, the autosave, the Excel import and the API all save through this service."""
    if number is None:
        return None
    if whole and number != number.to_integral_value():
        typed = vn_plain_number(number)
        return _("phải là số nguyên, không nhập được %(typed)s") % {"typed": f"{typed} {unit}".strip()}
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > field.decimal_places:
        return _("tối đa %(n)s chữ số thập phân") % {"n": field.decimal_places}
    if abs(number) >= Decimal(10) ** (field.max_digits - field.decimal_places):
        return _("số quá lớn")
    return None


def _validate_values(values: dict[int, ValueInput], indicators: dict[int, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    source_limit = IndicatorValue._meta.get_field("source").max_length or 0
    for indicator_id, item in values.items():
        key = f"value-{indicator_id}"
        indicator = indicators.get(indicator_id)
        if indicator is None:
            errors.setdefault(key, []).append(_("Đơn vị không báo cáo chỉ số này trong kỳ."))
            continue
        whole = whole_figures(indicator)
        for name, label in (("numerator", _("Tử số")), ("denominator", _("Mẫu số")), ("value", _("Giá trị"))):
            problem = _number_problem(getattr(item, name), IndicatorValue._meta.get_field(name),
                                      whole=name in whole, unit=indicator.unit_of_measure if name == "value" else "")
            if problem:
                errors.setdefault(key, []).append(f"{label}: {problem}.")
        if len(nfc(item.source or "")) > source_limit:
            errors.setdefault(key, []).append(
                _("Nguồn số liệu dài quá %(n)s ký tự.") % {"n": source_limit})
        for label, number in ((_("Tử số"), item.numerator), (_("Mẫu số"), item.denominator),
                              (_("Giá trị"), item.value)):
            if number is not None and number < 0:
                errors.setdefault(key, []).append(_("%(f)s không được âm.") % {"f": label})
        if indicator.measure == Measure.PERCENT:
            if item.value is not None:
                errors.setdefault(key, []).append(_("Chỉ số tỷ lệ nhập tử số và mẫu số, không nhập giá trị."))
            if (item.numerator is not None and item.denominator is not None
                    and item.numerator > item.denominator):
                errors.setdefault(key, []).append(_("Tử số không được lớn hơn mẫu số."))
            if item.denominator == 0 and item.numerator not in (None, Decimal(0)):
                errors.setdefault(key, []).append(_("Mẫu số bằng 0 thì tử số phải bằng 0."))
        elif item.numerator is not None or item.denominator is not None:
            errors.setdefault(key, []).append(_("Chỉ số này nhập một giá trị, không có tử số/mẫu số."))
    return errors


def _warnings(report: UnitReport, values: dict[int, ValueInput], indicators: dict[int, Any]) -> dict[str, list[str]]:
    """Plausibility warnings (never errors): a stock falling, a jump over 50 points."""
    previous = selectors.previous_values(report=report)
    warnings: dict[str, list[str]] = {}
    for indicator_id, item in values.items():
        indicator = indicators.get(indicator_id)
        before = previous.get(indicator_id)
        if indicator is None or before is None:
            continue
        key = f"value-{indicator_id}"
        if indicator.measure == Measure.PERCENT:
            now_pct = _pct(item.numerator, item.denominator)
            then_pct = _pct(before.numerator, before.denominator)
            if now_pct is None or then_pct is None:
                continue
            if now_pct < then_pct:
                warnings.setdefault(key, []).append(
                    _("Tỷ lệ giảm so với quý trước (%(a)s%% → %(b)s%%): kiểm tra lại số liệu.")
                    % {"a": round(then_pct, 1), "b": round(now_pct, 1)})
            if abs(now_pct - then_pct) > 50:
                warnings.setdefault(key, []).append(
                    _("Thay đổi hơn 50 điểm phần trăm so với quý trước: kiểm tra lại số liệu."))
        elif (indicator.time_aggregation == TimeAggregation.LATEST and item.value is not None
              and before.value is not None and item.value < before.value):
            warnings.setdefault(key, []).append(
                _("Số liệu giảm so với quý trước (%(a)s → %(b)s): kiểm tra lại.")
                % {"a": _dec(before.value), "b": _dec(item.value)})
    return warnings


def _pct(numerator: Decimal | None, denominator: Decimal | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return float(numerator / denominator * 100)


def _validate_progress(progress: dict[int, ProgressInput], task_ids: set[int]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for task_id, item in progress.items():
        key = f"task-{task_id}"
        if task_id not in task_ids:
            errors.setdefault(key, []).append(_("Nhiệm vụ không thuộc đơn vị trong kỳ này."))
        if item.status and item.status not in TaskStatus.values:
            errors.setdefault(key, []).append(_("Tình trạng không hợp lệ."))
        if item.output_quantity is not None and item.output_quantity < 0:
            errors.setdefault(key, []).append(_("Số lượng không được âm."))
        # A deliverable's quantity counts products ("02 Hội nghị"): whole numbers only.
        problem = _number_problem(item.output_quantity, TaskProgress._meta.get_field("output_quantity"), whole=True)
        if problem:
            errors.setdefault(key, []).append(f"{_('Số lượng')}: {problem}.")
    return errors


def _write_row(row: Any, new: dict[str, Any]) -> dict[str, list[Any]]:
    """Save ``new`` into ``row`` (an indicator value or a task's progress, created on first
    save) if anything differs; returns the audited difference."""
    diff = _diff({k: getattr(row, k) if row.pk else None for k in new}, new)
    if diff:
        for k, v in new.items():
            setattr(row, k, v)
        row.save()
    return diff


def _write(report: UnitReport, data: ReportInput, indicators: dict[int, Any]) -> dict[str, Any]:
    """Write the changed values, progress and narrative; returns the changes by audit key."""
    changes: dict[str, Any] = {}
    existing = {v.indicator_id: v for v in report.values.select_for_update()}
    for indicator_id, item in data.values.items():
        value_row = existing.get(indicator_id) or IndicatorValue(report=report, indicator_id=indicator_id)
        diff = _write_row(value_row, {
            "numerator": item.numerator, "denominator": item.denominator, "value": item.value,
            "comment": nfc(item.comment), "source": nfc(item.source)})
        if diff:
            changes[indicators[indicator_id].code] = diff
    progress = {p.task_id: p for p in report.progress.select_for_update()}
    for task_id, progress_item in data.progress.items():
        progress_row = progress.get(task_id) or TaskProgress(report=report, task_id=task_id)
        diff = _write_row(progress_row, {
            "status": progress_item.status, "output_quantity": progress_item.output_quantity,
            "narrative": nfc(progress_item.narrative)})
        if diff:
            changes[f"task#{task_id}"] = diff
    for name in ("highlights", "difficulties", "proposals"):
        value = getattr(data, name)
        if value is not None and nfc(value) != getattr(report, name):
            changes[name] = [getattr(report, name), nfc(value)]
            setattr(report, name, nfc(value))
    return changes


@transaction.atomic
def unit_report_save(*, report: UnitReport, actor: Any, version: int | None, data: ReportInput,
                     today: date | None = None) -> SaveResult:
    """Save a draft (values, progress, narrative); every changed value is audited old → new."""
    report = unit_report_lock(report, version)
    unit_report_check_editable(report, today=today)
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    indicators = {i.pk: i for i in rows.indicators}
    errors = _validate_values(data.values, indicators)
    for key, messages in _validate_progress(data.progress, {t.pk for t in rows.tasks}).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    changes = _write(report, data, indicators)
    if changes:
        version_save(report)
        audit_record(commune=report.unit.commune, actor=actor, action="report.save", target=report,
                     changes=changes)
    return SaveResult(report=report, warnings=_warnings(report, data.values, indicators))


def report_missing(*, report: UnitReport) -> list[str]:
    """What still has to be filled in before the report can be sent: its figures and task
    statuses, and who signs it (a report sent is the unit's signed document)."""
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    values = selectors.report_values_by_indicator(report=report)
    progress = selectors.report_progress_by_task(report=report)
    missing = unit_signer_missing(report.unit)
    for indicator in rows.indicators:
        value = values.get(indicator.pk)
        if indicator.measure == Measure.PERCENT:
            if value is None or value.numerator is None or value.denominator is None:
                missing.append(_("Chưa nhập tử số/mẫu số: %(name)s") % {"name": indicator.short_name})
        elif value is None or value.value is None:
            missing.append(_("Chưa nhập số liệu: %(name)s") % {"name": indicator.short_name})
    for task in rows.tasks:
        item = progress.get(task.pk)
        if item is None or not item.status:
            missing.append(_("Chưa chọn tình trạng nhiệm vụ: %(t)s") % {"t": task.title[:80]})
    return missing


# --- The review workflow (portal.workflow) ------------------------------------------------

REPORT_TRANSITION_TASK = "reporting.on_report_transition"  # reporting.tasks.on_report_transition


def _accepted_changed(report: UnitReport, transition: ReportTransition) -> None:
    """The accepted reports are the rollups' input: a report entering or leaving "accepted"
    has its figures recomputed from its quarter on."""
    period = report.period
    if ReportState.ACCEPTED in (transition.from_state, transition.to_state) and period.kind == PeriodKind.QUARTERLY:
        rollups_inputs_changed(plan_ids=[period.plan_id], year=period.year, quarter=period.quarter)


def _notify(report: UnitReport, transition: ReportTransition) -> None:
    """After commit: the e-mails about the transition, in the unit's commune's scope."""
    task_enqueue(REPORT_TRANSITION_TASK, transition_id=transition.pk, commune_ids=[report.unit.commune_id])


WORKFLOW = Workflow(transition_model=ReportTransition, action_prefix="report", audit=audit_record,
                    commune_of=lambda report: report.unit.commune, effects=_accepted_changed, follow_up=_notify)


@transaction.atomic
def unit_report_submit(*, report: UnitReport, actor: Any, version: int | None,
                       today: date | None = None) -> UnitReport:
    report = unit_report_lock(report, version)
    unit_report_check_editable(report, today=today)
    missing = report_missing(report=report)
    if missing:
        raise ValidationError({"__all__": missing})
    now = timezone.now()
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now
    report.save(update_fields=["submitted_at", "first_submitted_at"])
    WORKFLOW.move(report, to_state=ReportState.SUBMITTED, actor=actor)
    return report


@transaction.atomic
def unit_report_accept(*, report: UnitReport, actor: Any, version: int | None) -> UnitReport:
    report = unit_report_lock(report, version)
    WORKFLOW.check(report, allowed=[ReportState.SUBMITTED], refused=_("Chỉ chấp nhận được báo cáo đã gửi."))
    report.accepted_at = timezone.now()
    report.save(update_fields=["accepted_at"])
    WORKFLOW.move(report, to_state=ReportState.ACCEPTED, actor=actor)
    return report


@transaction.atomic
def unit_report_return(*, report: UnitReport, actor: Any, version: int | None, reason: str) -> UnitReport:
    report = unit_report_lock(report, version)
    WORKFLOW.check(report, allowed=[ReportState.SUBMITTED], refused=_("Chỉ trả lại được báo cáo đã gửi."),
                   reason=reason, reason_missing=_("Phải ghi lý do trả lại báo cáo."))
    WORKFLOW.move(report, to_state=ReportState.RETURNED, actor=actor, reason=reason)
    return report


@transaction.atomic
def unit_report_reopen(*, report: UnitReport, actor: Any, version: int | None, reason: str) -> UnitReport:
    """An accepted report is locked; the commune admin may reopen it, with a reason."""
    report = unit_report_lock(report, version)
    WORKFLOW.check(report, allowed=[ReportState.ACCEPTED], refused=_("Chỉ mở lại được báo cáo đã chấp nhận."),
                   reason=reason, reason_missing=_("Phải ghi lý do mở lại báo cáo."))
    report.accepted_at = None
    report.save(update_fields=["accepted_at"])
    WORKFLOW.move(report, to_state=ReportState.DRAFT, actor=actor, reason=reason)
    return report


# --- Lock exceptions ----------------------------------------------------------------------


@transaction.atomic
def lock_exception_grant(*, period: ReportingPeriod, unit: Unit, actor: Any, until: date,
                         reason: str, today: date | None = None) -> LockException:
    reason = nfc(reason or "")
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Phải ghi lý do gia hạn.")
    if until < (today or local_today()):
        errors["until"] = _("Ngày gia hạn không được ở quá khứ.")
    if unit.commune_id != period.plan.commune_id:
        errors["unit"] = _("Đơn vị không thuộc xã/phường của kế hoạch.")
    if errors:
        raise ValidationError(errors)
    exception = LockException.objects.create(period=period, unit=unit, until=until, reason=reason,
                                             granted_by=actor)
    audit_record(commune=unit.commune, actor=actor, action="period.lock_exception", target=exception,
                 changes={"unit": [None, unit.name], "until": [None, until.isoformat()]}, reason=reason)
    return exception
