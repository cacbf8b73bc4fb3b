"""Forms of the reporting pages: they parse the shape of the input, the services decide.

The unit report form is built from what the unit owes in the period (selectors.report_rows),
one block per indicator and per task, with field names that carry the service's error keys
("value-<indicator id>-numerator" belongs to "value-<indicator id>").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Task, Unit
from portal.formats import DMY, quarter_roman, vn_percent, vn_plain_number
from reporting.models import (
    EvidenceKind,
    IndicatorValue,
    ReportingPeriod,
    TaskProgress,
    TaskStatus,
    UnitReport,
)
from reporting.selectors.reports import ReportRows
from reporting.services.evidence import ALLOWED_TYPES, DESCRIPTION_MAX, URL_MAX
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator, Target, TimeAggregation

DATE_INPUT_FORMATS = [DMY, "%Y-%m-%d"]
NARRATIVES = (
    ("highlights", _("Kết quả nổi bật")),
    ("difficulties", _("Khó khăn, vướng mắc")),
    ("proposals", _("Đề xuất, kiến nghị")),
)
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")


def normalise_number(text: str) -> str:
    """"1.234,5", "1 234,5", "12,5" and "12.5" as Python reads them (Vietnamese keyboards write a
    decimal comma and a dot between thousands)."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    if _THOUSANDS.fullmatch(text):
        return text.replace(".", "")
    return text


class NumberField(forms.DecimalField):
    """A figure of a report: a text box with the decimal keypad, "12,5" and "12.5" both read."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # A text box, not type=number: Android keyboards and browsers disagree on the comma.
        return {"inputmode": "decimal", "autocomplete": "off", "class": "rp-number"}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = normalise_number(value)
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        return vn_plain_number(value) if isinstance(value, Decimal) else value


class DateInput(forms.DateInput):
    """dd/mm/yyyy typed as text: the official format, whatever the phone's locale."""

    def __init__(self) -> None:
        super().__init__(format=DMY, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric",
                                                    "autocomplete": "off", "pattern": r"\d{1,2}/\d{1,2}/\d{4}"})


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, input_formats=DATE_INPUT_FORMATS,
                           widget=DateInput(), help_text=help_text or _("Ngày/tháng/năm, ví dụ 15/03/2026."))


class VersionField(forms.IntegerField):
    """The report version the page was built from: sent back so a lost update is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, error_messages={
            "required": _("Thiếu phiên bản báo cáo: vui lòng tải lại trang."),
            "invalid": _("Thiếu phiên bản báo cáo: vui lòng tải lại trang."),
        }, **kwargs)


class DescribedForm(forms.Form):
    """Links every input to its help text and errors (aria-describedby) before rendering."""

    def describe(self, extra: dict[str, list[str]] | None = None) -> None:
        extra = extra or {}
        for name, bound in self._bound_items():
            ids = list(extra.get(name, []))
            if bound.help_text:
                ids.append(f"{bound.auto_id}-help")
            if bound.errors:
                ids.append(f"{bound.auto_id}-error")
                bound.field.widget.attrs["aria-invalid"] = "true"
            if ids:
                bound.field.widget.attrs["aria-describedby"] = " ".join(ids)

    def _bound_items(self) -> list[tuple[str, forms.BoundField]]:
        return [(name, self[name]) for name in self.fields]

    def apply_service_errors(self, exc: ValidationError) -> None:
        """A service's errors next to the fields they name, the rest on top of the form."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, errors in exc.error_dict.items():
            for message in (m for e in errors for m in e.messages):
                self.add_error(key if key in self.fields else None, message)


# --- The unit report ----------------------------------------------------------------------


@dataclass
class Block:
    """One fieldset of the report form: an indicator or a task, with its fields and notes."""

    key: str  # the service's error key: value-<id> or task-<id>
    fields: dict[str, forms.BoundField]
    indicator: Indicator | None = None
    target: Target | None = None
    task: Task | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflict: dict[str, str] = field(default_factory=dict)  # field → what is saved now
    hint: str = ""  # what to enter: this quarter's figure, or the figure at its end
    # Last quarter's figures of the unit (sent or accepted), shown beside the fields; None
    # when there is no last quarter (an ad-hoc request) or nothing was sent for it.
    previous: IndicatorValue | None = None
    previous_title: str = ""  # "Quý IV năm 2025"; "" for an ad-hoc request

    @property
    def percent(self) -> str:
        """The percentage of the figures in the form (the page without JavaScript)."""
        if "numerator" not in self.fields:
            return ""
        numerator, denominator = (_field_decimal(self.fields[k]) for k in ("numerator", "denominator"))
        if numerator is None or not denominator:
            return "—"
        return vn_percent(numerator / denominator * 100)


def _field_decimal(bound: forms.BoundField) -> Decimal | None:
    value = bound.value()
    if isinstance(value, Decimal) or value is None:
        return value
    try:
        return Decimal(normalise_number(str(value)))
    except ArithmeticError:
        return None


def entry_hint(indicator: Indicator, period: ReportingPeriod) -> str:
    """What the reporter enters for ``indicator``, from how it adds up over the quarters: a
    flow (summed, "tin, bài đã đăng") is this quarter's own figure, a stock (the latest value,
    "người dân có kỹ năng số") the figure at the end of the quarter, the year to date."""
    flow = indicator.time_aggregation == TimeAggregation.SUM
    what = _("tử số và mẫu số") if indicator.is_percent else _("số liệu")
    if period.quarter is None:
        if flow:
            return _("Nhập %(what)s phát sinh trong kỳ báo cáo này.") % {"what": what}
        return _("Nhập %(what)s tính đến thời điểm báo cáo.") % {"what": what}
    when = {"what": what, "q": quarter_roman(period.quarter), "y": period.year}
    if flow:
        return _("Nhập %(what)s phát sinh trong quý %(q)s năm %(y)s (chỉ riêng quý này, không cộng các quý "
                 "trước; cổng tự cộng dồn từ đầu năm).") % when
    return _("Nhập %(what)s tính đến hết quý %(q)s năm %(y)s (lũy kế từ đầu năm, gồm cả kết quả các quý "
             "trước).") % when


def previous_period_title(period: ReportingPeriod) -> str:
    """"Quý IV năm 2025": the quarter before ``period`` ("" for an ad-hoc request)."""
    if period.quarter is None:
        return ""
    year, quarter = (period.year, period.quarter - 1) if period.quarter > 1 else (period.year - 1, 4)
    return _("Quý %(q)s năm %(y)s") % {"q": quarter_roman(quarter), "y": year}


def task_has_quantity(task: Task) -> bool:
    """A task with a counted deliverable ("02 Hội nghị") reports the quantity achieved."""
    return any(d.quantity is not None for d in task.deliverables.all())


class ReportForm(DescribedForm):
    version = VersionField()

    def __init__(self, *args: Any, rows: ReportRows, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.block_errors: dict[str, list[str]] = {}
        self.block_warnings: dict[str, list[str]] = {}
        self.conflict: dict[str, str] = {}
        for indicator in rows.indicators:
            prefix = f"value-{indicator.pk}"
            if indicator.is_percent:
                self.fields[f"{prefix}-numerator"] = NumberField(
                    label=_("Tử số: %(label)s") % {"label": indicator.numerator_label})
                self.fields[f"{prefix}-denominator"] = NumberField(
                    label=_("Mẫu số: %(label)s") % {"label": indicator.denominator_label})
            else:
                self.fields[f"{prefix}-value"] = NumberField(
                    label=_("Số liệu (%(unit)s)") % {"unit": indicator.unit_of_measure})
            self.fields[f"{prefix}-source"] = forms.CharField(
                label=_("Nguồn số liệu"), required=False, max_length=300,
                help_text=_("Ví dụ: rà soát của thôn, số liệu VNeID của Công an xã."))
            self.fields[f"{prefix}-comment"] = forms.CharField(
                label=_("Ghi chú"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))
        for task in rows.tasks:
            prefix = f"task-{task.pk}"
            self.fields[f"{prefix}-status"] = forms.ChoiceField(
                label=_("Tình trạng"), required=False,
                choices=[("", _("— Chọn tình trạng —")), *TaskStatus.choices])
            if task_has_quantity(task):
                self.fields[f"{prefix}-output_quantity"] = NumberField(label=_("Số lượng sản phẩm đạt được"))
            self.fields[f"{prefix}-narrative"] = forms.CharField(
                label=_("Kết quả thực hiện"), required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}))
        for name, label in NARRATIVES:
            self.fields[name] = forms.CharField(label=label, required=False, max_length=10000,
                                                widget=forms.Textarea(attrs={"rows": 4}))

    # -- input -----------------------------------------------------------------------------

    def report_input(self) -> ReportInput:
        data = self.cleaned_data
        values = {}
        for indicator in self.rows.indicators:
            prefix = f"value-{indicator.pk}"
            values[indicator.pk] = ValueInput(
                numerator=data.get(f"{prefix}-numerator"), denominator=data.get(f"{prefix}-denominator"),
                value=data.get(f"{prefix}-value"), comment=data.get(f"{prefix}-comment", ""),
                source=data.get(f"{prefix}-source", ""))
        progress = {}
        for task in self.rows.tasks:
            prefix = f"task-{task.pk}"
            progress[task.pk] = ProgressInput(
                status=data.get(f"{prefix}-status", ""), output_quantity=data.get(f"{prefix}-output_quantity"),
                narrative=data.get(f"{prefix}-narrative", ""))
        return ReportInput(values=values, progress=progress, highlights=data.get("highlights", ""),
                           difficulties=data.get("difficulties", ""), proposals=data.get("proposals", ""))

    def apply_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            super().apply_service_errors(exc)
            return
        for key, errors in exc.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            if key.startswith(("value-", "task-")):
                self.block_errors.setdefault(key, []).extend(messages)
            else:
                for message in messages:
                    self.add_error(key if key in self.fields else None, message)

    def problems(self) -> list[str]:
        """Every error of a save that failed, one line each naming its indicator or task: the
        summary on top of the page ("Lưu nháp") and the autosave's status line say the same."""
        names = {f"value-{i.pk}": i.short_name for i in self.rows.indicators}
        names |= {f"task-{t.pk}": t.title[:60] for t in self.rows.tasks}
        problems = [str(e) for e in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                continue
            subject = names.get(name.rsplit("-", 1)[0], "")
            label = self.fields[name].label if name in self.fields else ""
            where = " — ".join(str(part) for part in (subject, label) if part)
            problems += [f"{where}: {e}" if where else str(e) for e in errors]
        for key, messages in self.block_errors.items():
            problems += [f"{names.get(key, key)}: {e}" for e in messages]
        return problems

    def note_conflict(self, saved: dict[str, Any]) -> None:
        """After a lost-update refusal: beside each field the user changed, what is saved now."""
        for name in self.fields:
            if name == "version":
                continue
            typed = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            now = saved.get(name)
            if _same(typed, now):
                continue
            if isinstance(now, Decimal):
                now = vn_plain_number(now)
            elif name.endswith("-status"):
                now = TaskStatus(now).label if now else ""
            self.conflict[name] = str(now) if now not in (None, "") else str(_("(trống)"))

    # -- rendering -------------------------------------------------------------------------

    def blocks(self, *, period: ReportingPeriod | None = None,
               previous: dict[int, IndicatorValue] | None = None) -> tuple[list[Block], list[Block]]:
        """(indicator blocks, task blocks), with aria-describedby wired to their notes; with
        the ``period``, each indicator says what to enter and shows last quarter's figures
        (``previous``, by indicator id: reporting.selectors.previous_values)."""
        previous = previous or {}
        indicators = [self._block(f"value-{i.pk}", indicator=i, target=self.rows.targets.get(i.pk),
                                  hint=entry_hint(i, period) if period else "", previous=previous.get(i.pk),
                                  previous_title=previous_period_title(period) if period else "")
                      for i in self.rows.indicators]
        tasks = [self._block(f"task-{t.pk}", task=t) for t in self.rows.tasks]
        extra: dict[str, list[str]] = {}
        for block in (*indicators, *tasks):
            notes = []
            if block.hint:
                notes.append(f"{block.key}-hint")
            if block.previous_title:
                notes.append(f"{block.key}-previous")
            if block.errors:
                notes.append(f"{block.key}-errors")
            if block.warnings:
                notes.append(f"{block.key}-warnings")
            for name, bound in block.fields.items():
                if block.errors:
                    bound.field.widget.attrs["aria-invalid"] = "true"
                ids = list(notes)
                if name in block.conflict:
                    ids.append(f"{bound.auto_id}-saved")
                extra[bound.name] = ids
        self.describe(extra)
        return indicators, tasks

    def _block(self, key: str, **kwargs: Any) -> Block:
        prefix = f"{key}-"
        fields = {name[len(prefix):]: self[name] for name in self.fields if name.startswith(prefix)}
        conflict = {name[len(prefix):]: text for name, text in self.conflict.items() if name.startswith(prefix)}
        return Block(key=key, fields=fields, errors=self.block_errors.get(key, []),
                     warnings=self.block_warnings.get(key, []), conflict=conflict, **kwargs)

    def narrative_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label in NARRATIVES]


def _same(typed: Any, saved: Any) -> bool:
    blank = (None, "")
    if typed in blank and saved in blank:
        return True
    if isinstance(typed, Decimal) and isinstance(saved, Decimal):
        return typed == saved
    return typed == saved


def report_initial(*, report: UnitReport, rows: ReportRows, values: dict[int, IndicatorValue],
                   progress: dict[int, TaskProgress]) -> dict[str, Any]:
    """The saved report as the form's initial data (and as "what is saved" after a conflict)."""
    initial: dict[str, Any] = {"version": report.version}
    for indicator in rows.indicators:
        prefix = f"value-{indicator.pk}"
        value = values.get(indicator.pk)
        if value is None:
            continue
        initial |= {f"{prefix}-numerator": value.numerator, f"{prefix}-denominator": value.denominator,
                    f"{prefix}-value": value.value, f"{prefix}-comment": value.comment,
                    f"{prefix}-source": value.source}
    for task in rows.tasks:
        item = progress.get(task.pk)
        if item is None:
            continue
        prefix = f"task-{task.pk}"
        initial |= {f"{prefix}-status": item.status, f"{prefix}-output_quantity": item.output_quantity,
                    f"{prefix}-narrative": item.narrative}
    for name, _label in NARRATIVES:
        initial[name] = getattr(report, name)
    return initial


# --- Review -------------------------------------------------------------------------------


class VersionForm(DescribedForm):
    version = VersionField()


class ReasonForm(DescribedForm):
    """Return or reopen: the service requires the reason, the form only carries it."""

    version = VersionField()
    reason = forms.CharField(label=_("Lý do"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, reason_label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reason_label:
            self.fields["reason"].label = reason_label
        self.fields["reason"].widget.attrs["required"] = "required"


# --- Evidence -----------------------------------------------------------------------------


class EvidenceForm(DescribedForm):
    file = forms.FileField(
        label=_("Tệp minh chứng"), required=False,
        error_messages={"empty": _("Tệp rỗng, không có nội dung."), "invalid": _("Không đọc được tệp.")},
        help_text=_("PDF, ảnh JPG/PNG, Word (DOCX) hoặc Excel (XLSX), tối đa 10 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_TYPES)}))
    url = forms.CharField(label=_("Hoặc đường dẫn (http/https)"), required=False, max_length=URL_MAX,
                          widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}))
    description = forms.CharField(label=_("Mô tả minh chứng"), required=False, max_length=DESCRIPTION_MAX,
                                  help_text=_("Ví dụ: Ảnh buổi tập huấn tại thôn 3, ngày 12/3."))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_file, has_url = bool(data.get("file")), bool((data.get("url") or "").strip())
        if has_file and has_url:
            raise ValidationError(_("Mỗi lần thêm một minh chứng: chọn tệp hoặc nhập đường dẫn, không cả hai."))
        if not has_file and not has_url:
            self.add_error("file", _("Chọn tệp hoặc nhập đường dẫn minh chứng."))
        data["kind"] = EvidenceKind.FILE if has_file else EvidenceKind.LINK
        return data


# --- Periods ------------------------------------------------------------------------------


class LockExceptionForm(DescribedForm):
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none(),
                                  empty_label=_("— Chọn đơn vị —"))
    until = date_field(_("Cho nhập liệu đến hết ngày"))
    reason = forms.CharField(label=_("Lý do gia hạn"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["reason"].widget.attrs["required"] = "required"


class AdhocPeriodForm(DescribedForm):
    title = forms.CharField(label=_("Tên yêu cầu báo cáo"), max_length=200, required=False,
                            help_text=_("Ví dụ: Báo cáo đột xuất kết quả Ngày hội Bình dân học vụ số."))
    opens_on = date_field(_("Mở nhập liệu từ ngày"))
    deadline = date_field(_("Hạn đơn vị nộp"))
    locks_on = date_field(_("Khóa nhập liệu sau ngày"), required=False,
                          help_text=_("Để trống: khóa ngay sau hạn nộp. Ngày/tháng/năm."))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        deadline = data.get("deadline")
        if isinstance(deadline, date):
            data["year"] = deadline.year
        return data
