"""A corpus of bad plan workbooks, each with the exact problem the reader must report.

Every builder takes a good workbook (the export of the Ba Ngòi seed plan) and breaks one
thing, with real openpyxl and zipfile: no mocks. Rows of the Ba Ngòi export used here:
"Chỉ tiêu" row 2 is CBCCVC_DIGITAL_SKILLS 2026 (a percentage), "Nhiệm vụ" row 2 is group I,
row 3 item 1, row 4 its first task (lead Phòng Văn hóa – Xã hội), row 6 item 2.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

NOT_XLSX = ("Tệp không phải là tệp Excel .xlsx. Hãy mở tệp bằng Excel và lưu lại dưới dạng "
            "“Excel Workbook (.xlsx)”.")
SHEET_MISSING = ("Không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
                 "Hãy dùng tệp tải từ cổng bằng nút “Tải Excel”.")
TOO_MANY_ROWS = "Trang có hơn 5.000 dòng dữ liệu (kể cả dòng trống có định dạng); hãy xoá các dòng thừa."


@dataclass(frozen=True)
class BadWorkbook:
    name: str
    build: Callable[[bytes], tuple[bytes, str]]  # good workbook → (bad workbook, expected problem)

    def __str__(self) -> str:
        return self.name


def edit(content: bytes, change: Callable[[Any], None]) -> bytes:
    """Open a workbook with openpyxl, apply ``change``, save it back."""
    wb = load_workbook(io.BytesIO(content))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def set_cell(sheet: str, coordinate: str, value: Any) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        wb[sheet][coordinate].value = value
    return change


def _cell_case(name: str, sheet: str, coordinate: str, value: Any, message: str, *,
               line: int | None = None) -> BadWorkbook:
    where = f"Trang “{sheet}”, ô {coordinate}" + (f", dòng {line} trong ô" if line else "")
    return BadWorkbook(name, lambda good: (edit(good, set_cell(sheet, coordinate, value)), f"{where}: {message}"))


def _delete_sheet(good: bytes) -> tuple[bytes, str]:
    def change(wb: Any) -> None:
        del wb["Chỉ tiêu"]
    return edit(good, change), f"Trang “Chỉ tiêu”: {SHEET_MISSING}"


def _rename_sheet(good: bytes) -> tuple[bytes, str]:
    def change(wb: Any) -> None:
        wb["Nhiệm vụ"].title = "Nhiem vu"
    return edit(good, change), f"Trang “Nhiệm vụ”: {SHEET_MISSING}"


def _rename_column(good: bytes) -> tuple[bytes, str]:
    return (edit(good, set_cell("Chỉ tiêu", "D1", "Mục tiêu")),
            "Trang “Chỉ tiêu”, dòng 1: Thiếu cột “Chỉ tiêu” ở dòng tiêu đề.")


def _oversized(good: bytes) -> tuple[bytes, str]:
    return (good + b"\0" * (10 * 1024 * 1024),
            "Tệp lớn hơn 10 MB nên không nhập được. Hãy xoá bớt dữ liệu thừa rồi thử lại.")


def _zip_bomb(good: bytes) -> tuple[bytes, str]:
    """A small file that inflates a thousandfold: 40 MB of zeros in one member."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    content = out.getvalue()
    member = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    ratio = member.file_size // member.compress_size
    return content, (f"Thành phần “xl/worksheets/sheet1.xml” của tệp bị nén bất thường (gấp {ratio} lần), "
                     "có thể là tệp độc hại; đã từ chối để bảo vệ hệ thống.")


def _zip_too_large_inflated(good: bytes) -> tuple[bytes, str]:
    """Sixty members just under the ratio check's floor, 60 MB once inflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for index in range(60):
            archive.writestr(f"xl/media/image{index}.bin", b"\0" * 1_000_000)
    return out.getvalue(), "Dữ liệu trong tệp khi giải nén lớn hơn 50 MB; đã từ chối để bảo vệ hệ thống."


def _csv(good: bytes) -> tuple[bytes, str]:
    return "Mã chỉ số;Năm;Chỉ tiêu\nCBCCVC_DIGITAL_SKILLS;2026;100\n".encode(), NOT_XLSX


def _plain_zip(good: bytes) -> tuple[bytes, str]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("ke-hoach.txt", "không phải bảng tính")
    return out.getvalue(), NOT_XLSX


def _old_xls(good: bytes) -> tuple[bytes, str]:
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096,
            "Tệp là định dạng Excel cũ (.xls) hoặc có đặt mật khẩu nên không đọc được. "
            "Hãy lưu lại dưới dạng “Excel Workbook (.xlsx)” và bỏ mật khẩu.")


def _append_rows(wb: Any) -> None:
    sheet = wb["Nhiệm vụ"]
    for _index in range(5001):
        sheet.append(["-", "Nhiệm vụ thêm", "Phòng Văn hóa – Xã hội"])


def _too_many_rows(good: bytes) -> tuple[bytes, str]:
    return edit(good, _append_rows), f"Trang “Nhiệm vụ”: {TOO_MANY_ROWS}"


def _too_many_rows_understated(good: bytes) -> tuple[bytes, str]:
    """The same rows, but the sheet claims to be one cell: the count, not the claim, decides."""
    content = edit(good, _append_rows)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode()
                start = text.find("<dimension ")
                if start >= 0:
                    end = text.find("/>", start) + 2
                    text = text[:start] + '<dimension ref="A1"/>' + text[end:]
                data = text.encode()
            archive.writestr(item, data)
    return out.getvalue(), f"Trang “Nhiệm vụ”: {TOO_MANY_ROWS}"


def _missing_general_row(good: bytes) -> tuple[bytes, str]:
    def change(wb: Any) -> None:
        sheet = wb["Thông tin chung"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "Trích yếu":
                sheet.delete_rows(row[0].row)
                return
    return edit(good, change), "Trang “Thông tin chung”, cột A: Thiếu dòng “Trích yếu”."


CORPUS: list[BadWorkbook] = [
    BadWorkbook("missing_sheet", _delete_sheet),
    BadWorkbook("renamed_sheet", _rename_sheet),
    BadWorkbook("missing_column", _rename_column),
    BadWorkbook("missing_general_row", _missing_general_row),
    _cell_case("text_in_number_cell", "Chỉ tiêu", "D2", "mười", "“mười” không phải là số."),
    _cell_case("thousands_separator", "Chỉ tiêu", "D2", "1.000",
               "“1.000” không rõ là số thập phân hay có dấu phân cách hàng nghìn; hãy ghi số không có dấu "
               "phân cách hàng nghìn (ví dụ 1000 hoặc 1,5)."),
    _cell_case("fractional_year", "Chỉ tiêu", "C2", 2026.5, "“2026.5” không phải là số nguyên."),
    _cell_case("negative_target", "Chỉ tiêu", "D2", -5, "Chỉ tiêu không được âm."),
    _cell_case("percentage_over_100", "Chỉ tiêu", "D2", 130, "Chỉ tiêu phần trăm không được lớn hơn 100."),
    _cell_case("unknown_indicator", "Chỉ tiêu", "A2", "KHONG_CO",
               "Không có chỉ số mã “KHONG_CO” trong thư viện chỉ số."),
    _cell_case("year_outside_plan", "Chỉ tiêu", "C2", 2031,
               "Năm 2031 nằm ngoài thời gian của kế hoạch (2026–2026)."),
    _cell_case("unknown_period", "Chỉ tiêu", "H2", "thập kỷ",
               "“thập kỷ” không có trong danh sách (ngày; tuần; tháng; quý; năm)."),
    _cell_case("bad_stretch_flag", "Chỉ tiêu", "F2", "có lẽ", "Ghi “x” nếu có, hoặc để trống (không nhận “có lẽ”)."),
    _cell_case("unknown_unit", "Nhiệm vụ", "C4", "Phòng Ma",
               "Đơn vị “Phòng Ma” chưa có trong danh sách đơn vị của Phường Ba Ngòi."),
    _cell_case("duplicate_number_in_group", "Nhiệm vụ", "A6", "1", "STT “1” bị trùng trong cùng một nhóm."),
    _cell_case("invalid_number", "Nhiệm vụ", "A2", "X1",
               "STT “X1” không hợp lệ (dùng I, II…, 1, 2…, “-” hoặc “+”)."),
    # F4 holds three deliverables, so the place names the line inside the cell.
    _cell_case("bad_deliverable_spec", "Nhiệm vụ", "H4", "NEWS_ARTICLES | 25 | tháng | thêm",
               "“NEWS_ARTICLES | 25 | tháng | thêm” phải có dạng “MÃ_CHỈ_SỐ | số lượng | kỳ”.",
               line=1),
    _cell_case("formula_cell", "Chỉ tiêu", "E2", "=1+1",
               "Ô có công thức (=1+1); cổng không nhận công thức. Hãy thay bằng giá trị (Sao chép → Dán giá trị)."),
    _cell_case("too_long_number", "Thông tin chung", "B5", "1" * 25, "Dài 25 ký tự, vượt giới hạn 20 ký tự."),
    BadWorkbook("oversized_file", _oversized),
    BadWorkbook("zip_bomb", _zip_bomb),
    BadWorkbook("zip_too_large_inflated", _zip_too_large_inflated),
    BadWorkbook("csv_file", _csv),
    BadWorkbook("zip_not_xlsx", _plain_zip),
    BadWorkbook("old_xls", _old_xls),
    BadWorkbook("too_many_rows", _too_many_rows),
    BadWorkbook("too_many_rows_understated", _too_many_rows_understated),
]
