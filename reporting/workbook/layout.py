"""The unit report workbook's format: its sheets, the header block that identifies the report,
the columns. Layer: workbook (shared by reporting/workbook/write.py and read.py).

Every data sheet ("Chỉ số", "Nhiệm vụ", "Thuyết minh") starts with the same header block: the
report id in D2 and the report version the workbook was made from in D3 (both read back), the
unit in D4 and the period in D5 (for people). Column headers are on row 7, data from row 8.
Column A is a hidden key column (indicator code, task id, narrative section), so rows are
matched by key, never by position.

As in the plan workbook (campaigns/workbook/layout.py), sheet names, column headers and status
labels are part of the file format: fixed Vietnamese, never translated, so a workbook
downloaded with the English interface reads back the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from targets.models import Indicator

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


def column_number(columns: Sequence[Column], key: str) -> int:
    """1-based column number of ``key``."""
    return 1 + [c.key for c in columns].index(key)


def indicator_keys(indicators: Sequence[Indicator]) -> dict[int, str]:
    """Indicator id → key cell text: its code, or "code#id" if a commune's own indicator
    reuses the code of a national one in the same report."""
    codes = [i.code for i in indicators]
    return {i.pk: i.code if codes.count(i.code) == 1 else f"{i.code}#{i.pk}" for i in indicators}
