"""Spreadsheets (.xlsx): the guards every upload passes and the cell readers and writers every
workbook uses. Layer: kernel (imports no domain app).

Both workbooks (the plan's, campaigns/workbook/, and the unit report's, reporting/workbook/)
and the API's Excel renderer go through this module, so an upload is refused for the same
reasons and a number is read the same way wherever it is typed.

Safety, in the order a reader applies it (nothing is parsed before the cheap checks pass):
size of the upload (``xlsx_bytes``), zip structure (member count, total uncompressed size,
compression ratio of each member), then opening without macros or external links
(``xlsx_open``), rows per sheet (``xlsx_rows``), and cell by cell: formulas and error values
are refused (``cell_refusal``), every string is NFC-normalised and stripped.

Writing (``cell_put``) stores every string as a plain string: text a spreadsheet would
evaluate ("=…", "+…", "-…", "@…") is kept as text, never as a formula.

User-facing messages are Vietnamese through gettext, like every other message of the portal.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.text import nfc

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
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx

WorkbookSource = bytes | str | Path | IO[bytes] | Any  # Any: Django's UploadedFile


# --- The file -----------------------------------------------------------------------------


class XlsxRefused(Exception):
    """The upload is not a workbook the portal reads; ``message`` says why, for a person."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _too_big() -> XlsxRefused:
    return XlsxRefused(_("Tệp lớn hơn %(max)s MB nên không nhập được. Hãy xoá bớt dữ liệu thừa rồi thử lại.")
                       % {"max": _mb(MAX_FILE_BYTES)})


def xlsx_bytes(file: WorkbookSource) -> bytes:
    """The upload's bytes, once the size and zip-structure guards pass; XlsxRefused if not.

    Reads no further than one byte past the size limit; an upload that declares its size
    (Django's UploadedFile) is refused without being read.
    """
    raw: bytes | None
    if isinstance(file, (bytes, bytearray)):
        raw = bytes(file)
    elif isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    elif isinstance(getattr(file, "size", None), int) and file.size > MAX_FILE_BYTES:  # type: ignore[union-attr]
        raw = None
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        raw = file.read(MAX_FILE_BYTES + 1)
    if raw is None or len(raw) > MAX_FILE_BYTES:
        raise _too_big()
    _check_archive(raw)
    return raw


def _check_archive(raw: bytes) -> None:
    """Refuse what is not a reasonable .xlsx from the zip directory alone, before parsing.

    Declared sizes can be trusted as a bound: zipfile (and so openpyxl) never inflates a
    member past its declared size and fails the CRC check if the data disagrees.
    """
    not_xlsx = _("Tệp không phải là tệp Excel .xlsx. Hãy mở tệp bằng Excel và lưu lại dưới dạng "
                 "“Excel Workbook (.xlsx)”.")
    if raw.startswith(OLE_MAGIC):
        raise XlsxRefused(_("Tệp là định dạng Excel cũ (.xls) hoặc có đặt mật khẩu nên không đọc được. "
                            "Hãy lưu lại dưới dạng “Excel Workbook (.xlsx)” và bỏ mật khẩu."))
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise XlsxRefused(not_xlsx) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise XlsxRefused(_("Tệp chứa quá nhiều thành phần (%(count)s) nên không phải một bảng tính bình "
                            "thường; đã từ chối để bảo vệ hệ thống.") % {"count": len(members)})
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        raise XlsxRefused(_("Dữ liệu trong tệp khi giải nén lớn hơn %(max)s MB; đã từ chối để bảo vệ hệ thống.")
                          % {"max": _mb(MAX_UNCOMPRESSED_BYTES)})
    for member in members:
        if (member.file_size > RATIO_CHECK_FLOOR_BYTES
                and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)):
            raise XlsxRefused(_("Thành phần “%(name)s” của tệp bị nén bất thường (gấp %(ratio)s lần), có thể là "
                                "tệp độc hại; đã từ chối để bảo vệ hệ thống.")
                              % {"name": member.filename[:80],
                                 "ratio": member.file_size // max(member.compress_size, 1)})
    if "[Content_Types].xml" not in {member.filename for member in members}:
        raise XlsxRefused(not_xlsx)


def xlsx_damaged() -> XlsxRefused:
    """The refusal of a file that passed the guards but does not parse."""
    return XlsxRefused(_("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx."))


def xlsx_open(raw: bytes) -> Any:
    """The workbook, read-only, formulas kept as formulas (so they can be refused), macros and
    external links dropped; XlsxRefused if it does not parse. The caller closes it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported"…
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False,
                                 keep_vba=False)
    except Exception as exc:  # openpyxl raises many types on a damaged file; all mean the same here
        raise xlsx_damaged() from exc


def xlsx_sheet(wb: Any, name: str) -> Any | None:
    """The worksheet called ``name``, or None if missing (or a chart sheet).

    Sheet names compare like labels: a tool that rewrote them decomposed (NFD) still matches.
    """
    actual = next((title for title in wb.sheetnames if fold(title) == fold(name)), None)
    if actual is None or not hasattr(wb[actual], "iter_rows"):
        return None
    return wb[actual]


class TooManyRows(Exception):
    """A sheet is longer than the bound its reader set."""


def xlsx_rows(ws: Any, *, max_rows: int) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only sheet, each at most MAX_COLUMNS wide; TooManyRows past ``max_rows``.

    The declared dimension is the cheap first check; the count is the real bound, since a
    file may omit or understate its dimension.
    """
    if ws.max_row is not None and ws.max_row > max_rows:
        raise TooManyRows
    ws.reset_dimensions()  # read every row, whatever the dimension claims
    for number, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), 1):
        if number > max_rows:
            raise TooManyRows
        yield row


def cell_refusal(value: Any, data_type: str) -> str | None:
    """Why a cell cannot be read (a formula, an error value), or None."""
    if data_type == "f":
        shown = getattr(value, "text", None) or str(value)
        return _("Ô có công thức (%(formula)s); cổng không nhận công thức. Hãy thay bằng giá "
                 "trị (Sao chép → Dán giá trị).") % {"formula": shown[:60]}
    if data_type == "e":
        return _("Ô đang báo lỗi %(error)s; hãy sửa hoặc xoá ô này.") % {"error": value}
    return None


# --- Places and cells ---------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where in a workbook a value came from; str() is what a person reads."""

    sheet: str
    row: int | None = None
    column: int | None = None  # 1-based
    line: int | None = None  # line inside a multi-line cell, 1-based
    last_column: int | None = None  # a range of cells on one row: "D8:E8"

    def __str__(self) -> str:
        if self.row and self.column:
            cells = f"{get_column_letter(self.column)}{self.row}"
            if self.last_column is not None and self.last_column != self.column:
                cells += f":{get_column_letter(self.last_column)}{self.row}"
            text = _("Trang “%(sheet)s”, ô %(cell)s") % {"sheet": self.sheet, "cell": cells}
            if self.line:
                text += _(", dòng %(line)s trong ô") % {"line": self.line}
            return text
        if self.row:
            return _("Trang “%(sheet)s”, dòng %(row)s") % {"sheet": self.sheet, "row": self.row}
        if self.column:
            return _("Trang “%(sheet)s”, cột %(column)s") % {
                "sheet": self.sheet, "column": get_column_letter(self.column)}
        return _("Trang “%(sheet)s”") % {"sheet": self.sheet}


NOWHERE = Place("")


class Reported:
    """The value of a cell already reported (formula, error value): read as empty, reported once."""


REPORTED = Reported()


@dataclass(frozen=True)
class Cell:
    """A cell as read: its value, its Excel number format, openpyxl's data type, its place."""

    value: Any
    number_format: str = "General"
    data_type: str = "n"
    place: Place = NOWHERE


class CellError(Exception):
    """A cell's content is not what its column takes; str() says why, for a person."""


def fold(text: str) -> str:
    """The comparison form of a label: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def choice_labels(choices: Any) -> list[tuple[str, str]]:
    """(code, Vietnamese label) of a TextChoices; always Vietnamese, whatever the UI language:
    labels written into a workbook are part of its format."""
    with translation.override("vi"):
        return [(str(value), str(label)) for value, label in choices.choices]


def raw_text(value: Any) -> str:
    """A cell's value as the text a person sees, line breaks normalised, not yet stripped."""
    if value is None or isinstance(value, Reported):
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


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(cell: Cell, *, max_length: int | None = None) -> str:
    """The cell as NFC text, stripped; CellError past ``max_length`` characters."""
    text = nfc(raw_text(cell.value))
    if max_length is not None and len(text) > max_length:
        raise CellError(_("Nội dung dài %(length)s ký tự, quá giới hạn %(max)s ký tự.")
                        % {"length": len(text), "max": max_length})
    return text


# --- Numbers ------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# "1.000" or "2,500": a thousands separator in Vietnamese, a decimal one in English.
_AMBIGUOUS_NUMBER = re.compile(r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$")
_SPACES = (" ", "\u00a0", "\u202f")  # typed or pasted between digit groups


def _not_a_number(value: Any) -> CellError:
    return CellError(_("“%(value)s” không phải là số.") % {"value": nfc(raw_text(value))})


def _number_from_text(value: Any, *, percent: bool) -> Decimal:
    text = nfc(str(value))
    compact = text
    for space in _SPACES:
        compact = compact.replace(space, "")
    if compact.endswith("%"):
        if not percent:
            raise CellError(_("“%(value)s”: hãy nhập số lượng, không nhập tỷ lệ phần trăm.") % {"value": text})
        compact = compact[:-1]
    if _AMBIGUOUS_NUMBER.match(compact):
        raise CellError(_("“%(value)s” không rõ là số thập phân hay có dấu phân cách hàng nghìn; hãy ghi số "
                          "không có dấu phân cách hàng nghìn (ví dụ 1000 hoặc 1,5).") % {"value": text})
    if not _NUMBER_TEXT.match(compact):
        raise CellError(_("“%(value)s” không phải là số.") % {"value": text})
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise CellError(_("“%(value)s” không phải là số.") % {"value": text}) from exc


def cell_number(cell: Cell, *, percent: bool = True) -> Decimal | None:
    """The cell's number, None if blank; CellError if it is not one.

    Text is read with a comma or a point as the decimal mark and spaces between digit groups;
    "1.000" and "2,500" are refused as ambiguous (a thousands separator in Vietnamese, a
    decimal one in English). With ``percent`` a percentage is read as its figure (a cell
    formatted as 70% holds 0.7 and reads 70; "70%" reads 70); without it a percentage is
    refused (the cell takes a count).
    """
    value = cell.value
    if is_blank(value) or isinstance(value, Reported):
        return None
    if isinstance(value, (bool, datetime, date, time)):
        raise _not_a_number(value)
    if isinstance(value, (int, float, Decimal)):
        if "%" in cell.number_format and not percent:
            raise CellError(_("Ô đang định dạng phần trăm: hãy nhập số lượng, không nhập tỷ lệ phần trăm."))
        number = Decimal(str(value))
        if "%" in cell.number_format:
            number *= 100
    else:
        number = _number_from_text(value, percent=percent)
    if not number.is_finite():
        raise _not_a_number(value)
    return number


def cell_decimal(cell: Cell, *, max_digits: int, decimal_places: int) -> Decimal | None:
    """A count for a database decimal column: no percentage, within its digits and places."""
    number = cell_number(cell, percent=False)
    if number is None:
        return None
    if abs(number) >= Decimal(10) ** (max_digits - decimal_places):
        raise CellError(_("Số quá lớn."))
    # The database rounds silently past its decimal places; a clear refusal is better.
    if number != number.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_DOWN):
        raise CellError(_("Số có quá %(n)s chữ số thập phân.") % {"n": decimal_places})
    return number


def cell_int(cell: Cell) -> int | None:
    """The cell's whole number, None if blank; CellError if it is not one."""
    number = cell_number(cell)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s” không phải là số nguyên.") % {"value": nfc(raw_text(cell.value))})
    return int(number)


# --- Writing ------------------------------------------------------------------------------

# Text a spreadsheet would evaluate if typed into a cell (OWASP's CSV-injection list).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def number_out(value: Decimal | None) -> int | float | None:
    """A decimal as a spreadsheet number: 12 rather than 12.00, 12.5 as it is."""
    if value is None:
        return None
    normalised = value.normalize()
    return int(normalised) if normalised == normalised.to_integral() else float(normalised)


def cell_put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write ``value`` into a cell and return the cell; a string is always a plain string."""
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
