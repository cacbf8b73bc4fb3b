"""Writing the unit report workbook: an .xlsx prefilled for one unit and one period, filled
offline by the unit's reporter and uploaded back as a draft of the same report (read.py).
Layer: workbook (fed by reporting/selectors/reports.py; the format is layout.py).

Sheets are protected without a password: a guard against slips (typing over a key or a
heading), not a secret. White cells are the inputs, grey ones are not used by that row (a
percentage takes Tử số and Mẫu số, a count or level one Giá trị). The guide is gettext.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from portal.formats import vn_date
from portal.text import nfc
from portal.xlsx import cell_put, choice_labels, number_out
from reporting.models import IndicatorValue, TaskProgress, TaskStatus, UnitReport
from reporting.selectors import reports as selectors
from reporting.selectors.reports import ReportRows
from reporting.workbook.layout import (
    FIRST_ROW,
    HEADER_ROW,
    META_LABEL_COLUMN,
    META_VALUE_COLUMN,
    NARRATIVE_COLUMNS,
    NARRATIVE_SECTIONS,
    ROW_PERIOD,
    ROW_REPORT_ID,
    ROW_UNIT,
    ROW_VERSION,
    SHEET_GUIDE,
    SHEET_NARRATIVE,
    SHEET_TASKS,
    SHEET_VALUES,
    TASK_COLUMNS,
    VALUE_COLUMNS,
    Column,
    column_number,
    indicator_keys,
)
from targets.models import Measure

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNUSED_FILL = PatternFill("solid", fgColor="BFBFBF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


def report_workbook_filename(*, report: UnitReport) -> str:
    """"bao-cao-q1-2026-cong-an-xa.xlsx"; an ad-hoc period: "bao-cao-dot-xuat-17-2026-…"."""
    period = report.period
    unit = _ascii_slug(report.unit.name) or f"don-vi-{report.unit_id}"
    if period.quarter:
        return f"bao-cao-q{period.quarter}-{period.year}-{unit}.xlsx"
    return f"bao-cao-dot-xuat-{period.pk}-{period.year}-{unit}.xlsx"


def _ascii_slug(text: str) -> str:
    # slugify drops what NFKD cannot reduce to ASCII, and đ has no decomposition: "Đội" → "oi".
    return slugify(nfc(text).replace("đ", "d").replace("Đ", "D"))[:60].strip("-")


def report_workbook_write(*, report: UnitReport) -> bytes:
    """The report's workbook, prefilled with the current draft (call inside the tenant scope)."""
    rows = selectors.report_rows(period=report.period, unit=report.unit)
    wb = Workbook()
    wb.properties.title = _("Báo cáo %(period)s — %(unit)s") % {"period": report.period.title,
                                                               "unit": report.unit.name}
    wb.properties.creator = "Bình dân học vụ số"
    _write_guide(wb.worksheets[0], report=report, rows=rows)
    _write_values(wb.create_sheet(SHEET_VALUES), report=report, rows=rows)
    _write_tasks(wb.create_sheet(SHEET_TASKS), report=report, rows=rows)
    _write_narrative(wb.create_sheet(SHEET_NARRATIVE), report=report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_guide(ws: Worksheet, *, report: UnitReport, rows: ReportRows) -> None:
    period = report.period
    ws.title = SHEET_GUIDE
    ws.column_dimensions["A"].width = 120
    lines = [
        _("HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO PHONG TRÀO “BÌNH DÂN HỌC VỤ SỐ”"),
        _("Đơn vị: %(unit)s — %(commune)s.") % {"unit": report.unit.name,
                                                "commune": period.plan.commune.official_name},
        _("Kỳ báo cáo: %(period)s. Hạn đơn vị nộp: %(deadline)s.")
        % {"period": period.title, "deadline": vn_date(period.unit_deadline)},
        _("Mẫu được lập từ phiên bản %(version)s của báo cáo, có sẵn số liệu đang lưu trên cổng. "
          "Báo cáo có %(indicators)s chỉ số và %(tasks)s nhiệm vụ.")
        % {"version": report.version, "indicators": len(rows.indicators), "tasks": len(rows.tasks)},
        _("1. Chỉ nhập vào các ô nền trắng. Ô nền xám là ô không dùng cho dòng đó; cột ẩn A và phần "
          "đầu mỗi trang (mã báo cáo, phiên bản) giúp cổng nhận ra tệp, không được sửa."),
        _("2. Trang “Chỉ số”: chỉ số tỷ lệ (%) nhập Tử số và Mẫu số bằng số lượng (số người, số hộ…), "
          "cổng tự tính tỷ lệ, không nhập tỷ lệ phần trăm; Tử số không được lớn hơn Mẫu số. Chỉ số "
          "đếm hoặc mức hiện có nhập vào cột Giá trị. Ghi rõ Nguồn số liệu (ví dụ: rà soát của thôn)."),
        _("3. Số: chỉ ghi số, không âm, tối đa 2 chữ số thập phân; dấu thập phân là dấu phẩy hoặc "
          "dấu chấm (12,5 hoặc 12.5); không dùng dấu phân cách hàng nghìn (ghi 1500, không ghi 1.500)."),
        _("4. Trang “Nhiệm vụ”: chọn Tình trạng trong danh sách (Chưa triển khai, Đang triển khai, "
          "Hoàn thành, Chậm tiến độ), ghi số lượng sản phẩm đạt được và kết quả thực hiện."),
        _("5. Trang “Thuyết minh”: kết quả nổi bật, khó khăn, vướng mắc và đề xuất, kiến nghị của đơn vị. "
          "Nhấn Alt+Enter (trên máy Mac: Option+Enter) để xuống dòng trong ô."),
        _("6. Không dùng công thức (ô có công thức bị từ chối; nếu cần tính, hãy Sao chép rồi Dán giá trị), "
          "không thêm, xoá hay đổi tên trang, dòng, cột."),
        _("7. Tải tệp lên ở trang “Tải lên báo cáo từ Excel” của cổng. Nếu có lỗi, cổng liệt kê mọi lỗi "
          "kèm trang và ô, và không lưu gì cả. Tải lên chỉ lưu bản nháp: vẫn phải bấm “Gửi báo cáo” trên cổng."),
        _("8. Nếu báo cáo đã được sửa trên cổng sau khi tải mẫu này, cổng sẽ từ chối tệp để không ghi đè "
          "số liệu mới hơn: hãy tải mẫu mới và nhập lại. Tệp tối đa 10 MB."),
    ]
    for row, line in enumerate(lines, 1):
        cell = cell_put(ws, row, 1, line)
        cell.alignment = _WRAP
        if row == 1:
            cell.font = Font(bold=True, size=13)
    ws.protection.sheet = True


def _write_frame(ws: Worksheet, *, report: UnitReport, title: str, columns: Sequence[Column]) -> None:
    """Title, the header block that identifies the report, column headers, widths, protection."""
    ws.title = title
    cell = cell_put(ws, 1, META_LABEL_COLUMN, _("BÁO CÁO KẾT QUẢ THỰC HIỆN PHONG TRÀO “BÌNH DÂN HỌC VỤ SỐ” — %(sheet)s")
                % {"sheet": title.upper()})
    cell.font = Font(bold=True, size=13)
    meta = ((ROW_REPORT_ID, "Mã báo cáo (không sửa)", report.pk),
            (ROW_VERSION, "Phiên bản (không sửa)", report.version),
            (ROW_UNIT, "Đơn vị", report.unit.name),
            (ROW_PERIOD, "Kỳ báo cáo", report.period.title))
    for row, label, value in meta:
        cell_put(ws, row, META_LABEL_COLUMN, label).font = _HEADER_FONT
        cell_put(ws, row, META_VALUE_COLUMN, value).alignment = Alignment(horizontal="left")
    for index, column in enumerate(columns, 1):
        cell = cell_put(ws, HEADER_ROW, index, column.header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=3)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may still widen columns and rows
    ws.protection.formatRows = False


def _input(ws: Worksheet, row: int, column: int, value: Any, *, text: bool = False) -> None:
    cell = cell_put(ws, row, column, value)
    cell.protection = _UNLOCKED
    cell.alignment = _WRAP
    if text:
        cell.number_format = "@"  # typed "0123" stays as typed


def _unused(ws: Worksheet, row: int, column: int) -> None:
    ws.cell(row=row, column=column).fill = _UNUSED_FILL


def _number_rule(ws: Worksheet) -> DataValidation:
    rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                          showErrorMessage=True, errorTitle=_("Số không hợp lệ"),
                          error=_("Nhập một số không âm, không nhập chữ hay công thức."))
    ws.add_data_validation(rule)
    return rule


def _write_values(ws: Worksheet, *, report: UnitReport, rows: ReportRows) -> None:
    _write_frame(ws, report=report, title=SHEET_VALUES, columns=VALUE_COLUMNS)
    values = selectors.report_values_by_indicator(report=report)
    keys = indicator_keys(rows.indicators)
    measures = dict(choice_labels(Measure))
    rule = _number_rule(ws)
    c = {col.key: column_number(VALUE_COLUMNS, col.key) for col in VALUE_COLUMNS}
    for row, indicator in enumerate(rows.indicators, FIRST_ROW):
        value = values.get(indicator.pk) or IndicatorValue()
        cell_put(ws, row, c["key"], keys[indicator.pk])
        cell_put(ws, row, c["number"], row - FIRST_ROW + 1)
        name = indicator.name
        if indicator.measure == Measure.PERCENT:
            name += f"\n(Tử số: {indicator.numerator_label}; Mẫu số: {indicator.denominator_label})"
        cell_put(ws, row, c["name"], name).alignment = _WRAP
        cell_put(ws, row, c["unit_of_measure"], indicator.unit_of_measure).alignment = _WRAP
        cell_put(ws, row, c["measure"], measures.get(indicator.measure, indicator.measure)).alignment = _WRAP
        if indicator.measure == Measure.PERCENT:
            for key, number in (("numerator", value.numerator), ("denominator", value.denominator)):
                _input(ws, row, c[key], number_out(number))
                rule.add(ws.cell(row=row, column=c[key]))
            _unused(ws, row, c["value"])
        else:
            _unused(ws, row, c["numerator"])
            _unused(ws, row, c["denominator"])
            _input(ws, row, c["value"], number_out(value.value))
            rule.add(ws.cell(row=row, column=c["value"]))
        _input(ws, row, c["comment"], value.comment or None, text=True)
        _input(ws, row, c["source"], value.source or None, text=True)


def _write_tasks(ws: Worksheet, *, report: UnitReport, rows: ReportRows) -> None:
    _write_frame(ws, report=report, title=SHEET_TASKS, columns=TASK_COLUMNS)
    progress = selectors.report_progress_by_task(report=report)
    labels = dict(choice_labels(TaskStatus))
    c = {col.key: column_number(TASK_COLUMNS, col.key) for col in TASK_COLUMNS}
    # Four short labels without commas: an inline list needs no helper sheet.
    status_rule = DataValidation(type="list", formula1='"{}"'.format(",".join(labels.values())),
                                 allow_blank=True, showErrorMessage=True, errorTitle=_("Tình trạng"),
                                 error=_("Chọn tình trạng trong danh sách."))
    ws.add_data_validation(status_rule)
    quantity_rule = _number_rule(ws)
    for row, task in enumerate(rows.tasks, FIRST_ROW):
        item = progress.get(task.pk) or TaskProgress()
        cell_put(ws, row, c["key"], task.pk)
        cell_put(ws, row, c["number"], row - FIRST_ROW + 1)
        cell_put(ws, row, c["title"], task.title).alignment = _WRAP
        cell_put(ws, row, c["lead"], task.lead_display).alignment = _WRAP
        cell_put(ws, row, c["timeframe"], task.timeframe_text).alignment = _WRAP
        _input(ws, row, c["status"], labels.get(item.status) if item.status else None)
        status_rule.add(ws.cell(row=row, column=c["status"]))
        _input(ws, row, c["output_quantity"], number_out(item.output_quantity))
        quantity_rule.add(ws.cell(row=row, column=c["output_quantity"]))
        _input(ws, row, c["narrative"], item.narrative or None, text=True)


def _write_narrative(ws: Worksheet, *, report: UnitReport) -> None:
    _write_frame(ws, report=report, title=SHEET_NARRATIVE, columns=NARRATIVE_COLUMNS)
    c = {col.key: column_number(NARRATIVE_COLUMNS, col.key) for col in NARRATIVE_COLUMNS}
    for row, (key, heading) in enumerate(NARRATIVE_SECTIONS, FIRST_ROW):
        cell_put(ws, row, c["key"], key)
        cell_put(ws, row, c["number"], row - FIRST_ROW + 1)
        cell_put(ws, row, c["heading"], heading).alignment = _WRAP
        _input(ws, row, c["text"], getattr(report, key) or None, text=True)
        ws.row_dimensions[row].height = 120
