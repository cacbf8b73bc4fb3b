"""Reading the plan workbook, first half: the file's data sheets as tables of cells, and the
problems found on the way, each with its place. Layer: workbook.

Nothing here knows what a plan is: the parser (campaigns/workbook/parse.py) turns the tables
into PlanData. The file has passed portal.xlsx's guards (size, zip structure) before it gets
here; here each sheet is bounded in rows and columns, found by its name and its columns by
their headers (so columns may be moved), and every formula or error value is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from campaigns.plan_data import PlanImportError, Problem
from campaigns.workbook.layout import DATA_SHEETS, SHEET_COLUMNS, Column
from portal.formats import vn_number
from portal.xlsx import (
    MAX_DATA_ROWS,
    REPORTED,
    Cell,
    Place,
    TooManyRows,
    XlsxRefused,
    cell_refusal,
    fold,
    is_blank,
    xlsx_damaged,
    xlsx_open,
    xlsx_rows,
    xlsx_sheet,
)


@dataclass
class Table:
    sheet: str
    columns: dict[str, int]  # column key → 1-based column number
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)


class Collector:
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
        return PlanImportError(sorted_problems(self.problems))


def _place_order(place: Place) -> tuple[int, int, int, int]:
    """Problems read in the order of the workbook: sheet, row, column, line in the cell."""
    order = DATA_SHEETS.index(place.sheet) if place.sheet in DATA_SHEETS else len(DATA_SHEETS)
    return order, place.row or 0, place.column or 0, place.line or 0


def sorted_problems(problems: Iterable[tuple[Place | None, Problem]]) -> list[Problem]:
    ordered = sorted(enumerate(problems), key=lambda item: (
        _place_order(item[1][0]) if item[1][0] else (-1, 0, 0, 0), item[0]))
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


def locate(problems: Iterable[Problem], places: dict[str, Place]) -> list[tuple[Place | None, Problem]]:
    """Each problem with the place of its path, the place written into the problem."""
    located = []
    for problem in problems:
        place = _place_of(problem.path, places)
        located.append((place, replace(problem, where=str(place)) if place else problem))
    return located


# --- The sheets ---------------------------------------------------------------------------


def load_tables(raw: bytes, collector: Collector) -> dict[str, Table]:
    """The data sheets as tables; a sheet that cannot be read is a structural problem."""
    try:
        wb = xlsx_open(raw)
    except XlsxRefused as exc:
        collector.add(None, exc.message, structural=True)
        return {}
    tables: dict[str, Table] = {}
    try:
        for sheet in DATA_SHEETS:
            table = _load_table(wb, sheet, SHEET_COLUMNS[sheet], collector)
            if table is not None:
                tables[sheet] = table
    except Exception:  # a sheet's XML broken half-way through
        collector.add(None, xlsx_damaged().message, structural=True)
    finally:
        wb.close()
    return tables


def _missing_columns(sheet: str, headers: Iterable[str], collector: Collector) -> None:
    for header in headers:
        collector.add(Place(sheet, row=1), _("Thiếu cột “%(column)s” ở dòng tiêu đề.") % {"column": header},
                      structural=True)


def _load_table(wb: Any, sheet: str, columns: Sequence[Column], collector: Collector) -> Table | None:
    ws = xlsx_sheet(wb, sheet)
    if ws is None:
        collector.add(Place(sheet), _("Không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
                                      "Hãy dùng tệp tải từ cổng bằng nút “Tải Excel”."), structural=True)
        return None
    table = Table(sheet=sheet, columns={})
    data_keys = {c.key for c in columns if not c.help}
    try:
        for row_number, row in enumerate(xlsx_rows(ws, max_rows=MAX_DATA_ROWS + 1), 1):
            if row_number == 1:
                table.columns = _header_columns(row, columns)
                missing = [c.header for c in columns if not c.help and c.key not in table.columns]
                _missing_columns(sheet, missing, collector)
                if missing:
                    return None
                continue
            cells = _row_cells(row, row_number, table, collector)
            if any(k in data_keys and not is_blank(c.value) for k, c in cells.items()):
                table.rows.append((row_number, cells))
    except TooManyRows:
        collector.add(Place(sheet), _("Trang có hơn %(max)s dòng dữ liệu (kể cả dòng trống có định dạng); hãy "
                                      "xoá các dòng thừa.") % {"max": vn_number(MAX_DATA_ROWS)},
                      structural=True)
        return None
    if not table.columns:
        _missing_columns(sheet, [c.header for c in columns if not c.help], collector)
        return None
    return table


def _header_columns(row: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    """Column key → column number, found by header (the first of two equal headers wins)."""
    wanted = {fold(c.header): c for c in columns}
    found: dict[str, int] = {}
    for cell in row:
        if isinstance(cell.value, str) and fold(cell.value) in wanted:
            found.setdefault(wanted[fold(cell.value)].key, cell.column)
    return found


def _row_cells(row: Sequence[Any], row_number: int, table: Table, collector: Collector) -> dict[str, Cell]:
    """The row's non-empty cells by column key; a formula or an error value is reported here
    and read as empty from then on."""
    cells: dict[str, Cell] = {}
    for cell in row:
        value = getattr(cell, "value", None)
        if value is None:
            continue
        place = Place(table.sheet, row=row_number, column=cell.column)
        refusal = cell_refusal(value, cell.data_type)
        if refusal is not None:
            collector.add(place, refusal)
            value = REPORTED
        key = next((k for k, col in table.columns.items() if col == cell.column), None)
        if key is not None:
            cells[key] = Cell(value, cell.number_format or "General", place=place)
    return cells
