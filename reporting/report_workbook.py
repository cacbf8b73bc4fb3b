"""The unit report workbook: an .xlsx prefilled for one unit and one period, filled offline by
the unit's reporter and uploaded back as a draft of the same report.

Layout. Every data sheet ("Chỉ số", "Nhiệm vụ", "Thuyết minh") starts with the same header
block: the report id in D2 and the report version the workbook was made from in D3 (both read
back), the unit in D4 and the period in D5 (for people). Column headers are on row 7, data from
row 8. Column A is a hidden key column (indicator code, task id, narrative section), so rows are
matched by key, never by position. Sheets are protected without a password: a guard against
slips (typing over a key or a heading), not a secret. White cells are the inputs, grey ones
are not used by that row (a percentage takes Tử số and Mẫu số, a count or level one Giá trị).

As in the plan workbook (campaigns/workbook.py), sheet names, column headers and status labels
are part of the file format: fixed Vietnamese, never translated, so a workbook downloaded with
the English interface reads back the same way. The guide and every error message are gettext.

Reading refuses, before parsing anything, a file over 10 MB and an archive that inflates too
much (the guards of campaigns/workbook.py); then a sheet with too many rows; then, cell by cell,
formulas and error values; text in a number cell; more decimals than the database keeps. A
workbook of another report is refused; one made from an older version of this report is a
conflict (download again). The data then goes through ``unit_report_save``, so validation,
entry window, version check and audit are the same as for the web form, and the service's
errors are mapped back to the row's cells. All or nothing.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.models import Task
from campaigns.workbook import (  # the house guards: reuse, don't copy
    MAX_COLUMNS,
    MAX_DATA_ROWS,
    WorkbookSource,
    _check_archive,
    _Collector,
    _fold,
    _labels,
    _num,
    _raw_text,
    _read_bytes,
    cell_put,
)
from portal.errors import ConflictError
from portal.formats import vn_date, vn_number
from portal.text import nfc
from reporting.models import IndicatorValue, TaskProgress, TaskStatus, UnitReport
from reporting.selectors import reports as selectors
from reporting.selectors.reports import ReportRows
from reporting.services.unit_reports import (
    ProgressInput,
    ReportInput,
    SaveResult,
    ValueInput,
    unit_report_save,
)
from targets.models import Indicator, Measure

# --- The format ---------------------------------------------------------------------------

SHEET_GUIDE = "Hướng dẫn"
SHEET_VALUES = "Chỉ số"
SHEET_TASKS = "Nhiệm vụ"
SHEET_NARRATIVE = "Thuyết minh"
DATA_SHEETS = (SHEET_VALUES, SHEET_TASKS, SHEET_NARRATIVE)

META_LABEL_COLUMN = 2  # B
META_VALUE_COLUMN = 4  # D
ROW_REPORT_ID = 2
ROW_VERSION = 3
ROW_UNIT = 4
ROW_PERIOD = 5
HEADER_ROW = 7
FIRST_ROW = 8


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


VALUE_COLUMNS = (
    Column("key", "Mã chỉ số", 12),
    Column("number", "STT", 6),
    Column("name", "Chỉ số", 55),
    Column("unit_of_measure", "Đơn vị tính", 12),
    Column("measure", "Loại số liệu", 14),
    Column("numerator", "Tử số", 13),
    Column("denominator", "Mẫu số", 13),
    Column("value", "Giá trị", 13),
    Column("comment", "Ghi chú", 34),
    Column("source", "Nguồn số liệu", 30),
)
TASK_COLUMNS = (
    Column("key", "Mã nhiệm vụ", 12),
    Column("number", "STT", 6),
    Column("title", "Nhiệm vụ, giải pháp", 55),
    Column("lead", "Cơ quan chủ trì", 24),
    Column("timeframe", "Thời gian thực hiện", 18),
    Column("status", "Tình trạng", 18),
    Column("output_quantity", "Số lượng sản phẩm đạt được", 14),
    Column("narrative", "Kết quả thực hiện", 55),
)
NARRATIVE_COLUMNS = (
    Column("key", "Mã mục", 12),
    Column("number", "STT", 6),
    Column("heading", "Nội dung", 26),
    Column("text", "Thuyết minh", 100),
)
NARRATIVE_SECTIONS = (
    ("highlights", "Kết quả nổi bật"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("proposals", "Đề xuất, kiến nghị"),
)
SHEET_COLUMNS = {SHEET_VALUES: VALUE_COLUMNS, SHEET_TASKS: TASK_COLUMNS,
                 SHEET_NARRATIVE: NARRATIVE_COLUMNS}


def _col(columns: Sequence[Column], key: str) -> int:
    """1-based column number of ``key``."""
    return 1 + [c.key for c in columns].index(key)


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNUSED_FILL = PatternFill("solid", fgColor="BFBFBF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


# --- Writing ------------------------------------------------------------------------------


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


def _indicator_keys(indicators: Sequence[Indicator]) -> dict[int, str]:
    """Indicator id → key cell text: its code, or "code#id" if a commune's own indicator
    reuses the code of a national one in the same report."""
    codes = [i.code for i in indicators]
    return {i.pk: i.code if codes.count(i.code) == 1 else f"{i.code}#{i.pk}" for i in indicators}


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
    keys = _indicator_keys(rows.indicators)
    measures = dict(_labels(Measure))
    rule = _number_rule(ws)
    c = {col.key: _col(VALUE_COLUMNS, col.key) for col in VALUE_COLUMNS}
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
                _input(ws, row, c[key], _num(number))
                rule.add(ws.cell(row=row, column=c[key]))
            _unused(ws, row, c["value"])
        else:
            _unused(ws, row, c["numerator"])
            _unused(ws, row, c["denominator"])
            _input(ws, row, c["value"], _num(value.value))
            rule.add(ws.cell(row=row, column=c["value"]))
        _input(ws, row, c["comment"], value.comment or None, text=True)
        _input(ws, row, c["source"], value.source or None, text=True)


def _write_tasks(ws: Worksheet, *, report: UnitReport, rows: ReportRows) -> None:
    _write_frame(ws, report=report, title=SHEET_TASKS, columns=TASK_COLUMNS)
    progress = selectors.report_progress_by_task(report=report)
    labels = dict(_labels(TaskStatus))
    c = {col.key: _col(TASK_COLUMNS, col.key) for col in TASK_COLUMNS}
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
        _input(ws, row, c["output_quantity"], _num(item.output_quantity))
        quantity_rule.add(ws.cell(row=row, column=c["output_quantity"]))
        _input(ws, row, c["narrative"], item.narrative or None, text=True)


def _write_narrative(ws: Worksheet, *, report: UnitReport) -> None:
    _write_frame(ws, report=report, title=SHEET_NARRATIVE, columns=NARRATIVE_COLUMNS)
    c = {col.key: _col(NARRATIVE_COLUMNS, col.key) for col in NARRATIVE_COLUMNS}
    for row, (key, heading) in enumerate(NARRATIVE_SECTIONS, FIRST_ROW):
        cell_put(ws, row, c["key"], key)
        cell_put(ws, row, c["number"], row - FIRST_ROW + 1)
        cell_put(ws, row, c["heading"], heading).alignment = _WRAP
        _input(ws, row, c["text"], getattr(report, key) or None, text=True)
        ws.row_dimensions[row].height = 120


# --- Reading: the file --------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    value: Any
    data_type: str
    number_format: str


_EMPTY = _Cell(None, "n", "General")


@dataclass
class _Sheet:
    name: str
    rows: list[list[_Cell]]  # rows[0] is row 1; each row MAX_COLUMNS wide

    def cell(self, row: int, column: int) -> _Cell:
        if row - 1 < len(self.rows):
            return self.rows[row - 1][column - 1]
        return _EMPTY


def _at(sheet: str, row: int, column: int, last_column: int | None = None) -> str:
    cells = f"{get_column_letter(column)}{row}"
    if last_column is not None and last_column != column:
        cells += f":{get_column_letter(last_column)}{row}"
    return _("Trang “%(sheet)s”, ô %(cell)s") % {"sheet": sheet, "cell": cells}


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}"


def _damaged() -> ValidationError:
    return ValidationError(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."))


def _guarded_bytes(file: WorkbookSource) -> bytes:
    """Size and zip-bomb guards of campaigns/workbook.py, before anything is parsed."""
    collector = _Collector()
    raw = _read_bytes(file, collector)
    if raw is None or not _check_archive(raw, collector):
        raise ValidationError([str(problem) for _place, problem in collector.problems])
    return raw


def _load_sheets(raw: bytes) -> dict[str, _Sheet]:
    """The data sheets as plain cells, each bounded in rows and columns; missing ones refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported"…
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on a damaged file; all mean the same here
        raise _damaged() from exc
    problems: list[str] = []
    sheets: dict[str, _Sheet] = {}
    try:
        titles = {_fold(title): title for title in wb.sheetnames}
        for name in DATA_SHEETS:
            title = titles.get(_fold(name))
            if title is None or not hasattr(wb[title], "iter_rows"):
                problems.append(_problem(_("Trang “%(sheet)s”") % {"sheet": name},
                                         _("không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
                                           "Hãy dùng mẫu tải từ cổng.")))
                continue
            sheet = _read_sheet(wb[title], name)
            if sheet is None:
                problems.append(_problem(_("Trang “%(sheet)s”") % {"sheet": name},
                                         _("có hơn %(max)s dòng dữ liệu (kể cả dòng trống có định dạng); "
                                           "hãy xoá các dòng thừa hoặc tải mẫu mới.")
                                         % {"max": vn_number(MAX_DATA_ROWS)}))
                continue
            sheets[name] = sheet
    except Exception as exc:  # a sheet's XML broken half-way through
        raise _damaged() from exc
    finally:
        wb.close()
    if problems:
        raise ValidationError(problems)
    return sheets


def _read_sheet(ws: Any, name: str) -> _Sheet | None:
    """None if the sheet is longer than the bound. The declared dimension is the cheap first
    check; the count is the real bound, since a file may omit or understate its dimension."""
    limit = FIRST_ROW - 1 + MAX_DATA_ROWS
    if ws.max_row is not None and ws.max_row > limit:
        return None
    ws.reset_dimensions()
    rows: list[list[_Cell]] = []
    for number, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), 1):
        if number > limit:
            return None
        cells = [_Cell(getattr(c, "value", None), getattr(c, "data_type", "n") or "n",
                       getattr(c, "number_format", None) or "General") for c in row]
        rows.append(cells + [_EMPTY] * (MAX_COLUMNS - len(cells)))
    return _Sheet(name, rows)


# --- Reading: cells -----------------------------------------------------------------------


class _CellError(Exception):
    pass


_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# "1.500" or "2,500": a thousands separator in Vietnamese, a decimal one in English.
_AMBIGUOUS_NUMBER = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")


def _is_blank(cell: _Cell) -> bool:
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def _number(cell: _Cell, *, max_digits: int, decimal_places: int) -> Decimal | None:
    value = cell.value
    if _is_blank(cell):
        return None
    if isinstance(value, (bool, datetime, date, time)):
        raise _CellError(_("“%(value)s” không phải là số.") % {"value": nfc(_raw_text(value))})
    if isinstance(value, (int, float, Decimal)):
        if "%" in cell.number_format:
            raise _CellError(_("Ô đang định dạng phần trăm: hãy nhập số lượng, không nhập tỷ lệ phần trăm."))
        number = Decimal(str(value))
    else:
        text = nfc(str(value))
        compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        if compact.endswith("%"):
            raise _CellError(_("“%(value)s”: hãy nhập số lượng, không nhập tỷ lệ phần trăm.") % {"value": text})
        if _AMBIGUOUS_NUMBER.match(compact):
            raise _CellError(_("“%(value)s” không rõ là số thập phân hay có dấu phân cách hàng nghìn; hãy ghi số "
                               "không có dấu phân cách hàng nghìn (ví dụ 1000 hoặc 1,5).") % {"value": text})
        if not _NUMBER_TEXT.match(compact):
            raise _CellError(_("“%(value)s” không phải là số.") % {"value": text})
        try:
            number = Decimal(compact.replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise _CellError(_("“%(value)s” không phải là số.") % {"value": text}) from exc
    if not number.is_finite():
        raise _CellError(_("“%(value)s” không phải là số.") % {"value": nfc(_raw_text(value))})
    if abs(number) >= Decimal(10) ** (max_digits - decimal_places):
        raise _CellError(_("Số quá lớn."))
    # The database rounds silently past its decimal places; a clear refusal is better.
    if number != number.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_DOWN):
        raise _CellError(_("Số có quá %(n)s chữ số thập phân.") % {"n": decimal_places})
    return number


def _text(cell: _Cell, *, max_length: int | None = None) -> str:
    text = nfc(_raw_text(cell.value))
    if max_length is not None and len(text) > max_length:
        raise _CellError(_("Nội dung dài %(length)s ký tự, quá giới hạn %(max)s ký tự.")
                         % {"length": len(text), "max": max_length})
    return text


def _int(cell: _Cell) -> int | None:
    value = cell.value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and nfc(value).isdigit():
        return int(nfc(value))
    return None


def _decimal_spec(model: Any, name: str) -> dict[str, int]:
    model_field = model._meta.get_field(name)
    return {"max_digits": model_field.max_digits, "decimal_places": model_field.decimal_places}


# --- Reading: the report ------------------------------------------------------------------


@dataclass
class _Parsed:
    data: ReportInput
    version: int
    places: dict[str, str] = field(default_factory=dict)  # service error key → cells


def _stale(found: int, current: int) -> ConflictError:
    return ConflictError(
        _("Báo cáo đã được cập nhật sau khi tải mẫu này (mẫu lập từ phiên bản %(found)s, báo cáo hiện ở "
          "phiên bản %(current)s). Không có gì được lưu. Hãy tải mẫu Excel mới, nhập lại số liệu rồi tải lên.")
        % {"found": found, "current": current})


def _identify(report: UnitReport, sheets: dict[str, _Sheet]) -> int:
    """The version the workbook was made from; refuse another report's workbook, or a stale one."""
    versions: list[int] = []
    for name in DATA_SHEETS:
        sheet = sheets[name]
        found = _int(sheet.cell(ROW_REPORT_ID, META_VALUE_COLUMN))
        if found is None:
            raise ValidationError(_problem(
                _at(name, ROW_REPORT_ID, META_VALUE_COLUMN),
                _("không đọc được mã báo cáo. Hãy dùng mẫu tải từ cổng, không sửa phần đầu trang.")))
        if found != report.pk:
            raise ValidationError(_problem(
                _at(name, ROW_REPORT_ID, META_VALUE_COLUMN),
                _("tệp này là mẫu của một báo cáo khác (mã %(found)s), không phải báo cáo đang mở (mã "
                  "%(expected)s). Không có gì được lưu. Hãy tải mẫu Excel của đúng báo cáo này.")
                % {"found": found, "expected": report.pk}))
        version = _int(sheet.cell(ROW_VERSION, META_VALUE_COLUMN))
        if version is None:
            raise ValidationError(_problem(
                _at(name, ROW_VERSION, META_VALUE_COLUMN),
                _("không đọc được phiên bản của mẫu. Hãy dùng mẫu tải từ cổng, không sửa phần đầu trang.")))
        versions.append(version)
    for version in versions:
        if version != report.version:
            raise _stale(version, report.version)
    return versions[0]


class _Reader:
    def __init__(self, report: UnitReport, sheets: dict[str, _Sheet], rows: ReportRows) -> None:
        self.report = report
        self.sheets = sheets
        self.rows = rows
        self.problems: list[str] = []
        self.places: dict[str, str] = {}

    def add(self, sheet: str, row: int, column: int, message: str) -> None:
        self.problems.append(_problem(_at(sheet, row, column), message))

    def scan(self, sheet: _Sheet) -> set[tuple[int, int]]:
        """Refuse formulas and error values anywhere in the sheet; return their cells."""
        bad = set()
        for row_number, row in enumerate(sheet.rows, 1):
            for column, cell in enumerate(row, 1):
                if cell.data_type == "f":
                    shown = getattr(cell.value, "text", None) or str(cell.value)
                    self.add(sheet.name, row_number, column,
                             _("Ô có công thức (%(formula)s); cổng không nhận công thức. Hãy thay bằng giá "
                               "trị (Sao chép → Dán giá trị).") % {"formula": shown[:60]})
                    bad.add((row_number, column))
                elif cell.data_type == "e":
                    self.add(sheet.name, row_number, column,
                             _("Ô đang báo lỗi %(error)s; hãy sửa hoặc xoá ô này.") % {"error": cell.value})
                    bad.add((row_number, column))
        return bad

    def headers(self, sheet: _Sheet, columns: Sequence[Column]) -> bool:
        ok = True
        for index, column in enumerate(columns, 1):
            found = _raw_text(sheet.cell(HEADER_ROW, index).value)
            if _fold(found) != _fold(column.header):
                self.add(sheet.name, HEADER_ROW, index,
                         _("cột này phải là “%(expected)s” (đang là “%(found)s”). Không chèn, xoá hay đổi chỗ "
                           "cột; hãy tải mẫu mới.") % {"expected": column.header, "found": nfc(found)})
                ok = False
        return ok

    def data_rows(self, sheet: _Sheet, columns: Sequence[Column], inputs: Sequence[str],
                  bad: set[tuple[int, int]], key_name: str) -> list[tuple[int, str]]:
        """(row number, key text) of every data row; rows with input but no key are refused."""
        found = []
        for row in range(FIRST_ROW, len(sheet.rows) + 1):
            key = nfc(_raw_text(sheet.cell(row, 1).value))
            if key:
                found.append((row, key))
                continue
            for name in inputs:
                column = _col(columns, name)
                if not _is_blank(sheet.cell(row, column)) or (row, column) in bad:
                    self.add(sheet.name, row, column,
                             _("dòng này không có %(key)s ở cột A (cột ẩn) nên không biết thuộc mục nào. Không "
                               "thêm dòng mới vào mẫu; nếu danh sách đã thay đổi, hãy tải mẫu mới.")
                             % {"key": key_name})
                    break
        return found

    def cell(self, sheet: _Sheet, row: int, column: int, bad: set[tuple[int, int]], parse: Any) -> Any:
        if (row, column) in bad:
            return None
        try:
            return parse(sheet.cell(row, column))
        except _CellError as exc:
            self.add(sheet.name, row, column, str(exc))
            return None

    def values(self) -> dict[int, ValueInput]:
        sheet = self.sheets[SHEET_VALUES]
        bad = self.scan(sheet)
        if not self.headers(sheet, VALUE_COLUMNS):
            return {}
        c = {col.key: _col(VALUE_COLUMNS, col.key) for col in VALUE_COLUMNS}
        keys = _indicator_keys(self.rows.indicators)
        by_key = {keys[i.pk]: i for i in self.rows.indicators}
        number_spec = _decimal_spec(IndicatorValue, "value")
        source_length = IndicatorValue._meta.get_field("source").max_length
        result: dict[int, ValueInput] = {}
        seen: dict[int, int] = {}
        inputs = ("numerator", "denominator", "value", "comment", "source")
        for row, key in self.data_rows(sheet, VALUE_COLUMNS, inputs, bad, _("mã chỉ số")):
            indicator = by_key.get(key)
            if indicator is None:
                self.add(sheet.name, row, c["key"], _("mã chỉ số “%(code)s” không thuộc báo cáo này trong kỳ; "
                                                      "hãy tải mẫu mới.") % {"code": key})
                continue
            if indicator.pk in seen:
                self.add(sheet.name, row, c["key"], _("chỉ số “%(code)s” đã có ở dòng %(row)s.")
                         % {"code": key, "row": seen[indicator.pk]})
                continue
            seen[indicator.pk] = row

            def number(cell: _Cell) -> Decimal | None:
                return _number(cell, **number_spec)

            item = ValueInput(
                numerator=self.cell(sheet, row, c["numerator"], bad, number),
                denominator=self.cell(sheet, row, c["denominator"], bad, number),
                value=self.cell(sheet, row, c["value"], bad, number),
                comment=self.cell(sheet, row, c["comment"], bad, _text) or "",
                source=self.cell(sheet, row, c["source"], bad,
                                 lambda cell: _text(cell, max_length=source_length)) or "",
            )
            result[indicator.pk] = item
            # The service's errors on this indicator point at its number cells: the ones it
            # expects, and any grey one that was filled anyway.
            expected = ["numerator", "denominator"] if indicator.measure == Measure.PERCENT else ["value"]
            used = [k for k in ("numerator", "denominator", "value")
                    if k in expected or not _is_blank(sheet.cell(row, c[k]))]
            self.places[f"value-{indicator.pk}"] = _at(sheet.name, row, c[used[0]], c[used[-1]])
        return result

    def progress(self) -> dict[int, ProgressInput]:
        sheet = self.sheets[SHEET_TASKS]
        bad = self.scan(sheet)
        if not self.headers(sheet, TASK_COLUMNS):
            return {}
        c = {col.key: _col(TASK_COLUMNS, col.key) for col in TASK_COLUMNS}
        tasks: dict[int, Task] = {t.pk: t for t in self.rows.tasks}
        statuses = {}
        for code, label in _labels(TaskStatus):
            statuses[_fold(label)] = code
            statuses[_fold(code)] = code
        choices = ", ".join(label for _code, label in _labels(TaskStatus))
        quantity_spec = _decimal_spec(TaskProgress, "output_quantity")

        def status(cell: _Cell) -> str:
            text = _text(cell)
            if not text:
                return ""
            if _fold(text) not in statuses:
                raise _CellError(_("Tình trạng “%(value)s” không có trong danh sách; chọn một trong: %(choices)s.")
                                 % {"value": text, "choices": choices})
            return statuses[_fold(text)]

        def quantity(cell: _Cell) -> Decimal | None:
            return _number(cell, **quantity_spec)

        result: dict[int, ProgressInput] = {}
        seen: dict[int, int] = {}
        for row, key in self.data_rows(sheet, TASK_COLUMNS, ("status", "output_quantity", "narrative"), bad,
                                       _("mã nhiệm vụ")):
            task_id = int(key) if key.isdigit() else None
            if task_id is None or task_id not in tasks:
                self.add(sheet.name, row, c["key"], _("nhiệm vụ mã “%(key)s” không thuộc báo cáo này trong kỳ; "
                                                      "hãy tải mẫu mới.") % {"key": key})
                continue
            if task_id in seen:
                self.add(sheet.name, row, c["key"], _("nhiệm vụ mã “%(key)s” đã có ở dòng %(row)s.")
                         % {"key": key, "row": seen[task_id]})
                continue
            seen[task_id] = row
            result[task_id] = ProgressInput(
                status=self.cell(sheet, row, c["status"], bad, status) or "",
                output_quantity=self.cell(sheet, row, c["output_quantity"], bad, quantity),
                narrative=self.cell(sheet, row, c["narrative"], bad, _text) or "",
            )
            self.places[f"task-{task_id}"] = _at(sheet.name, row, c["status"], c["output_quantity"])
        return result

    def narrative(self) -> dict[str, str]:
        sheet = self.sheets[SHEET_NARRATIVE]
        bad = self.scan(sheet)
        if not self.headers(sheet, NARRATIVE_COLUMNS):
            return {}
        c = {col.key: _col(NARRATIVE_COLUMNS, col.key) for col in NARRATIVE_COLUMNS}
        known = dict(NARRATIVE_SECTIONS)
        result: dict[str, str] = {}
        for row, key in self.data_rows(sheet, NARRATIVE_COLUMNS, ("text",), bad, _("mã mục")):
            if key not in known or key in result:
                self.add(sheet.name, row, c["key"], _("mục “%(key)s” không có trong mẫu hoặc bị lặp; hãy tải "
                                                      "mẫu mới.") % {"key": key})
                continue
            result[key] = self.cell(sheet, row, c["text"], bad, _text) or ""
            self.places[key] = _at(sheet.name, row, c["text"])
        return result


def _parse(*, report: UnitReport, file: WorkbookSource) -> _Parsed:
    raw = _guarded_bytes(file)
    sheets = _load_sheets(raw)
    version = _identify(report, sheets)
    reader = _Reader(report, sheets, selectors.report_rows(period=report.period, unit=report.unit))
    values = reader.values()
    progress = reader.progress()
    narrative = reader.narrative()
    if reader.problems:
        raise ValidationError(reader.problems)
    data = ReportInput(values=values, progress=progress, highlights=narrative.get("highlights"),
                       difficulties=narrative.get("difficulties"), proposals=narrative.get("proposals"))
    return _Parsed(data=data, version=version, places=reader.places)


def report_workbook_read(*, report: UnitReport, file: WorkbookSource) -> ReportInput:
    """The workbook's data, or ValidationError listing every problem with its sheet and cell;
    ConflictError if the workbook was made from an older version of the report."""
    return _parse(report=report, file=file).data


def report_workbook_import(*, report: UnitReport, file: WorkbookSource, actor: Any,
                           today: date | None = None) -> SaveResult:
    """Read the workbook and save it as the report's draft through ``unit_report_save``.

    All or nothing: ValidationError (every problem, each with its sheet and cell) or
    ConflictError (the report changed since the download), and nothing is saved.
    """
    if not report.is_editable_state:
        raise ValidationError(_("Báo cáo đang ở trạng thái “%(state)s” nên không nhập được từ tệp Excel.")
                              % {"state": report.get_state_display()})
    parsed = _parse(report=report, file=file)
    try:
        # The workbook's version, not the report's: a save between reading and locking is a
        # conflict too, caught by the service's row lock.
        return unit_report_save(report=report, actor=actor, version=parsed.version, data=parsed.data,
                                today=today)
    except ConflictError as exc:
        current = UnitReport.objects.filter(pk=report.pk).values_list("version", flat=True).first()
        raise _stale(parsed.version, current or parsed.version) from exc
    except ValidationError as exc:
        raise ValidationError(_locate(exc, parsed.places)) from exc


def _locate(exc: ValidationError, places: dict[str, str]) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    located = []
    for key, messages in exc.message_dict.items():
        where = places.get(key)
        located += [_problem(where, message) if where else message for message in messages]
    return located


def report_workbook_warnings(*, result: SaveResult) -> list[str]:
    """The service's plausibility warnings as lines a person reads: "Chỉ số “…”: …"."""
    ids = [int(key.split("-", 1)[1]) for key in result.warnings if key.startswith("value-")]
    names = dict(Indicator.objects.filter(pk__in=ids).values_list("pk", "short_name"))
    lines = []
    for key, messages in result.warnings.items():
        name = names.get(int(key.split("-", 1)[1])) if key.startswith("value-") else None
        lines += [_("Chỉ số “%(name)s”: %(message)s") % {"name": name, "message": m} if name else m
                  for m in messages]
    return lines
