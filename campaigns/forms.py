"""Forms of the plan pages: they parse and check the shape of input, the services decide.

Choices (units, indicators, groups) are computed once per request by the view and handed to
every form of a formset, so a grid of N rows does not run N queries.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Plan, TimeframeKind
from campaigns.rules import deliverable_problems, lead_problems
from campaigns.services.plans import PLAN_HEADER_FIELDS
from campaigns.services.tasks import DeliverableInput, TaskInput
from targets.models import Period
from targets.rules import target_value_problem

YEAR_MIN, YEAR_MAX = 2020, 2100


def apply_service_errors(form: forms.BaseForm, exc: ValidationError,
                         rows: dict[str, forms.BaseForm] | None = None) -> None:
    """Show a service's ValidationError next to the fields (or rows) it names.

    Keys that are a field of ``form`` go to that field; keys found in ``rows`` ("row-3",
    "deliverable-0") go to that row form; anything else is shown on top of the form.
    """
    rows = rows or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.error_dict.items():
        messages = [m for e in errors for m in e.messages]
        if key in rows:
            for message in messages:
                rows[key].add_error(None, message)
        elif key in form.fields:
            for message in messages:
                form.add_error(key, message)
        else:
            for message in messages:
                form.add_error(None, message)


def _choices(form: forms.BaseForm, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class VersionField(forms.IntegerField):
    """The plan version the page was built from: sent back so a lost update is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, **kwargs)


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Lý do sửa đổi"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kế hoạch đã ban hành: mọi thay đổi được ghi thành một lần sửa đổi, kèm lý do."),
    )


# --- Plan header --------------------------------------------------------------------------

HEADER_FIELDSETS: list[tuple[Any, tuple[str, ...]]] = [
    (_("Cơ quan ban hành"), ("issuer_kind", "parent_body", "issuing_body")),
    (_("Số, ký hiệu, địa danh và ngày ban hành"),
     ("number", "symbol", "place", "issue_day", "issue_month", "issue_year")),
    (_("Nội dung"), ("title", "start_year", "end_year", "preamble", "closing", "reporting_duty")),
    (_("Người ký"), ("signer_authority", "signer_deputy", "signer_position", "signer_name")),
    (_("Trình bày nhiệm vụ"), ("tasks_layout", "appendix_title")),
]


class PlanHeaderForm(forms.ModelForm):
    """The header of a plan (PLAN_HEADER_FIELDS): what plan_create and plan_update take."""

    class Meta:
        model = Plan
        fields = PLAN_HEADER_FIELDS
        widgets = {
            "title": forms.Textarea(attrs={"rows": 3}),
            "preamble": forms.Textarea(attrs={"rows": 4}),
            "closing": forms.Textarea(attrs={"rows": 3}),
            "reporting_duty": forms.Textarea(attrs={"rows": 3}),
            "appendix_title": forms.Textarea(attrs={"rows": 2}),
            "issue_day": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 31}),
            "issue_month": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 12}),
            "issue_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": YEAR_MIN, "max": YEAR_MAX}),
            "start_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": YEAR_MIN, "max": YEAR_MAX}),
            "end_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": YEAR_MIN, "max": YEAR_MAX}),
        }
        help_texts = {
            "number": _("Để trống khi chưa lấy số; bắt buộc khi ban hành."),
            "symbol": _("Ví dụ: KH-UBND (chính quyền), KH/ĐU (Đảng ủy)."),
            "parent_body": _("Ví dụ: ĐẢNG BỘ TỈNH QUẢNG NINH; để trống nếu không có."),
            "signer_deputy": _("Ví dụ: KT. CHỦ TỊCH; để trống nếu người đứng đầu ký."),
            "tasks_layout": _("Phụ lục: bảng nhiệm vụ in riêng sau kế hoạch."),
        }

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The header fields in groups; a header field no group names still gets shown."""
        sets = [(title, [self[name] for name in names if name in self.fields])
                for title, names in HEADER_FIELDSETS]
        placed = {name for _title, names in HEADER_FIELDSETS for name in names}
        rest = [self[name] for name in PLAN_HEADER_FIELDS if name not in placed and name in self.fields]
        if rest:
            sets.append((_("Chế độ báo cáo và nhắc hạn"), rest))
        return [(title, fields) for title, fields in sets if fields]

    def _year(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and not (YEAR_MIN <= value <= YEAR_MAX):
            raise ValidationError(_("Năm phải trong khoảng %(min)s–%(max)s."),
                                  params={"min": YEAR_MIN, "max": YEAR_MAX})
        return value

    def clean_start_year(self) -> int | None:
        return self._year("start_year")

    def clean_end_year(self) -> int | None:
        return self._year("end_year")

    def clean_issue_year(self) -> int | None:
        return self._year("issue_year")

    def clean_issue_month(self) -> int | None:
        value = self.cleaned_data.get("issue_month")
        if value is not None and not (1 <= value <= 12):
            raise ValidationError(_("Tháng phải từ 1 đến 12."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_year"), data.get("end_year")
        if start is not None and end is not None and start > end:
            self.add_error("end_year", _("Năm kết thúc phải không nhỏ hơn năm bắt đầu."))
        day, month, year = data.get("issue_day"), data.get("issue_month"), data.get("issue_year")
        if day is not None:
            if month is None or year is None:
                self.add_error("issue_day", _("Có ngày thì phải có cả tháng và năm."))
            else:
                try:
                    date(year, month, day)
                except ValueError:
                    self.add_error("issue_day", _("Ngày %(d)s/%(m)s/%(y)s không tồn tại.")
                                   % {"d": day, "m": month, "y": year})
        return data

    def header_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PLAN_HEADER_FIELDS if name in self.cleaned_data}


class PlanHeaderEditForm(PlanHeaderForm):
    version = VersionField()

    def __init__(self, *args: Any, issued: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if issued:
            self.fields["reason"] = reason_field()
            # The service is the judge; the attribute only saves a round trip in a browser.
            self.fields["reason"].widget.attrs["required"] = True

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        sets = super().fieldsets()
        if "reason" in self.fields:
            sets.append((_("Sửa đổi kế hoạch đã ban hành"), [self["reason"]]))
        return sets


# --- Version and reason alone (targets grid, delete) --------------------------------------


class PlanChangeForm(forms.Form):
    version = VersionField()

    def __init__(self, *args: Any, issued: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if issued:
            self.fields["reason"] = reason_field()
            self.fields["reason"].widget.attrs["required"] = True


# --- Targets grid -------------------------------------------------------------------------


class TargetRowForm(forms.Form):
    target_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    indicator = forms.TypedChoiceField(label=_("Chỉ số"), coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int)
    value = forms.DecimalField(label=_("Chỉ tiêu"), required=False, max_digits=14, decimal_places=2,
                               widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    baseline = forms.DecimalField(label=_("Số liệu gốc"), required=False, max_digits=14,
                                  decimal_places=2,
                                  widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    is_stretch = forms.BooleanField(label=_("Chỉ tiêu phấn đấu"), required=False)
    statement = forms.CharField(label=_("Nội dung chỉ tiêu (như trong văn bản)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    reporting_units = forms.TypedMultipleChoiceField(
        label=_("Đơn vị báo cáo"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    delete = forms.BooleanField(label=_("Xóa chỉ tiêu này"), required=False)

    def __init__(self, *args: Any, indicator_choices: list[tuple[int, str]],
                 year_choices: list[int], unit_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "indicator", [("", _("— Chọn chỉ số —")), *indicator_choices])
        _choices(self, "year", [(y, str(y)) for y in year_choices])
        self.fields["year"].initial = year_choices[0] if year_choices else None
        _choices(self, "reporting_units", unit_choices)

    @property
    def is_existing(self) -> bool:
        return bool(self.initial.get("target_id"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("delete"):
            return data
        if data.get("indicator") is None and "indicator" not in self.errors:
            self.add_error("indicator", _("Chọn chỉ số cho dòng này."))
        missing = target_value_problem(None, measure=None) if data.get("value") is None else None
        if missing and "value" not in self.errors:
            self.add_error("value", missing)
        return data


class BaseTargetFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, choices: dict[str, Any], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), **self.choices}


TargetFormSet = cast(type[BaseTargetFormSet], forms.formset_factory(
    TargetRowForm, formset=BaseTargetFormSet, extra=3, max_num=200, validate_max=True))


def target_initial(targets: list[Any]) -> list[dict[str, Any]]:
    return [{
        "target_id": t.pk, "indicator": t.indicator_id, "year": t.year, "value": t.value,
        "baseline": t.baseline, "is_stretch": t.is_stretch, "statement": t.statement,
        "reporting_units": [u.pk for u in t.reporting_units.all()],
    } for t in targets]


# --- Tasks --------------------------------------------------------------------------------


class TaskForm(forms.Form):
    version = VersionField()
    place_under = forms.TypedChoiceField(
        label=_("Thuộc mục"), coerce=int, required=False, empty_value=None,
        help_text=_("Nhiệm vụ mới được thêm vào cuối mục đã chọn."))
    number = forms.CharField(
        label=_("STT"), max_length=10, required=False,
        help_text=_("I, II… cho nhóm; 1, 2… cho mục; “-” hoặc “+” cho nhiệm vụ cụ thể."))
    title = forms.CharField(label=_("Nhiệm vụ, giải pháp"), widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(label=_("Mô tả chi tiết"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Mỗi ý một dòng; giữ dấu “-” đầu dòng nếu có."))
    lead_unit = forms.TypedChoiceField(label=_("Cơ quan chủ trì (đơn vị)"), coerce=int,
                                       required=False, empty_value=None)
    lead_text = forms.CharField(
        label=_("hoặc cơ quan chủ trì (cụm từ chung)"), required=False, max_length=300,
        help_text=_("Ví dụ: “Các cơ quan, đơn vị”. Để trống nếu đã chọn đơn vị."))
    coordinator_units = forms.TypedMultipleChoiceField(
        label=_("Cơ quan phối hợp (đơn vị)"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)
    coordinator_texts = forms.CharField(
        label=_("Cơ quan phối hợp (cụm từ chung)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi cụm từ một dòng, ví dụ: “Các cơ quan, đơn vị có liên quan”."))
    timeframe_text = forms.CharField(
        label=_("Thời gian thực hiện"), required=False, max_length=300,
        help_text=_("Ghi như trong văn bản: “Thường xuyên”, “Hàng quý”, “Quý IV/2025”, "
                    "“Dự kiến ngày 29/9/2025”, “Từ 01/3/2026 đến 30/6/2026”, “Theo tiến độ của tỉnh”."))

    def __init__(self, *args: Any, unit_choices: list[tuple[int, str]],
                 group_choices: list[tuple[int, str]] | None = None, issued: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "lead_unit", [("", _("— Không chọn —")), *unit_choices])
        _choices(self, "coordinator_units", unit_choices)
        if group_choices is None:
            del self.fields["place_under"]
        else:
            _choices(self, "place_under", [("", _("— Cuối bảng nhiệm vụ —")), *group_choices])
        if issued:
            self.fields["reason"] = reason_field()
            self.fields["reason"].widget.attrs["required"] = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for problem in lead_problems(has_unit=bool(data.get("lead_unit")), text=data.get("lead_text") or ""):
            self.add_error(problem.field, problem.message)
        return data

    def task_input(self, deliverables: list[DeliverableInput]) -> TaskInput:
        data = self.cleaned_data
        return TaskInput(
            number=data["number"], title=data["title"], description=data["description"],
            lead_unit_id=data["lead_unit"], lead_text=data["lead_text"],
            coordinator_unit_ids=list(data["coordinator_units"]),
            coordinator_texts=[line for line in data["coordinator_texts"].splitlines() if line.strip()],
            timeframe_text=data["timeframe_text"], deliverables=deliverables,
            place_under_id=data.get("place_under"),
        )


def task_initial(task: Any) -> dict[str, Any]:
    coordinators = list(task.coordinators.all())
    return {
        "number": task.number, "title": task.title, "description": task.description,
        "lead_unit": task.lead_unit_id, "lead_text": task.lead_text,
        "coordinator_units": [c.unit_id for c in coordinators if c.unit_id],
        "coordinator_texts": "\n".join(c.text for c in coordinators if not c.unit_id),
        "timeframe_text": task.timeframe_text,
    }


class DeliverableForm(forms.Form):
    text = forms.CharField(label=_("Sản phẩm/kết quả"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    quantity = forms.DecimalField(label=_("Số lượng"), required=False, min_value=0, max_digits=12,
                                  decimal_places=2,
                                  widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    per_period = forms.ChoiceField(label=_("Mỗi"), required=False)
    indicator = forms.TypedChoiceField(label=_("Tính vào chỉ số"), coerce=int, required=False,
                                       empty_value=None)

    def __init__(self, *args: Any, indicator_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "per_period", [("", _("— Cả kỳ kế hoạch —")), *Period.choices])
        _choices(self, "indicator", [("", _("— Không —")), *indicator_choices])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_other = data.get("quantity") is not None or data.get("per_period") or data.get("indicator")
        if has_other and not data.get("DELETE"):
            # The quantity and the period have been checked by their fields; the product is the
            # rule left to say (a row with nothing at all is simply not kept).
            for problem in deliverable_problems(text=data.get("text") or "", quantity=None, per_period=None):
                self.add_error(problem.field, problem.message)
        return data


class BaseDeliverableFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, indicator_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        self.indicator_choices = indicator_choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "indicator_choices": self.indicator_choices}

    def deliverables(self) -> tuple[list[DeliverableInput], dict[str, forms.BaseForm]]:
        """The rows to keep, in order, and which form each service row key points at."""
        items: list[DeliverableInput] = []
        rows: dict[str, forms.BaseForm] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if not data or data.get("DELETE") or not (data.get("text") or "").strip():
                continue
            rows[f"deliverable-{len(items)}"] = form
            items.append(DeliverableInput(text=data["text"], quantity=data.get("quantity"),
                                          per_period=data.get("per_period") or "",
                                          indicator_id=data.get("indicator")))
        return items, rows


DeliverableFormSet = cast(type[BaseDeliverableFormSet], forms.formset_factory(
    DeliverableForm, formset=BaseDeliverableFormSet, extra=2, can_delete=True, max_num=100,
    validate_max=True))


def deliverable_initial(task: Any) -> list[dict[str, Any]]:
    return [{"text": d.text, "quantity": d.quantity, "per_period": d.per_period,
             "indicator": d.indicator_id} for d in task.deliverables.all()]


# --- Task list filters --------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Đơn vị (chủ trì hoặc phối hợp)"), coerce=int,
                                  required=False, empty_value=None)
    group = forms.TypedChoiceField(label=_("Nhóm nhiệm vụ"), coerce=int, required=False,
                                   empty_value=None)
    kind = forms.ChoiceField(label=_("Loại thời gian thực hiện"), required=False)

    def __init__(self, *args: Any, unit_choices: list[tuple[int, str]],
                 group_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "unit", [("", _("Tất cả đơn vị")), *unit_choices])
        _choices(self, "group", [("", _("Tất cả nhóm")), *group_choices])
        _choices(self, "kind", [("", _("Mọi loại")), *[(k, v) for k, v in TimeframeKind.choices if k]])

    def filters(self) -> dict[str, Any]:
        """The valid filters; a bad value is reported on its field and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"unit_id": data.get("unit"), "group_id": data.get("group"),
                "kind": data.get("kind") or None}


# --- Unit ---------------------------------------------------------------------------------


class UnitDetailsForm(forms.Form):
    """What the unit's report prints of it (campaigns.services.unit_details_set decides)."""

    abbreviation = forms.CharField(
        label=_("Ký hiệu viết tắt"), max_length=20, required=False,
        help_text=_("Dùng trong số, ký hiệu báo cáo của đơn vị, ví dụ VHXH trong “Số: 03/BC-VHXH”."))
    head_position = forms.CharField(label=_("Chức vụ thủ trưởng (người ký)"), max_length=100, required=False,
                                    help_text=_("Ví dụ: Trưởng phòng, Trưởng Công an xã, Tổ trưởng."))
    head_name = forms.CharField(label=_("Họ tên thủ trưởng"), max_length=100, required=False)
