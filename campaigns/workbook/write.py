"""Writing the plan workbook: one .xlsx that holds a whole plan. Layer: workbook (fed by
campaigns/selectors/plan_export.py; the format is campaigns/workbook/layout.py).

Every cell goes through portal.xlsx.cell_put, so text a spreadsheet would evaluate ("=…")
stays text; the data sheets carry drop-down lists pointing at the "Danh mục" sheet.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.models import IssuerKind, Plan, SectionKind, TasksLayout, UnitKind
from campaigns.plan_data import DeliverableData, PlanData
from campaigns.selectors.plan_export import plan_data_export
from campaigns.workbook.layout import (
    GENERAL_COLUMNS,
    GENERAL_FIELDS,
    GUIDE_LINES,
    LABEL_LEGAL_BASIS,
    LABEL_RECIPIENT,
    LIST_BLOCKS,
    LIST_NOTES,
    SECTION_COLUMNS,
    SHEET_GENERAL,
    SHEET_GUIDE,
    SHEET_LISTS,
    SHEET_SECTIONS,
    SHEET_TARGETS,
    SHEET_TASKS,
    SHEET_UNITS,
    TARGET_COLUMNS,
    TASK_COLUMNS,
    UNIT_COLUMNS,
    Column,
    GeneralField,
)
from portal.xlsx import MAX_DATA_ROWS, cell_put, choice_labels, number_out
from targets.models import Indicator, Period

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HELP_FILL = PatternFill("solid", fgColor="F2F2F2")
_HELP_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


def plan_workbook_write(data: PlanData, *, indicators: Sequence[Indicator] = ()) -> bytes:
    """The plan as one .xlsx workbook; ``indicators`` fill the help names and the code list."""
    wb = Workbook()
    _write_guide(wb.worksheets[0])
    _write_general(wb.create_sheet(SHEET_GENERAL), data)
    _write_sections(wb.create_sheet(SHEET_SECTIONS), data)
    _write_units(wb.create_sheet(SHEET_UNITS), data)
    _write_targets(wb.create_sheet(SHEET_TARGETS), data, indicators)
    _write_tasks(wb.create_sheet(SHEET_TASKS), data)
    _write_lists(wb.create_sheet(SHEET_LISTS), indicators)
    wb.active = 0
    wb.properties.creator = "Bình dân học vụ số"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_general(ws: Worksheet, data: PlanData) -> None:
    rows: list[tuple[str, Any, str]] = []
    for spec in GENERAL_FIELDS:
        rows.append((spec.label, _general_value(data, spec), spec.note))
    rows += [(LABEL_LEGAL_BASIS, text, LIST_NOTES[LABEL_LEGAL_BASIS]) for text in data.legal_bases]
    rows += [(LABEL_RECIPIENT, text, LIST_NOTES[LABEL_RECIPIENT]) for text in data.recipients]
    _write_table(ws, GENERAL_COLUMNS, [list(row) for row in rows], freeze="B2")
    issuer_row = 2 + [s.path for s in GENERAL_FIELDS].index("issuer_kind")
    layout_row = 2 + [s.path for s in GENERAL_FIELDS].index("tasks_layout")
    _add_list_validation(ws, "N", IssuerKind, f"B{issuer_row}")
    _add_list_validation(ws, "Q", TasksLayout, f"B{layout_row}")


def _write_sections(ws: Worksheet, data: PlanData) -> None:
    section_label = dict(choice_labels(SectionKind))
    _write_table(ws, SECTION_COLUMNS, [
        [s.number, s.level, s.heading, section_label.get(s.kind, s.kind), s.body, s.unit or "", s.year,
         "x" if s.run_in else ""]
        for s in data.sections])
    _add_list_validation(ws, "A", SectionKind, _column_range(SECTION_COLUMNS, "kind"))
    level = DataValidation(type="whole", operator="between", formula1="1", formula2="3",
                           allow_blank=True, showErrorMessage=True)
    level.add(_column_range(SECTION_COLUMNS, "level"))
    ws.add_data_validation(level)


def _write_units(ws: Worksheet, data: PlanData) -> None:
    unit_label = dict(choice_labels(UnitKind))
    _write_table(ws, UNIT_COLUMNS, [[u.name, unit_label.get(u.kind, u.kind)] for u in data.units])
    _add_list_validation(ws, "D", UnitKind, _column_range(UNIT_COLUMNS, "kind"))


def _write_targets(ws: Worksheet, data: PlanData, indicators: Sequence[Indicator]) -> None:
    names = {i.code: i.name for i in indicators}
    period_label = dict(choice_labels(Period))
    _write_table(ws, TARGET_COLUMNS, [
        [t.indicator, names.get(t.indicator, ""), t.year, number_out(t.value), number_out(t.baseline),
         "x" if t.stretch else "", number_out(t.per_period_quantity),
         period_label.get(t.per_period, t.per_period) if t.per_period else "",
         t.statement, "\n".join(_one_line(u) for u in t.reporting_units)]
        for t in data.targets])
    _add_list_validation(ws, "G", Period, _column_range(TARGET_COLUMNS, "per_period"))
    if indicators:
        codes = DataValidation(type="list", formula1=f"'{SHEET_LISTS}'!$J$2:$J${len(indicators) + 1}",
                               allow_blank=True, showErrorMessage=True, errorStyle="warning")
        codes.add(_column_range(TARGET_COLUMNS, "indicator"))
        ws.add_data_validation(codes)
    stretch = DataValidation(type="list", formula1='"x"', allow_blank=True, showErrorMessage=True)
    stretch.add(_column_range(TARGET_COLUMNS, "stretch"))
    ws.add_data_validation(stretch)


def _write_tasks(ws: Worksheet, data: PlanData) -> None:
    period_label = dict(choice_labels(Period))
    _write_table(ws, TASK_COLUMNS, [
        [t.number, t.title, t.lead, "\n".join(_one_line(c) for c in t.coordinating), t.timeframe,
         "\n".join(_one_line(d.text) for d in t.deliverables), t.description,
         _specs_cell(t.deliverables, period_label)]
        for t in data.tasks], freeze="C2")
    if data.units:
        # A suggestion list, not a rule: a collective phrase ("Các cơ quan, đơn vị") is allowed.
        leads = DataValidation(type="list", formula1=f"'{SHEET_UNITS}'!$A$2:$A${len(data.units) + 1}",
                               allow_blank=True, showErrorMessage=False)
        leads.add(_column_range(TASK_COLUMNS, "lead"))
        ws.add_data_validation(leads)


def _general_value(data: PlanData, spec: GeneralField) -> Any:
    if spec.kind == "issuer":
        return dict(choice_labels(IssuerKind)).get(data.issuer_kind, data.issuer_kind)
    if spec.kind == "layout":
        return dict(choice_labels(TasksLayout)).get(data.tasks_layout, data.tasks_layout)
    if spec.path.startswith("signer."):
        return getattr(data.signer, spec.path.split(".", 1)[1])
    return getattr(data, spec.path)


def _one_line(text: str) -> str:
    """A list entry is one line of its cell: an embedded line break would split it in two."""
    return " ".join(text.splitlines())


def _specs_cell(deliverables: Sequence[DeliverableData], period_label: dict[str, str]) -> str:
    lines = []
    for d in deliverables:
        quantity = number_out(d.quantity)
        parts = [d.indicator or "", "" if quantity is None else str(quantity),
                 period_label.get(d.per_period, d.per_period) if d.per_period else ""]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts).strip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _write_table(ws: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                 *, freeze: str = "A2") -> None:
    for index, column in enumerate(columns, 1):
        cell = cell_put(ws, 1, index, column.header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"  # new cells typed by hand stay text
    for row_index, row in enumerate(rows, 2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), 1):
            cell = cell_put(ws, row_index, index, value if value != "" else None)
            cell.alignment = _WRAP
            if column.text:
                cell.number_format = "@"
            if column.help:
                cell.fill, cell.font = _HELP_FILL, _HELP_FONT
    ws.freeze_panes = freeze


def _column_range(columns: Sequence[Column], key: str) -> str:
    letter = get_column_letter(1 + [c.key for c in columns].index(key))
    return f"{letter}2:{letter}{MAX_DATA_ROWS + 1}"


def _add_list_validation(ws: Worksheet, list_column: str, choices: Any, cells: str) -> None:
    count = len(choices.choices)
    rule = DataValidation(type="list", formula1=f"'{SHEET_LISTS}'!${list_column}$2:${list_column}${count + 1}",
                          allow_blank=True, showErrorMessage=True)
    rule.add(cells)
    ws.add_data_validation(rule)


def _write_lists(ws: Worksheet, indicators: Sequence[Indicator]) -> None:
    for letter, title, choices in LIST_BLOCKS:
        start = column_index_from_string(letter)
        for offset, header in enumerate((title, "Mã")):
            cell = cell_put(ws, 1, start + offset, header)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for row, (code, label) in enumerate(choice_labels(choices), 2):
            cell_put(ws, row, start, label)
            cell_put(ws, row, start + 1, code)
        ws.column_dimensions[letter].width = 26
        ws.column_dimensions[get_column_letter(start + 1)].width = 14
    for offset, header in enumerate(("Mã chỉ số", "Tên chỉ số", "Đơn vị tính")):
        cell = cell_put(ws, 1, 10 + offset, header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for row, indicator in enumerate(indicators, 2):
        cell_put(ws, row, 10, indicator.code)
        cell_put(ws, row, 11, indicator.name).alignment = _WRAP
        cell_put(ws, row, 12, indicator.unit_of_measure)
    ws.column_dimensions["J"].width = 34
    ws.column_dimensions["K"].width = 70
    ws.column_dimensions["L"].width = 14
    ws.freeze_panes = "A2"
    ws.protection.sheet = True  # a reference list: protected against slips, not a secret


def _write_guide(ws: Worksheet) -> None:
    ws.title = SHEET_GUIDE
    ws.column_dimensions["A"].width = 120
    for row, line in enumerate(GUIDE_LINES, 1):
        cell = cell_put(ws, row, 1, line)
        cell.alignment = _WRAP
        if row == 1:
            cell.font = Font(bold=True, size=13)
    ws.protection.sheet = True


def plan_workbook_filename(*, plan: Plan) -> str:
    """"ke-hoach-ba-ngoi-2026.xlsx", "ke-hoach-ha-tu-2025-2026.xlsx"."""
    years = str(plan.start_year) if plan.start_year == plan.end_year else f"{plan.start_year}-{plan.end_year}"
    return f"ke-hoach-{plan.commune.code}-{years}.xlsx"


def plan_workbook_export(*, plan: Plan) -> bytes:
    """The workbook of a plan, with the commune's indicator library in "Danh mục"."""
    data = plan_data_export(plan=plan)
    used = {t.indicator for t in data.targets} | {
        d.indicator for t in data.tasks for d in t.deliverables if d.indicator}
    indicators = list(
        Indicator.objects.filter(Q(commune__isnull=True) | Q(commune=plan.commune_id))
        .filter(Q(is_active=True) | Q(code__in=used))
        .order_by("order", "code")
    )
    return plan_workbook_write(data, indicators=indicators)
