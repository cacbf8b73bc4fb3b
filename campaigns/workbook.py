"""The plan workbook: one .xlsx that holds a whole plan, written and read back.

The layout is documented sheet by sheet in docs/plan-workbook.md. The workbook is a third
spelling of PlanData (after the database and the JSON seeds): the reader turns it into PlanData
and the import goes through ``campaigns.plan_io`` like every other import, so the same rules
refuse a bad workbook, a bad JSON file and a bad form.

Sheet names, column headers and field labels are part of the file format: they are fixed
Vietnamese, never translated, so a workbook downloaded in English reads back the same way.
Error messages are translated (gettext) like every other user-facing string.

Safety, in the order the reader applies it (nothing is parsed before the cheap checks pass):
size of the upload, zip structure (member count, total uncompressed size, compression ratio of
each member), rows per sheet, then cell by cell: formulas and error values are refused,
every string is NFC-normalised and stripped.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.models import Commune, IssuerKind, Plan, SectionKind, TasksLayout, UnitKind
from campaigns.plan_io import (
    ROMAN,
    DeliverableData,
    PlanData,
    PlanImportError,
    Problem,
    SectionData,
    SignerData,
    TargetData,
    TaskData,
    UnitData,
    plan_data_export,
    plan_data_validate,
    plan_import,
)
from portal.formats import vn_number
from targets.models import Indicator, Period

# --- Limits (docs/plan-workbook.md, "Limits") ---------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
# XML compresses 5–30×; a member that inflates more than this is a zip bomb, not a sheet.
# Small members are exempt: a 200 kB run of identical empty cells is harmless.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FLOOR_BYTES = 1024 * 1024
MAX_DATA_ROWS = 5000
MAX_COLUMNS = 40

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx

WorkbookSource = bytes | str | Path | IO[bytes] | Any  # Any: Django's UploadedFile

# --- The format ---------------------------------------------------------------------------

SHEET_GUIDE = "Hướng dẫn"
SHEET_GENERAL = "Thông tin chung"
SHEET_SECTIONS = "Nội dung"
SHEET_UNITS = "Đơn vị"
SHEET_TARGETS = "Chỉ tiêu"
SHEET_TASKS = "Nhiệm vụ"
SHEET_LISTS = "Danh mục"
DATA_SHEETS = (SHEET_GENERAL, SHEET_SECTIONS, SHEET_UNITS, SHEET_TARGETS, SHEET_TASKS)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    text: bool = True  # formatted as Text ("@") so Excel keeps "03" and "1/2026" as typed
    help: bool = False  # written for the reader's benefit, ignored on import


GENERAL_COLUMNS = (
    Column("label", "Trường", 24),
    Column("value", "Giá trị", 90),
    Column("note", "Ghi chú", 48, help=True),
)
SECTION_COLUMNS = (
    Column("number", "Số TT", 8),
    Column("level", "Cấp", 6, text=False),
    Column("heading", "Tiêu đề", 40),
    Column("kind", "Loại", 20),
    Column("body", "Nội dung", 90),
    Column("unit", "Đơn vị", 28),
    Column("year", "Năm", 8, text=False),
    Column("run_in", "Tiêu đề liền đoạn (x)", 12),
)
UNIT_COLUMNS = (
    Column("name", "Tên đơn vị", 50),
    Column("kind", "Loại", 30),
)
TARGET_COLUMNS = (
    Column("indicator", "Mã chỉ số", 30),
    Column("indicator_name", "Tên chỉ số", 45, help=True),
    Column("year", "Năm", 8, text=False),
    Column("value", "Chỉ tiêu", 10, text=False),
    Column("baseline", "Số liệu gốc", 12, text=False),
    Column("stretch", "Phấn đấu (x)", 11),
    Column("per_period_quantity", "Định mức mỗi kỳ", 12, text=False),
    Column("per_period", "Kỳ", 9),
    Column("statement", "Nội dung chỉ tiêu", 60),
    Column("reporting_units", "Đơn vị báo cáo", 40),
)
TASK_COLUMNS = (
    Column("number", "STT", 6),
    Column("title", "Nhiệm vụ, giải pháp", 50),
    Column("lead", "Cơ quan chủ trì", 26),
    Column("coordinating", "Cơ quan phối hợp", 30),
    Column("timeframe", "Thời gian thực hiện", 18),
    Column("deliverables", "Sản phẩm/kết quả", 40),
    Column("description", "Mô tả chi tiết", 50),
    Column("deliverable_specs", "Chỉ số sản phẩm", 32),
)
SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    SHEET_GENERAL: GENERAL_COLUMNS,
    SHEET_SECTIONS: SECTION_COLUMNS,
    SHEET_UNITS: UNIT_COLUMNS,
    SHEET_TARGETS: TARGET_COLUMNS,
    SHEET_TASKS: TASK_COLUMNS,
}


@dataclass(frozen=True)
class GeneralField:
    label: str
    path: str  # PlanData path: "title", "signer.name"
    kind: str  # "text" | "int" | "issuer" | "layout"
    note: str


GENERAL_FIELDS = (
    GeneralField("Cơ quan ban hành", "issuer_kind", "issuer", "Ủy ban nhân dân hoặc Đảng ủy (chọn trong danh sách)."),
    GeneralField("Cơ quan chủ quản", "parent_body", "text", "Ví dụ: ĐẢNG BỘ TỈNH QUẢNG NINH; để trống nếu không có."),
    GeneralField("Tên cơ quan ban hành", "issuing_body", "text", "Ví dụ: ỦY BAN NHÂN DÂN PHƯỜNG BA NGÒI."),
    GeneralField("Số", "number", "text", "Ví dụ: 12; để trống khi chưa cấp số."),
    GeneralField("Ký hiệu", "symbol", "text", "Ví dụ: KH-UBND hoặc KH/ĐU."),
    GeneralField("Địa danh", "place", "text", "Ví dụ: Ba Ngòi."),
    GeneralField("Ngày", "issue_day", "int", "Ngày ban hành; để trống khi chưa có."),
    GeneralField("Tháng", "issue_month", "int", "Tháng ban hành (1–12)."),
    GeneralField("Năm", "issue_year", "int", "Năm ban hành."),
    GeneralField("Trích yếu", "title", "text", "Tên kế hoạch, sau chữ “KẾ HOẠCH”."),
    GeneralField("Từ năm", "start_year", "int", "Năm bắt đầu thực hiện."),
    GeneralField("Đến năm", "end_year", "int", "Năm kết thúc (bằng năm bắt đầu nếu kế hoạch một năm)."),
    GeneralField("Lời dẫn", "preamble", "text", "Đoạn dẫn trước phần I."),
    GeneralField("Đoạn kết", "closing", "text", "Đoạn cuối văn bản; để trống nếu không có."),
    GeneralField("Chế độ báo cáo", "reporting_duty", "text", "Ví dụ: Định kỳ trước ngày 15 hàng quý báo cáo…"),
    GeneralField("Thẩm quyền ký", "signer.authority", "text", "Ví dụ: TM. ỦY BAN NHÂN DÂN."),
    GeneralField("Ký thay", "signer.deputy", "text", "Ví dụ: KT. CHỦ TỊCH; để trống nếu ký trực tiếp."),
    GeneralField("Chức vụ", "signer.position", "text", "Ví dụ: PHÓ CHỦ TỊCH."),
    GeneralField("Người ký", "signer.name", "text", "Họ và tên người ký."),
    GeneralField("Trình bày nhiệm vụ", "tasks_layout", "layout", "Phụ lục kèm theo, hoặc Trong nội dung kế hoạch."),
    GeneralField("Tiêu đề phụ lục", "appendix_title", "text", "Tiêu đề bảng nhiệm vụ khi trình bày thành phụ lục."),
    GeneralField("Dòng kèm theo của phụ lục", "appendix_reference", "text",
                 "Như văn bản ghi, ví dụ: (Ban hành kèm theo Kế hoạch số …); để trống để hệ thống tự ghi."),
    GeneralField("Ghi chú sau “Nơi nhận:”", "recipients_note", "text", "Ví dụ: (VBĐT); để trống nếu không có."),
    GeneralField("Phần văn bản còn thiếu", "source_gaps", "text",
                 "Mỗi dòng một chỗ văn bản gốc còn thiếu; không in ra, phải bổ sung trước khi ban hành."),
)
LABEL_LEGAL_BASIS = "Căn cứ"
LABEL_RECIPIENT = "Nơi nhận"
LIST_NOTES = {
    LABEL_LEGAL_BASIS: "Mỗi văn bản căn cứ một dòng, đúng thứ tự trong kế hoạch.",
    LABEL_RECIPIENT: "Mỗi nơi nhận một dòng, đúng thứ tự trong kế hoạch.",
}

GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN TỆP KẾ HOẠCH “BÌNH DÂN HỌC VỤ SỐ”",
    "Tệp này chứa toàn bộ một kế hoạch. Sửa trực tiếp trong các trang rồi tải lên cổng bằng nút “Nhập từ Excel”. "
    "Khi tải lên, cổng kiểm tra cả tệp: nếu có lỗi, cổng liệt kê mọi lỗi kèm trang và ô, và chưa lưu gì cả.",
    "Không đổi tên các trang; không xoá hoặc đổi tên cột ở dòng tiêu đề (dòng 1). Có thể đổi thứ tự cột, thêm hoặc xoá dòng.",
    "Không dùng công thức: ô có công thức sẽ bị từ chối. Nếu cần tính toán, hãy Sao chép rồi Dán giá trị (Paste Values).",
    "Số: ghi số thuần; dấu thập phân là dấu phẩy hoặc dấu chấm (12,5 hoặc 12.5); không dùng dấu phân cách hàng nghìn "
    "(ghi 1000, không ghi 1.000). Tỷ lệ phần trăm ghi 70 (hoặc 70%).",
    "Trong một ô, mỗi mục một dòng: nhấn Alt+Enter (trên máy Mac: Option+Enter) để xuống dòng trong ô.",
    "Trang “Thông tin chung”: mỗi dòng một trường (cột “Trường”), giá trị ở cột “Giá trị”. Mỗi văn bản căn cứ một dòng "
    "có tên trường “Căn cứ”, mỗi nơi nhận một dòng có tên trường “Nơi nhận”, theo đúng thứ tự trong văn bản.",
    "Trang “Nội dung”: các mục của kế hoạch theo thứ tự. Số TT: I, II… hoặc 1, 2… hoặc 4.1. Cấp: 1 (mục La Mã), "
    "2 (mục số), 3 (tiểu mục). Loại: chọn trong danh sách. Nội dung: mỗi đoạn một dòng trong ô, gạch đầu dòng giữ "
    "nguyên “- ” hoặc “+ ”. Đơn vị: chỉ ghi khi mục nói về trách nhiệm của một đơn vị. Năm: chỉ ghi khi mục chỉ nói về một năm.",
    "Trang “Đơn vị”: các đơn vị được nêu trong kế hoạch và loại của đơn vị. Đơn vị chưa có trên cổng chỉ được tạo "
    "khi chọn “Tạo đơn vị mới nếu chưa có” lúc tải lên.",
    "Trang “Chỉ tiêu”: mỗi dòng một chỉ tiêu của một năm. Mã chỉ số lấy ở trang “Danh mục”; cột “Tên chỉ số” chỉ để "
    "xem, không được đọc khi nhập. Phấn đấu: ghi “x” nếu là chỉ tiêu phấn đấu. Định mức mỗi kỳ và Kỳ dùng cho chỉ tiêu "
    "theo nhịp (25 tin, bài/tháng: Chỉ tiêu 300, Định mức mỗi kỳ 25, Kỳ “tháng”). Đơn vị báo cáo: mỗi đơn vị một dòng trong ô.",
    "Trang “Nhiệm vụ”: bảng phụ lục nhiệm vụ, giải pháp. STT: I, II… (nhóm), 1, 2… (mục), “-” hoặc “+” (nhiệm vụ). "
    "Cơ quan chủ trì: tên một đơn vị hoặc cụm từ chung (“Các cơ quan, đơn vị”). Cơ quan phối hợp: mỗi cơ quan một dòng "
    "trong ô. Sản phẩm/kết quả: mỗi sản phẩm một dòng. Chỉ số sản phẩm: dòng tương ứng ghi “MÃ_CHỈ_SỐ | số lượng | kỳ”, "
    "ví dụ “NEWS_ARTICLES | 25 | tháng”; có thể để trống từng phần hoặc cả dòng.",
    "Ô bắt đầu bằng “=”, “+”, “-” hoặc “@” được lưu dưới dạng chữ (không phải công thức) và được nhập lại đúng nguyên văn.",
    "Giới hạn: tệp tối đa 10 MB; mỗi trang tối đa 5.000 dòng. Trang “Hướng dẫn” và “Danh mục” chỉ để xem.",
)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HELP_FILL = PatternFill("solid", fgColor="F2F2F2")
_HELP_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
# Text a spreadsheet would evaluate if typed into a cell (OWASP's CSV-injection list).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _labels(choices: Any) -> list[tuple[str, str]]:
    """(code, Vietnamese label) of a TextChoices; always Vietnamese, whatever the UI language."""
    with translation.override("vi"):
        return [(str(value), str(label)) for value, label in choices.choices]


def _fold(text: str) -> str:
    """The comparison form of a label: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# --- Writing ------------------------------------------------------------------------------


def plan_workbook_write(data: PlanData, *, indicators: Sequence[Indicator] = ()) -> bytes:
    """The plan as one .xlsx workbook; ``indicators`` fill the help names and the code list."""
    names = {i.code: i.name for i in indicators}
    period_label = dict(_labels(Period))
    wb = Workbook()
    _write_guide(wb.worksheets[0])

    ws = wb.create_sheet(SHEET_GENERAL)
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

    section_label = dict(_labels(SectionKind))
    ws = wb.create_sheet(SHEET_SECTIONS)
    _write_table(ws, SECTION_COLUMNS, [
        [s.number, s.level, s.heading, section_label.get(s.kind, s.kind), s.body, s.unit or "", s.year,
         "x" if s.run_in else ""]
        for s in data.sections])
    _add_list_validation(ws, "A", SectionKind, _column_range(SECTION_COLUMNS, "kind"))
    level = DataValidation(type="whole", operator="between", formula1="1", formula2="3",
                           allow_blank=True, showErrorMessage=True)
    level.add(_column_range(SECTION_COLUMNS, "level"))
    ws.add_data_validation(level)

    unit_label = dict(_labels(UnitKind))
    ws = wb.create_sheet(SHEET_UNITS)
    _write_table(ws, UNIT_COLUMNS, [[u.name, unit_label.get(u.kind, u.kind)] for u in data.units])
    _add_list_validation(ws, "D", UnitKind, _column_range(UNIT_COLUMNS, "kind"))

    ws = wb.create_sheet(SHEET_TARGETS)
    _write_table(ws, TARGET_COLUMNS, [
        [t.indicator, names.get(t.indicator, ""), t.year, _num(t.value), _num(t.baseline),
         "x" if t.stretch else "", _num(t.per_period_quantity),
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

    ws = wb.create_sheet(SHEET_TASKS)
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

    _write_lists(wb.create_sheet(SHEET_LISTS), indicators)
    wb.active = 0
    wb.properties.creator = "Bình dân học vụ số"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _general_value(data: PlanData, spec: GeneralField) -> Any:
    if spec.kind == "issuer":
        return dict(_labels(IssuerKind)).get(data.issuer_kind, data.issuer_kind)
    if spec.kind == "layout":
        return dict(_labels(TasksLayout)).get(data.tasks_layout, data.tasks_layout)
    if spec.path.startswith("signer."):
        return getattr(data.signer, spec.path.split(".", 1)[1])
    return getattr(data, spec.path)


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    normalised = value.normalize()
    return int(normalised) if normalised == normalised.to_integral() else float(normalised)


def _one_line(text: str) -> str:
    """A list entry is one line of its cell: an embedded line break would split it in two."""
    return " ".join(text.splitlines())


def _specs_cell(deliverables: Sequence[DeliverableData], period_label: dict[str, str]) -> str:
    lines = []
    for d in deliverables:
        quantity = _num(d.quantity)
        parts = [d.indicator or "", "" if quantity is None else str(quantity),
                 period_label.get(d.per_period, d.per_period) if d.per_period else ""]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts).strip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def cell_put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        # Always a plain string cell: openpyxl would otherwise store "=…" as a formula and
        # "#N/A" as an error value.
        cell.data_type = "s"
        if value.startswith(_FORMULA_TRIGGERS):
            # quotePrefix keeps the cell text even when someone edits it in Excel or
            # LibreOffice; it is a style, so the stored text stays exactly the original.
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


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


# The "Danh mục" sheet: one block of (label, code) per list, side by side.
_LIST_BLOCKS: tuple[tuple[str, str, Any], ...] = (
    ("A", "Loại mục", SectionKind),
    ("D", "Loại đơn vị", UnitKind),
    ("G", "Kỳ", Period),
    ("N", "Cơ quan ban hành", IssuerKind),
    ("Q", "Trình bày nhiệm vụ", TasksLayout),
)


def _add_list_validation(ws: Worksheet, list_column: str, choices: Any, cells: str) -> None:
    count = len(choices.choices)
    rule = DataValidation(type="list", formula1=f"'{SHEET_LISTS}'!${list_column}$2:${list_column}${count + 1}",
                          allow_blank=True, showErrorMessage=True)
    rule.add(cells)
    ws.add_data_validation(rule)


def _write_lists(ws: Worksheet, indicators: Sequence[Indicator]) -> None:
    from openpyxl.utils import column_index_from_string

    for letter, title, choices in _LIST_BLOCKS:
        start = column_index_from_string(letter)
        for offset, header in enumerate((title, "Mã")):
            cell = cell_put(ws, 1, start + offset, header)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for row, (code, label) in enumerate(_labels(choices), 2):
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


# --- Reading: places and problems -----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where in the workbook a value came from; str() is what a person reads."""

    sheet: str
    row: int | None = None
    column: int | None = None  # 1-based
    line: int | None = None  # line inside a multi-line cell, 1-based

    def __str__(self) -> str:
        if self.row and self.column:
            text = _("Trang “%(sheet)s”, ô %(cell)s") % {
                "sheet": self.sheet, "cell": f"{get_column_letter(self.column)}{self.row}"}
            if self.line:
                text += _(", dòng %(line)s trong ô") % {"line": self.line}
            return text
        if self.row:
            return _("Trang “%(sheet)s”, dòng %(row)s") % {"sheet": self.sheet, "row": self.row}
        if self.column:
            return _("Trang “%(sheet)s”, cột %(column)s") % {
                "sheet": self.sheet, "column": get_column_letter(self.column)}
        return _("Trang “%(sheet)s”") % {"sheet": self.sheet}

    def sort_key(self) -> tuple[int, int, int, int]:
        order = DATA_SHEETS.index(self.sheet) if self.sheet in DATA_SHEETS else len(DATA_SHEETS)
        return order, self.row or 0, self.column or 0, self.line or 0


class _Bad:
    """A cell already reported (formula, error value): read as empty, reported once."""


_BAD = _Bad()


@dataclass
class _Cell:
    value: Any
    number_format: str
    place: Place


@dataclass
class _Table:
    sheet: str
    columns: dict[str, int]  # column key → 1-based column number
    rows: list[tuple[int, dict[str, _Cell]]] = field(default_factory=list)


class _Collector:
    """Problems, the place of every PlanData path, and the paths that already failed."""

    def __init__(self) -> None:
        self.problems: list[tuple[Place | None, Problem]] = []
        self.places: dict[str, Place] = {}
        self.bad_paths: set[str] = set()
        self.structural = False

    def add(self, place: Place | None, message: str, *, path: str = "", structural: bool = False) -> None:
        self.problems.append((place, Problem(path, message, str(place) if place else "")))
        if path:
            self.bad_paths.add(path)
        self.structural = self.structural or structural

    def error(self) -> PlanImportError:
        return PlanImportError(_sorted(self.problems))


def _sorted(problems: Iterable[tuple[Place | None, Problem]]) -> list[Problem]:
    ordered = sorted(enumerate(problems), key=lambda item: (
        item[1][0].sort_key() if item[1][0] else (-1, 0, 0, 0), item[0]))
    return [problem for _index, (_place, problem) in ordered]


def _place_of(path: str, places: dict[str, Place]) -> Place | None:
    """The place of a path, or of its closest parent ("targets.3.value" → row of "targets.3")."""
    parts = path.split(".")
    while parts:
        place = places.get(".".join(parts))
        if place is not None:
            return place
        parts.pop()
    return None


def _locate(problems: Iterable[Problem], places: dict[str, Place]) -> list[tuple[Place | None, Problem]]:
    located = []
    for problem in problems:
        place = _place_of(problem.path, places)
        located.append((place, replace(problem, where=str(place)) if place else problem))
    return located


# --- Reading: the file --------------------------------------------------------------------


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _read_bytes(file: WorkbookSource, collector: _Collector) -> bytes | None:
    """The upload's bytes, read no further than one byte past the limit."""
    raw: bytes | None
    if isinstance(file, (bytes, bytearray)):
        raw = bytes(file)
    elif isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    elif isinstance(getattr(file, "size", None), int) and file.size > MAX_FILE_BYTES:  # type: ignore[union-attr]
        raw = None  # an upload says its size: refuse it without reading
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        raw = file.read(MAX_FILE_BYTES + 1)
    if raw is None or len(raw) > MAX_FILE_BYTES:
        collector.add(None, _("Tệp lớn hơn %(max)s MB nên không nhập được. Hãy xoá bớt dữ liệu thừa rồi thử lại.")
                      % {"max": _mb(MAX_FILE_BYTES)}, structural=True)
        return None
    return raw


def _check_archive(raw: bytes, collector: _Collector) -> bool:
    """Refuse what is not a reasonable .xlsx from the zip directory alone, before parsing.

    Declared sizes can be trusted as a bound: zipfile (and so openpyxl) never inflates a
    member past its declared size and fails the CRC check if the data disagrees.
    """
    not_xlsx = _("Tệp không phải là tệp Excel .xlsx. Hãy mở tệp bằng Excel và lưu lại dưới dạng "
                 "“Excel Workbook (.xlsx)”.")
    if raw.startswith(_OLE_MAGIC):
        collector.add(None, _("Tệp là định dạng Excel cũ (.xls) hoặc có đặt mật khẩu nên không đọc được. "
                              "Hãy lưu lại dưới dạng “Excel Workbook (.xlsx)” và bỏ mật khẩu."), structural=True)
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        collector.add(None, not_xlsx, structural=True)
        return False
    if len(members) > MAX_ZIP_MEMBERS:
        collector.add(None, _("Tệp chứa quá nhiều thành phần (%(count)s) nên không phải một bảng tính bình "
                              "thường; đã từ chối để bảo vệ hệ thống.") % {"count": len(members)}, structural=True)
        return False
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        collector.add(None, _("Dữ liệu trong tệp khi giải nén lớn hơn %(max)s MB; đã từ chối để bảo vệ hệ thống.")
                      % {"max": _mb(MAX_UNCOMPRESSED_BYTES)}, structural=True)
        return False
    for member in members:
        if (member.file_size > RATIO_CHECK_FLOOR_BYTES
                and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)):
            collector.add(None, _("Thành phần “%(name)s” của tệp bị nén bất thường (gấp %(ratio)s lần), có thể là "
                                  "tệp độc hại; đã từ chối để bảo vệ hệ thống.")
                          % {"name": member.filename[:80],
                             "ratio": member.file_size // max(member.compress_size, 1)}, structural=True)
            return False
    if "[Content_Types].xml" not in {member.filename for member in members}:
        collector.add(None, not_xlsx, structural=True)
        return False
    return True


def _load_tables(raw: bytes, collector: _Collector) -> dict[str, _Table]:
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types on a damaged file; all mean the same here
        collector.add(None, _("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."),
                      structural=True)
        return {}
    tables: dict[str, _Table] = {}
    try:
        for sheet in DATA_SHEETS:
            table = _load_table(wb, sheet, SHEET_COLUMNS[sheet], collector)
            if table is not None:
                tables[sheet] = table
    except Exception:  # a sheet's XML broken half-way through
        collector.add(None, _("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."),
                      structural=True)
    finally:
        wb.close()
    return tables


def _load_table(wb: Any, sheet: str, columns: Sequence[Column], collector: _Collector) -> _Table | None:
    # Sheet names compare like labels: a tool that rewrote them decomposed (NFD) still matches.
    actual = next((name for name in wb.sheetnames if _fold(name) == _fold(sheet)), None)
    if actual is None or not hasattr(wb[actual], "iter_rows"):
        collector.add(Place(sheet), _("Không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
                                      "Hãy dùng tệp tải từ cổng bằng nút “Tải Excel”."), structural=True)
        return None
    ws = wb[actual]
    too_many = _("Trang có hơn %(max)s dòng dữ liệu (kể cả dòng trống có định dạng); hãy xoá các dòng thừa.") % {
        "max": vn_number(MAX_DATA_ROWS)}
    # The declared dimension is the cheap first check; the count below is the real bound,
    # since a file may omit or understate its dimension.
    if ws.max_row is not None and ws.max_row > MAX_DATA_ROWS + 1:
        collector.add(Place(sheet), too_many, structural=True)
        return None
    ws.reset_dimensions()  # read every row, whatever the dimension claims
    table = _Table(sheet=sheet, columns={})
    wanted = {_fold(c.header): c for c in columns}
    for row_number, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), 1):
        if row_number > MAX_DATA_ROWS + 1:
            collector.add(Place(sheet), too_many, structural=True)
            return None
        if row_number == 1:
            for cell in row:
                if isinstance(cell.value, str) and _fold(cell.value) in wanted:
                    table.columns.setdefault(wanted[_fold(cell.value)].key, cell.column)
            missing = [c.header for c in columns if not c.help and c.key not in table.columns]
            for header in missing:
                collector.add(Place(sheet, row=1), _("Thiếu cột “%(column)s” ở dòng tiêu đề.") % {"column": header},
                              structural=True)
            if missing:
                return None
            continue
        cells: dict[str, _Cell] = {}
        for cell in row:
            value = getattr(cell, "value", None)
            if value is None:
                continue
            place = Place(sheet, row=row_number, column=cell.column)
            if cell.data_type == "f":
                shown = getattr(value, "text", None) or str(value)
                collector.add(place, _("Ô có công thức (%(formula)s); cổng không nhận công thức. Hãy thay bằng giá "
                                       "trị (Sao chép → Dán giá trị).") % {"formula": shown[:60]})
                value = _BAD
            elif cell.data_type == "e":
                collector.add(place, _("Ô đang báo lỗi %(error)s; hãy sửa hoặc xoá ô này.") % {"error": value})
                value = _BAD
            key = next((k for k, col in table.columns.items() if col == cell.column), None)
            if key is not None:
                cells[key] = _Cell(value, cell.number_format or "General", place)
        data_keys = {c.key for c in columns if not c.help}
        if any(k in data_keys and not _is_blank(c.value) for k, c in cells.items()):
            table.rows.append((row_number, cells))
    if not table.columns:
        for header in [c.header for c in columns if not c.help]:
            collector.add(Place(sheet, row=1), _("Thiếu cột “%(column)s” ở dòng tiêu đề.") % {"column": header},
                          structural=True)
        return None
    return table


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Reading: cells -----------------------------------------------------------------------


_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# "1.000" or "2,500": a thousands separator in Vietnamese, a decimal one in English.
_AMBIGUOUS_NUMBER = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")


class _CellError(Exception):
    pass


def _raw_text(value: Any) -> str:
    """A cell's value as the text a person sees, line breaks normalised, not yet stripped."""
    if value is None or isinstance(value, _Bad):
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return f"{value.day}/{value.month}/{value.year}"
        return f"{value.day}/{value.month}/{value.year} {value.hour:02d}:{value.minute:02d}"
    if isinstance(value, date):
        return f"{value.day}/{value.month}/{value.year}"
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    return str(value)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _parse_number(cell: _Cell) -> Decimal | None:
    value = cell.value
    if _is_blank(value) or isinstance(value, _Bad):
        return None
    if isinstance(value, (bool, datetime, date, time)):
        raise _CellError(_("“%(value)s” không phải là số.") % {"value": _nfc(_raw_text(value))})
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
        if "%" in cell.number_format:
            # A cell formatted as a percentage shows 70% and holds 0.7: the plan means 70.
            number *= 100
        return number
    text = _nfc(str(value))
    compact = text.replace(" ", "").replace("\u00a0", "")
    percent = compact.endswith("%")
    if percent:
        compact = compact[:-1]
    if _AMBIGUOUS_NUMBER.match(compact):
        raise _CellError(_("“%(value)s” không rõ là số thập phân hay có dấu phân cách hàng nghìn; hãy ghi số "
                           "không có dấu phân cách hàng nghìn (ví dụ 1000 hoặc 1,5).") % {"value": text})
    if not _NUMBER_TEXT.match(compact):
        raise _CellError(_("“%(value)s” không phải là số.") % {"value": text})
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise _CellError(_("“%(value)s” không phải là số.") % {"value": text}) from exc


def _parse_int(cell: _Cell) -> int | None:
    number = _parse_number(cell)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _CellError(_("“%(value)s” không phải là số nguyên.") % {"value": _nfc(_raw_text(cell.value))})
    return int(number)


class _Parser:
    """Turns the tables into PlanData, recording the place of every path it fills."""

    def __init__(self, tables: dict[str, _Table], collector: _Collector) -> None:
        self.tables = tables
        self.c = collector
        self.choices = {
            "issuer": _choice_map(IssuerKind), "layout": _choice_map(TasksLayout),
            "section": _choice_map(SectionKind), "unit": _choice_map(UnitKind),
            "period": _choice_map(Period),
        }

    # Cell readers: each records the place of ``path`` and reports its own problems.

    def text(self, cell: _Cell | None, path: str) -> str:
        if cell is None:
            return ""
        self._seen(cell, path)
        return _nfc(_raw_text(cell.value))

    def body(self, cell: _Cell | None, path: str) -> str:
        """Paragraphs: each line NFC and stripped, blank lines dropped (as plan_io does)."""
        if cell is None:
            return ""
        self._seen(cell, path)
        return "\n".join(line for line in (_nfc(x) for x in _raw_text(cell.value).split("\n")) if line)

    def lines(self, cell: _Cell | None, path: str) -> list[str]:
        """One entry per non-blank line of the cell; each entry's place names its line."""
        if cell is None:
            return []
        self._seen(cell, path)
        raw = [_nfc(x) for x in _raw_text(cell.value).split("\n")]
        several = len([x for x in raw if x]) > 1
        entries: list[str] = []
        for line_number, entry in enumerate(raw, 1):
            if not entry:
                continue
            place = replace(cell.place, line=line_number) if several else cell.place
            entry_path = f"{path}.{len(entries)}"
            self.c.places[entry_path] = place
            entries.append(entry)
        return entries

    def number(self, cell: _Cell | None, path: str, *, required: bool = False) -> Decimal | None:
        if cell is None:
            return None
        self.c.places[path] = cell.place
        try:
            value = _parse_number(cell)
        except _CellError as exc:
            self.c.add(cell.place, str(exc), path=path)
            return None
        if value is None and required:
            self._required(cell, path)
        return value

    def integer(self, cell: _Cell | None, path: str, *, required: bool = False) -> int | None:
        if cell is None:
            return None
        self.c.places[path] = cell.place
        try:
            value = _parse_int(cell)
        except _CellError as exc:
            self.c.add(cell.place, str(exc), path=path)
            return None
        if value is None and required:
            self._required(cell, path)
        return value

    def choice(self, cell: _Cell | None, path: str, kind: str, *, default: str | None) -> str | None:
        if cell is None:
            return default
        self._seen(cell, path)
        text = _nfc(_raw_text(cell.value))
        if not text:
            return default
        code = self.choices[kind].get(_fold(text))
        if code is None:
            options = "; ".join(label for _code, label in _labels(_CHOICE_CLASSES[kind]))
            self.c.add(cell.place, _("“%(value)s” không có trong danh sách (%(options)s).")
                       % {"value": text, "options": options}, path=path)
            return text
        return code

    def flag(self, cell: _Cell | None, path: str) -> bool:
        if cell is None:
            return False
        self._seen(cell, path)
        text = _fold(_raw_text(cell.value))
        if text in ("", "0", "không"):
            return False
        if text in ("x", "có", "1", "true", "yes"):
            return True
        self.c.add(cell.place, _("Ghi “x” nếu có, hoặc để trống (không nhận “%(value)s”).")
                   % {"value": _nfc(_raw_text(cell.value))}, path=path)
        return False

    def _seen(self, cell: _Cell, path: str) -> None:
        """Record where ``path`` comes from; a cell already reported makes the path failed."""
        self.c.places[path] = cell.place
        if isinstance(cell.value, _Bad):
            self.c.bad_paths.add(path)

    def _required(self, cell: _Cell, path: str) -> None:
        if isinstance(cell.value, _Bad):
            self.c.bad_paths.add(path)  # the formula or error is already reported
        else:
            self.c.add(cell.place, _("Không được để trống."), path=path)

    # Sheets.

    def plan(self) -> PlanData:
        data = self.general()
        data.sections = self.sections()
        data.units = self.units()
        data.targets = self.targets()
        data.tasks = self.tasks()
        return data

    def general(self) -> PlanData:
        table = self.tables[SHEET_GENERAL]
        by_label = {_fold(spec.label): spec for spec in GENERAL_FIELDS}
        found: dict[str, tuple[int, _Cell]] = {}
        legal_bases: list[str] = []
        recipients: list[str] = []
        empty = _Cell(None, "General", Place(SHEET_GENERAL))
        for row_number, cells in table.rows:
            label_cell = cells.get("label")
            value_cell = cells.get("value") or replace(
                empty, place=Place(SHEET_GENERAL, row_number, table.columns["value"]))
            label = _fold(_raw_text(label_cell.value)) if label_cell else ""
            if not label:
                self.c.add(Place(SHEET_GENERAL, row_number, table.columns["label"]),
                           _("Có giá trị nhưng thiếu tên trường ở cột “Trường”."))
            elif label == _fold(LABEL_LEGAL_BASIS):
                basis = self.text(value_cell, f"legal_bases.{len(legal_bases)}")
                if basis:
                    legal_bases.append(basis)
            elif label == _fold(LABEL_RECIPIENT):
                recipient = self.text(value_cell, f"recipients.{len(recipients)}")
                if recipient:
                    recipients.append(recipient)
            elif label not in by_label:
                assert label_cell is not None  # noqa: S101 - a non-empty label has a cell
                self.c.add(label_cell.place, _("Không rõ trường “%(label)s” (xem danh sách trường ở trang "
                                               "“Hướng dẫn”).") % {"label": _nfc(_raw_text(label_cell.value))})
            elif label in found:
                assert label_cell is not None  # noqa: S101
                self.c.add(label_cell.place, _("Trường “%(label)s” bị lặp (đã có ở dòng %(row)s).")
                           % {"label": by_label[label].label, "row": found[label][0]})
            else:
                found[label] = (row_number, value_cell)

        values: dict[str, Any] = {}
        for spec in GENERAL_FIELDS:
            entry = found.get(_fold(spec.label))
            if entry is None:
                self.c.add(Place(SHEET_GENERAL, column=table.columns["label"]),
                           _("Thiếu dòng “%(label)s”.") % {"label": spec.label}, path=spec.path)
                values[spec.path] = None
                continue
            cell = entry[1]
            if spec.kind == "int":
                required = spec.path in ("start_year", "end_year")
                values[spec.path] = self.integer(cell, spec.path, required=required)
            elif spec.kind in ("issuer", "layout"):
                values[spec.path] = self.choice(cell, spec.path, spec.kind, default=None)
                if values[spec.path] is None and spec.path not in self.c.bad_paths:
                    self.c.add(cell.place, _("Không được để trống."), path=spec.path)
            else:
                values[spec.path] = self.text(cell, spec.path)

        def text(path: str) -> str:
            return values.get(path) or ""

        return PlanData(
            issuer_kind=values.get("issuer_kind") or IssuerKind.UBND,
            parent_body=text("parent_body"), issuing_body=text("issuing_body"), number=text("number"),
            symbol=text("symbol"), place=text("place"), issue_day=values.get("issue_day"),
            issue_month=values.get("issue_month"), issue_year=values.get("issue_year"), title=text("title"),
            start_year=values.get("start_year") or 0, end_year=values.get("end_year") or 0,
            legal_bases=legal_bases, preamble=text("preamble"), closing=text("closing"),
            reporting_duty=text("reporting_duty"), recipients=recipients,
            signer=SignerData(authority=text("signer.authority"), deputy=text("signer.deputy"),
                              position=text("signer.position"), name=text("signer.name")),
            tasks_layout=values.get("tasks_layout") or TasksLayout.APPENDIX,
            appendix_title=text("appendix_title"), appendix_reference=text("appendix_reference"),
            recipients_note=text("recipients_note"), source_gaps=text("source_gaps"),
        )

    def sections(self) -> list[SectionData]:
        sections = []
        for i, (row_number, cells) in enumerate(self.tables[SHEET_SECTIONS].rows):
            p = f"sections.{i}"
            self.c.places[p] = Place(SHEET_SECTIONS, row=row_number)
            number = self.text(cells.get("number"), f"{p}.number")
            level = self.integer(cells.get("level"), f"{p}.level")
            sections.append(SectionData(
                number=number,
                level=level if level is not None else _section_level(number),
                heading=self.text(cells.get("heading"), f"{p}.heading"),
                kind=self.choice(cells.get("kind"), f"{p}.kind", "section", default=SectionKind.OTHER)
                or SectionKind.OTHER,
                body=self.body(cells.get("body"), f"{p}.body"),
                unit=self.text(cells.get("unit"), f"{p}.unit") or None,
                year=self.integer(cells.get("year"), f"{p}.year"),
                run_in=self.flag(cells.get("run_in"), f"{p}.run_in"),
            ))
        return sections

    def units(self) -> list[UnitData]:
        units = []
        for i, (row_number, cells) in enumerate(self.tables[SHEET_UNITS].rows):
            p = f"units.{i}"
            self.c.places[p] = Place(SHEET_UNITS, row=row_number)
            name_cell = cells.get("name") or _Cell(None, "General", Place(
                SHEET_UNITS, row_number, self.tables[SHEET_UNITS].columns["name"]))
            units.append(UnitData(
                name=self.text(name_cell, f"{p}.name"),
                kind=self.choice(cells.get("kind"), f"{p}.kind", "unit", default=UnitKind.OTHER) or UnitKind.OTHER,
            ))
        return units

    def targets(self) -> list[TargetData]:
        table = self.tables[SHEET_TARGETS]
        targets = []
        for i, (row_number, cells) in enumerate(table.rows):
            p = f"targets.{i}"
            self.c.places[p] = Place(SHEET_TARGETS, row=row_number)

            def cell(key: str, row_number: int = row_number, cells: dict[str, _Cell] = cells) -> _Cell:
                return cells.get(key) or _Cell(None, "General", Place(SHEET_TARGETS, row_number, table.columns[key]))

            indicator = self.text(cell("indicator"), f"{p}.indicator")
            if not indicator:
                self.c.add(cell("indicator").place, _("Mã chỉ số không được để trống."), path=f"{p}.indicator")
            year = self.integer(cell("year"), f"{p}.year", required=True)
            value = self.number(cell("value"), f"{p}.value", required=True)
            targets.append(TargetData(
                indicator=indicator,
                # A year that failed to read gets a placeholder no plan can hold, so validation
                # neither repeats the problem nor reports two failed rows as duplicates.
                year=year if year is not None else -(i + 1),
                value=value if value is not None else Decimal(0),
                baseline=self.number(cell("baseline"), f"{p}.baseline"),
                stretch=self.flag(cell("stretch"), f"{p}.stretch"),
                per_period_quantity=self.number(cell("per_period_quantity"), f"{p}.per_period_quantity"),
                per_period=self.choice(cell("per_period"), f"{p}.per_period", "period", default=None),
                statement=self.text(cell("statement"), f"{p}.statement"),
                reporting_units=self.lines(cell("reporting_units"), f"{p}.reporting_units"),
            ))
        return targets

    def tasks(self) -> list[TaskData]:
        table = self.tables[SHEET_TASKS]
        tasks = []
        for i, (row_number, cells) in enumerate(table.rows):
            p = f"tasks.{i}"
            self.c.places[p] = Place(SHEET_TASKS, row=row_number)

            def cell(key: str, row_number: int = row_number, cells: dict[str, _Cell] = cells) -> _Cell:
                return cells.get(key) or _Cell(None, "General", Place(SHEET_TASKS, row_number, table.columns[key]))

            tasks.append(TaskData(
                number=self.text(cell("number"), f"{p}.number"),
                title=self.text(cell("title"), f"{p}.title"),
                description=self.body(cell("description"), f"{p}.description"),
                lead=self.text(cell("lead"), f"{p}.lead"),
                coordinating=self.lines(cell("coordinating"), f"{p}.coordinating"),
                timeframe=self.text(cell("timeframe"), f"{p}.timeframe"),
                deliverables=self.deliverables(cell("deliverables"), cell("deliverable_specs"), p),
            ))
        return tasks

    def deliverables(self, texts_cell: _Cell, specs_cell: _Cell, task_path: str) -> list[DeliverableData]:
        """Line k of "Sản phẩm/kết quả" goes with line k of "Chỉ số sản phẩm"."""
        texts = [_nfc(x) for x in _raw_text(texts_cell.value).split("\n")]
        specs = [_nfc(x) for x in _raw_text(specs_cell.value).split("\n")]
        count = max(len(texts), len(specs))
        texts += [""] * (count - len(texts))
        specs += [""] * (count - len(specs))
        several = count > 1
        deliverables: list[DeliverableData] = []
        for k, (text, spec) in enumerate(zip(texts, specs, strict=True), 1):
            if not text and not spec:
                continue
            p = f"{task_path}.deliverables.{len(deliverables)}"
            text_place = replace(texts_cell.place, line=k) if several else texts_cell.place
            spec_place = replace(specs_cell.place, line=k) if several else specs_cell.place
            self.c.places[p] = self.c.places[f"{p}.text"] = text_place
            for key in ("quantity", "per_period", "indicator"):
                self.c.places[f"{p}.{key}"] = spec_place
            deliverables.append(self._deliverable(text, spec, spec_place, p))
        return deliverables

    def _deliverable(self, text: str, spec: str, place: Place, path: str) -> DeliverableData:
        parts = [part.strip() for part in spec.split("|")] if spec else []
        if len(parts) > 3:
            self.c.add(place, _("“%(value)s” phải có dạng “MÃ_CHỈ_SỐ | số lượng | kỳ”.") % {"value": spec},
                       path=f"{path}.indicator")
            return DeliverableData(text=text)
        parts += [""] * (3 - len(parts))
        code, quantity_text, period_text = parts
        quantity = self.number(_Cell(quantity_text or None, "General", place), f"{path}.quantity")
        period = self.choice(_Cell(period_text or None, "General", place), f"{path}.per_period", "period",
                             default=None)
        self.c.places[f"{path}.quantity"] = self.c.places[f"{path}.per_period"] = place
        return DeliverableData(text=text, quantity=quantity, per_period=period, indicator=code or None)


_CHOICE_CLASSES: dict[str, Any] = {
    "issuer": IssuerKind, "layout": TasksLayout, "section": SectionKind, "unit": UnitKind, "period": Period,
}


def _choice_map(choices: Any) -> dict[str, str]:
    """Folded label or code → code: a cell may hold either."""
    mapping = {}
    for code, label in _labels(choices):
        mapping[_fold(code)] = code
        mapping[_fold(label)] = code
    return mapping


def _section_level(number: str) -> int:
    """A section level left blank follows its number: I → 1, 1 → 2, 4.1 → 3."""
    if ROMAN.match(number):
        return 1
    if re.fullmatch(r"\d+\.\d+", number):
        return 3
    if number.isdigit():
        return 2
    return 1


# --- Reading and importing: the public functions ------------------------------------------


def _read(file: WorkbookSource, *, commune: Commune | None,
          create_units: bool) -> tuple[PlanData, dict[str, Place]]:
    """Parse (and, given a commune, validate): every problem found, or the data and its places."""
    collector = _Collector()
    raw = _read_bytes(file, collector)
    if raw is None or not _check_archive(raw, collector):
        raise collector.error()
    tables = _load_tables(raw, collector)
    if collector.structural:
        raise collector.error()
    data = _Parser(tables, collector).plan()
    if commune is not None:
        data.commune = commune.code
    header_ok = not ({"start_year", "end_year"} & collector.bad_paths)
    if commune is not None and header_ok:
        try:
            plan_data_validate(data, commune=commune, create_units=create_units)
        except PlanImportError as exc:
            fresh = [p for p in exc.problems if p.path not in collector.bad_paths]
            collector.problems += _locate(fresh, collector.places)
    if collector.problems:
        raise collector.error()
    return data, collector.places


def plan_workbook_read(file: WorkbookSource, *, commune: Commune | None = None,
                       create_units: bool = False) -> PlanData:
    """Read a plan workbook into PlanData, or raise PlanImportError naming sheet and cell.

    Without ``commune`` only the workbook itself is checked (structure, cells, numbers); with
    it the data is also validated against the commune (units, indicators, years), and the
    problems of both kinds are reported together.
    """
    data, _places = _read(file, commune=commune, create_units=create_units)
    return data


def _issued_refusal() -> PlanImportError:
    return PlanImportError([Problem("", _("Kế hoạch đã ban hành nên không thể thay nội dung bằng tệp Excel; "
                                          "mọi thay đổi phải qua sửa đổi có ghi lý do."))])


def plan_workbook_import(*, file: WorkbookSource, commune: Commune, actor: Any,
                         create_units: bool = False, into: Plan | None = None) -> Plan:
    """Read, validate and import a workbook: a new plan, or the content of draft ``into``.

    All or nothing: any problem raises PlanImportError (each problem with its place) and
    nothing is saved.
    """
    if into is not None:
        if into.commune_id != commune.pk:
            raise ValueError("plan_workbook_import: the plan belongs to another commune")
        if into.is_issued:
            raise _issued_refusal()
    data, places = _read(file, commune=commune, create_units=create_units)
    try:
        # plan_import locks ``into`` and refuses it if it was issued in the meantime.
        return plan_import(data=data, commune=commune, actor=actor, create_units=create_units, into=into)
    except PlanImportError as exc:
        raise PlanImportError(_sorted(_locate(exc.problems, places))) from exc


__all__ = [
    "MAX_DATA_ROWS", "MAX_FILE_BYTES", "MAX_UNCOMPRESSED_BYTES", "XLSX_CONTENT_TYPE", "Place",
    "plan_workbook_export", "plan_workbook_filename", "plan_workbook_import",
    "plan_workbook_read", "plan_workbook_write",
]
