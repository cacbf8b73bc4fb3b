"""Reading the unit report workbook back, and importing it as the report's draft. Layer:
workbook (above reporting/services/unit_reports.py, which validates and saves).

Reading refuses, before parsing anything, a file over 10 MB and an archive that inflates too
much (portal.xlsx's guards); then a sheet with too many rows; then, cell by cell, formulas and
error values; text in a number cell; more decimals than the database keeps. A workbook of
another report is refused; one made from an older version of this report is a conflict
(download again). The data then goes through ``unit_report_save``, so validation, entry
window, version check and audit are the same as for the web form, and the service's errors
are mapped back to the row's cells. All or nothing. Every error message is gettext.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaigns.models import Task
from portal.errors import ConflictError
from portal.formats import vn_number
from portal.text import nfc
from portal.xlsx import (
    MAX_COLUMNS,
    MAX_DATA_ROWS,
    Cell,
    CellError,
    Place,
    TooManyRows,
    WorkbookSource,
    XlsxRefused,
    cell_decimal,
    cell_refusal,
    cell_text,
    choice_labels,
    fold,
    is_blank,
    raw_text,
    xlsx_bytes,
    xlsx_damaged,
    xlsx_open,
    xlsx_rows,
    xlsx_sheet,
)
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
from reporting.workbook.layout import (
    DATA_SHEETS,
    FIRST_ROW,
    HEADER_ROW,
    META_VALUE_COLUMN,
    NARRATIVE_COLUMNS,
    NARRATIVE_SECTIONS,
    ROW_REPORT_ID,
    ROW_VERSION,
    SHEET_NARRATIVE,
    SHEET_TASKS,
    SHEET_VALUES,
    TASK_COLUMNS,
    VALUE_COLUMNS,
    Column,
    column_number,
    indicator_keys,
)
from targets.models import Indicator, Measure


@dataclass
class _Sheet:
    name: str
    rows: list[list[Cell]]  # rows[0] is row 1; each row MAX_COLUMNS wide

    def cell(self, row: int, column: int) -> Cell:
        if row - 1 < len(self.rows):
            return self.rows[row - 1][column - 1]
        return _EMPTY


_EMPTY = Cell(None)


def _at(sheet: str, row: int, column: int, last_column: int | None = None) -> str:
    return str(Place(sheet, row, column, last_column=last_column))


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}"


def _guarded_bytes(file: WorkbookSource) -> bytes:
    """The upload's bytes once portal.xlsx's size and zip-bomb guards pass."""
    try:
        return xlsx_bytes(file)
    except XlsxRefused as exc:
        raise ValidationError([exc.message]) from exc


def _load_sheets(raw: bytes) -> dict[str, _Sheet]:
    """The data sheets as plain cells, each bounded in rows and columns; missing ones refused."""
    try:
        wb = xlsx_open(raw)
    except XlsxRefused as exc:
        raise ValidationError(exc.message) from exc
    problems: list[str] = []
    sheets: dict[str, _Sheet] = {}
    try:
        for name in DATA_SHEETS:
            ws = xlsx_sheet(wb, name)
            if ws is None:
                problems.append(_problem(str(Place(name)),
                                         _("không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
                                           "Hãy dùng mẫu tải từ cổng.")))
                continue
            sheet = _read_sheet(ws, name)
            if sheet is None:
                problems.append(_problem(str(Place(name)),
                                         _("có hơn %(max)s dòng dữ liệu (kể cả dòng trống có định dạng); "
                                           "hãy xoá các dòng thừa hoặc tải mẫu mới.")
                                         % {"max": vn_number(MAX_DATA_ROWS)}))
                continue
            sheets[name] = sheet
    except Exception as exc:  # a sheet's XML broken half-way through
        raise ValidationError(xlsx_damaged().message) from exc
    finally:
        wb.close()
    if problems:
        raise ValidationError(problems)
    return sheets


def _read_sheet(ws: Any, name: str) -> _Sheet | None:
    """The sheet's cells, or None if it is longer than the bound."""
    rows: list[list[Cell]] = []
    try:
        for row in xlsx_rows(ws, max_rows=FIRST_ROW - 1 + MAX_DATA_ROWS):
            cells = [Cell(getattr(c, "value", None), number_format=getattr(c, "number_format", None) or "General",
                          data_type=getattr(c, "data_type", "n") or "n") for c in row]
            rows.append(cells + [_EMPTY] * (MAX_COLUMNS - len(cells)))
    except TooManyRows:
        return None
    return _Sheet(name, rows)


def _int(cell: Cell) -> int | None:
    """A header cell's whole number (the report id, its version), or None: never an error."""
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
                refusal = cell_refusal(cell.value, cell.data_type)
                if refusal is not None:
                    self.add(sheet.name, row_number, column, refusal)
                    bad.add((row_number, column))
        return bad

    def headers(self, sheet: _Sheet, columns: Sequence[Column]) -> bool:
        ok = True
        for index, column in enumerate(columns, 1):
            found = raw_text(sheet.cell(HEADER_ROW, index).value)
            if fold(found) != fold(column.header):
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
            key = nfc(raw_text(sheet.cell(row, 1).value))
            if key:
                found.append((row, key))
                continue
            for name in inputs:
                column = column_number(columns, name)
                if not is_blank(sheet.cell(row, column).value) or (row, column) in bad:
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
        except CellError as exc:
            self.add(sheet.name, row, column, str(exc))
            return None

    def values(self) -> dict[int, ValueInput]:
        sheet = self.sheets[SHEET_VALUES]
        bad = self.scan(sheet)
        if not self.headers(sheet, VALUE_COLUMNS):
            return {}
        c = {col.key: column_number(VALUE_COLUMNS, col.key) for col in VALUE_COLUMNS}
        keys = indicator_keys(self.rows.indicators)
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

            def number(cell: Cell) -> Decimal | None:
                return cell_decimal(cell, **number_spec)

            item = ValueInput(
                numerator=self.cell(sheet, row, c["numerator"], bad, number),
                denominator=self.cell(sheet, row, c["denominator"], bad, number),
                value=self.cell(sheet, row, c["value"], bad, number),
                comment=self.cell(sheet, row, c["comment"], bad, cell_text) or "",
                source=self.cell(sheet, row, c["source"], bad,
                                 lambda cell: cell_text(cell, max_length=source_length)) or "",
            )
            result[indicator.pk] = item
            # The service's errors on this indicator point at its number cells: the ones it
            # expects, and any grey one that was filled anyway.
            expected = ["numerator", "denominator"] if indicator.measure == Measure.PERCENT else ["value"]
            used = [k for k in ("numerator", "denominator", "value")
                    if k in expected or not is_blank(sheet.cell(row, c[k]).value)]
            self.places[f"value-{indicator.pk}"] = _at(sheet.name, row, c[used[0]], c[used[-1]])
        return result

    def progress(self) -> dict[int, ProgressInput]:
        sheet = self.sheets[SHEET_TASKS]
        bad = self.scan(sheet)
        if not self.headers(sheet, TASK_COLUMNS):
            return {}
        c = {col.key: column_number(TASK_COLUMNS, col.key) for col in TASK_COLUMNS}
        tasks: dict[int, Task] = {t.pk: t for t in self.rows.tasks}
        statuses = {}
        for code, label in choice_labels(TaskStatus):
            statuses[fold(label)] = code
            statuses[fold(code)] = code
        choices = ", ".join(label for _code, label in choice_labels(TaskStatus))
        quantity_spec = _decimal_spec(TaskProgress, "output_quantity")

        def status(cell: Cell) -> str:
            text = cell_text(cell)
            if not text:
                return ""
            if fold(text) not in statuses:
                raise CellError(_("Tình trạng “%(value)s” không có trong danh sách; chọn một trong: %(choices)s.")
                                 % {"value": text, "choices": choices})
            return statuses[fold(text)]

        def quantity(cell: Cell) -> Decimal | None:
            return cell_decimal(cell, **quantity_spec)

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
                narrative=self.cell(sheet, row, c["narrative"], bad, cell_text) or "",
            )
            self.places[f"task-{task_id}"] = _at(sheet.name, row, c["status"], c["output_quantity"])
        return result

    def narrative(self) -> dict[str, str]:
        sheet = self.sheets[SHEET_NARRATIVE]
        bad = self.scan(sheet)
        if not self.headers(sheet, NARRATIVE_COLUMNS):
            return {}
        c = {col.key: column_number(NARRATIVE_COLUMNS, col.key) for col in NARRATIVE_COLUMNS}
        known = dict(NARRATIVE_SECTIONS)
        result: dict[str, str] = {}
        for row, key in self.data_rows(sheet, NARRATIVE_COLUMNS, ("text",), bad, _("mã mục")):
            if key not in known or key in result:
                self.add(sheet.name, row, c["key"], _("mục “%(key)s” không có trong mẫu hoặc bị lặp; hãy tải "
                                                      "mẫu mới.") % {"key": key})
                continue
            result[key] = self.cell(sheet, row, c["text"], bad, cell_text) or ""
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
