"""portal.xlsx: the guards and cell readers both workbooks share, on their own (no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from portal.xlsx import (
    MAX_FILE_BYTES,
    OLE_MAGIC,
    Cell,
    CellError,
    Place,
    XlsxRefused,
    cell_decimal,
    cell_int,
    cell_number,
    cell_put,
    xlsx_bytes,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("12,5", Decimal("12.5")), ("12.5", Decimal("12.5")), ("1 000", Decimal(1000)),
    ("1\u00a0000", Decimal(1000)), ("70%", Decimal(70)), (12, Decimal(12)), ("", None), (None, None),
])
def test_numbers_read_with_either_decimal_mark(value: Any, expected: Decimal | None) -> None:
    assert cell_number(Cell(value)) == expected


def test_a_percentage_cell_reads_as_its_figure_or_is_refused_for_a_count() -> None:
    assert cell_number(Cell(0.7, number_format="0%")) == Decimal(70)
    with pytest.raises(CellError, match="định dạng phần trăm"):
        cell_number(Cell(0.7, number_format="0%"), percent=False)
    with pytest.raises(CellError, match="không nhập tỷ lệ phần trăm"):
        cell_number(Cell("70%"), percent=False)


@pytest.mark.parametrize("value", ["1.000", "2,500", "-1.234"])
def test_one_separator_before_three_digits_is_ambiguous(value: str) -> None:
    with pytest.raises(CellError, match="không rõ là số thập phân"):
        cell_number(Cell(value))


@pytest.mark.parametrize("value", ["mười", True, date(2026, 1, 1), float("inf")])
def test_what_is_not_a_number_is_refused(value: Any) -> None:
    with pytest.raises(CellError, match="không phải là số"):
        cell_number(Cell(value))


def test_a_count_keeps_to_its_database_column() -> None:
    assert cell_decimal(Cell("12,25"), max_digits=14, decimal_places=2) == Decimal("12.25")
    with pytest.raises(CellError, match="quá 2 chữ số thập phân"):
        cell_decimal(Cell("12,2555"), max_digits=14, decimal_places=2)
    with pytest.raises(CellError, match="Số quá lớn"):
        cell_decimal(Cell(10**12), max_digits=14, decimal_places=2)


def test_a_whole_number_has_no_fraction() -> None:
    assert cell_int(Cell("2026")) == 2026
    with pytest.raises(CellError, match="không phải là số nguyên"):
        cell_int(Cell("2026,5"))


def test_places_name_a_cell_a_range_a_row_or_a_sheet() -> None:
    assert str(Place("Chỉ tiêu", 5, 4)) == "Trang “Chỉ tiêu”, ô D5"
    assert str(Place("Chỉ số", 8, 6, last_column=7)) == "Trang “Chỉ số”, ô F8:G8"
    assert str(Place("Chỉ tiêu", 5, 4, line=2)) == "Trang “Chỉ tiêu”, ô D5, dòng 2 trong ô"
    assert str(Place("Chỉ tiêu", row=1)) == "Trang “Chỉ tiêu”, dòng 1"
    assert str(Place("Chỉ tiêu")) == "Trang “Chỉ tiêu”"


def test_text_a_spreadsheet_would_evaluate_is_written_as_text() -> None:
    ws = Workbook().active
    cell = cell_put(ws, 1, 1, "=1+1")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)
    assert cell_put(ws, 1, 2, "#N/A").data_type == "s"
    assert cell_put(ws, 1, 3, 12).value == 12


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("raw", "message"), [
    (OLE_MAGIC + b"\0" * 100, "Excel cũ"),
    (b"Chi tieu;Nam\n", "không phải là tệp Excel .xlsx"),
    (_zip({"a.xml": b"<a/>"}), "không phải là tệp Excel .xlsx"),
    (_zip({"[Content_Types].xml": b"<a/>", "bomb.xml": b"\0" * (2 * 1024 * 1024)}), "nén bất thường"),
    (b"PK" + b"\0" * MAX_FILE_BYTES, "lớn hơn 10 MB"),
])
def test_uploads_that_are_not_a_reasonable_workbook_are_refused_before_parsing(raw: bytes, message: str) -> None:
    with pytest.raises(XlsxRefused, match=message):
        xlsx_bytes(raw)
