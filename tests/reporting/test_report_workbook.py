"""The unit report's Excel template: write, fill with openpyxl, read and import; the views."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.models import AuditEntry
from portal.errors import ConflictError
from portal.scoping import scopes_disabled
from reporting.deadlines import local_today
from reporting.models import IndicatorValue, ReportingPeriod, ReportState, TaskProgress, UnitReport
from reporting.services import unit_reports as services
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from reporting.workbook.read import (
    report_workbook_import,
    report_workbook_read,
    report_workbook_warnings,
)
from reporting.workbook.write import report_workbook_write
from targets.models import Indicator
from tests.conftest import World, login
from tests.reporting.conftest import IN_WINDOW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Helpers ------------------------------------------------------------------------------


def _ids() -> tuple[int, int]:
    adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
    return adults, news


def _book(report: UnitReport) -> Workbook:
    return load_workbook(io.BytesIO(report_workbook_write(report=report)))


def _bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _row(ws: Worksheet, key: Any) -> int:
    for row in range(8, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == key:
            return row
    raise AssertionError(f"no row with key {key!r} in {ws.title}")


def _fill(wb: Workbook, world: World) -> None:
    """What a reporter types: a percentage as counts, a count, a task's progress, narrative."""
    values = wb["Chỉ số"]
    adults = _row(values, "ADULTS_DIGITAL_SKILLS")
    values[f"F{adults}"] = 450
    values[f"G{adults}"] = "900"
    values[f"I{adults}"] = "Theo rà soát tháng 3"
    values[f"J{adults}"] = "Rà soát của các thôn"
    values[f"H{_row(values, 'NEWS_ARTICLES')}"] = "1250,0"
    tasks = wb["Nhiệm vụ"]
    task = _row(tasks, world.task_a.pk)
    tasks[f"F{task}"] = "Đang triển khai"
    tasks[f"G{task}"] = 3
    tasks[f"H{task}"] = "Đã tổ chức 3 buổi hướng dẫn"
    narrative = wb["Thuyết minh"]
    narrative[f"D{_row(narrative, 'highlights')}"] = "Tổ chức 12 buổi học cộng đồng"
    narrative[f"D{_row(narrative, 'difficulties')}"] = "Thiếu thiết bị"
    narrative[f"D{_row(narrative, 'proposals')}"] = "Bổ sung máy tính"


def _import(report: UnitReport, world: World, wb: Workbook | bytes, today: date = IN_WINDOW) -> Any:
    content = wb if isinstance(wb, bytes) else _bytes(wb)
    return report_workbook_import(report=report, file=io.BytesIO(content), actor=world.reporter_a, today=today)


def _assert_nothing_saved(report: UnitReport) -> None:
    report.refresh_from_db()
    assert report.version == 1
    assert not IndicatorValue.objects.filter(report=report).exists()
    assert not TaskProgress.objects.filter(report=report).exists()
    assert (report.highlights, report.difficulties, report.proposals) == ("", "", "")
    assert not AuditEntry.objects.filter(action="report.save", target_id=report.pk).exists()


def _open_window_today(period: ReportingPeriod) -> None:
    """The views call the service without ``today``: open the period around the real date."""
    today = local_today()
    with scopes_disabled():
        ReportingPeriod.objects.filter(pk=period.pk).update(
            opens_on=today - timedelta(days=5), unit_deadline=today + timedelta(days=5),
            commune_deadline=today + timedelta(days=10), locks_on=today + timedelta(days=20))


# --- Writing ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_template_has_the_units_indicators_tasks_and_narrative(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    assert wb.sheetnames == ["Hướng dẫn", "Chỉ số", "Nhiệm vụ", "Thuyết minh"]
    for name in ("Chỉ số", "Nhiệm vụ", "Thuyết minh"):
        ws = wb[name]
        assert (ws["D2"].value, ws["D3"].value) == (report_a.pk, 1)
        assert ws["D4"].value == world.unit_a.name and ws["D5"].value == "Quý I năm 2026"
        assert ws.column_dimensions["A"].hidden and ws.protection.sheet
    values = wb["Chỉ số"]
    assert [values.cell(row=7, column=c).value for c in range(1, 11)] == [
        "Mã chỉ số", "STT", "Chỉ số", "Đơn vị tính", "Loại số liệu", "Tử số", "Mẫu số", "Giá trị", "Ghi chú",
        "Nguồn số liệu"]
    adults, news = _row(values, "ADULTS_DIGITAL_SKILLS"), _row(values, "NEWS_ARTICLES")
    assert values[f"E{adults}"].value == "Tỷ lệ phần trăm" and values[f"E{news}"].value == "Số lượng"
    grey = "00BFBFBF"
    assert values[f"H{adults}"].fill.fgColor.rgb == grey and values[f"F{adults}"].fill.fgColor.rgb != grey
    assert values[f"F{news}"].fill.fgColor.rgb == grey and values[f"G{news}"].fill.fgColor.rgb == grey
    assert values[f"H{news}"].fill.fgColor.rgb != grey
    assert not values[f"F{adults}"].protection.locked and values[f"H{adults}"].protection.locked
    tasks = wb["Nhiệm vụ"]
    row = _row(tasks, world.task_a.pk)
    assert tasks[f"C{row}"].value == world.task_a.title and tasks[f"D{row}"].value == world.unit_a.name
    assert tasks[f"E{row}"].value == "Thường xuyên"
    dropdown = next(dv for dv in tasks.data_validations.dataValidation if dv.type == "list")
    assert dropdown.formula1 == '"Chưa triển khai,Đang triển khai,Hoàn thành,Chậm tiến độ"'
    assert f"F{row}" in str(dropdown.sqref)
    narrative = wb["Thuyết minh"]
    assert [narrative.cell(row=r, column=3).value for r in (8, 9, 10)] == [
        "Kết quả nổi bật", "Khó khăn, vướng mắc", "Đề xuất, kiến nghị"]


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_template_is_prefilled_with_the_current_draft(world: World, report_a: UnitReport) -> None:
    adults, news = _ids()
    services.unit_report_save(report=report_a, actor=world.reporter_a, version=1, today=IN_WINDOW, data=ReportInput(
        values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900), source="Rà soát"),
                news: ValueInput(value=Decimal(12))},
        progress={world.task_a.pk: ProgressInput(status="done", output_quantity=Decimal(4))},
        proposals="Bổ sung máy tính"))
    report_a.refresh_from_db()
    wb = _book(report_a)
    values = wb["Chỉ số"]
    row = _row(values, "ADULTS_DIGITAL_SKILLS")
    assert (values[f"F{row}"].value, values[f"G{row}"].value, values[f"J{row}"].value) == (450, 900, "Rà soát")
    assert values[f"H{_row(values, 'NEWS_ARTICLES')}"].value == 12
    tasks = wb["Nhiệm vụ"]
    row = _row(tasks, world.task_a.pk)
    assert (tasks[f"F{row}"].value, tasks[f"G{row}"].value) == ("Hoàn thành", 4)
    assert wb["Thuyết minh"]["D10"].value == "Bổ sung máy tính"
    assert values["D3"].value == 2

    # Uploading the untouched template changes nothing and audits nothing.
    _import(report_a, world, wb)
    report_a.refresh_from_db()
    assert report_a.version == 2
    assert AuditEntry.objects.filter(action="report.save", target_id=report_a.pk).count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_text_that_looks_like_a_formula_is_written_as_text_and_reads_back(world: World,
                                                                          report_a: UnitReport) -> None:
    adults, _news = _ids()
    services.unit_report_save(report=report_a, actor=world.reporter_a, version=1, today=IN_WINDOW, data=ReportInput(
        values={adults: ValueInput(comment="=HYPERLINK(\"http://x\")")}))
    report_a.refresh_from_db()
    data = report_workbook_read(report=report_a, file=report_workbook_write(report=report_a))
    assert data.values[adults].comment == "=HYPERLINK(\"http://x\")"


# --- Reading and importing ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_round_trip_saves_values_progress_narrative_and_audits(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    result = _import(report_a, world, wb)
    assert result.report.version == 2
    adults, news = _ids()
    value = IndicatorValue.objects.get(report=report_a, indicator_id=adults)
    assert (value.numerator, value.denominator, value.value) == (Decimal(450), Decimal(900), None)
    assert (value.comment, value.source) == ("Theo rà soát tháng 3", "Rà soát của các thôn")
    assert IndicatorValue.objects.get(report=report_a, indicator_id=news).value == Decimal(1250)
    progress = TaskProgress.objects.get(report=report_a, task=world.task_a)
    assert (progress.status, progress.output_quantity, progress.narrative) == (
        "in_progress", Decimal(3), "Đã tổ chức 3 buổi hướng dẫn")
    report_a.refresh_from_db()
    assert (report_a.highlights, report_a.difficulties, report_a.proposals) == (
        "Tổ chức 12 buổi học cộng đồng", "Thiếu thiết bị", "Bổ sung máy tính")
    entry = AuditEntry.objects.get(action="report.save", target_id=report_a.pk)
    assert entry.actor == world.reporter_a
    assert entry.changes["ADULTS_DIGITAL_SKILLS"]["numerator"] == [None, "450"]
    assert entry.changes["NEWS_ARTICLES"]["value"] == [None, "1250"]
    assert entry.changes["highlights"] == ["", "Tổ chức 12 buổi học cộng đồng"]


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_clearing_a_cell_clears_the_value(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    _import(report_a, world, wb)
    report_a.refresh_from_db()
    wb = _book(report_a)
    values = wb["Chỉ số"]
    values[f"J{_row(values, 'ADULTS_DIGITAL_SKILLS')}"] = None
    values[f"H{_row(values, 'NEWS_ARTICLES')}"] = None
    _import(report_a, world, wb)
    adults, news = _ids()
    assert IndicatorValue.objects.get(report=report_a, indicator_id=adults).source == ""
    assert IndicatorValue.objects.get(report=report_a, indicator_id=news).value is None


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
@pytest.mark.parametrize(("typed", "expected"), [
    ("12,5", Decimal("12.5")), ("12.5", Decimal("12.5")), (" 1 500 ", Decimal(1500)), (12.25, Decimal("12.25")),
    ("0", Decimal(0)), ("", None),
])
def test_numbers_take_a_comma_or_a_point(world: World, report_a: UnitReport, typed: Any,
                                         expected: Decimal | None) -> None:
    wb = _book(report_a)
    values = wb["Chỉ số"]
    values[f"H{_row(values, 'NEWS_ARTICLES')}"] = typed
    _adults, news = _ids()
    assert report_workbook_read(report=report_a, file=_bytes(wb)).values[news].value == expected


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_decomposed_text_is_stored_composed(world: World, report_a: UnitReport) -> None:
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    wb = _book(report_a)
    values = wb["Chỉ số"]
    values[f"J{_row(values, 'ADULTS_DIGITAL_SKILLS')}"] = nfd("Rà soát của thôn Đồng Tâm")
    tasks = wb["Nhiệm vụ"]
    row = _row(tasks, world.task_a.pk)
    tasks[f"F{row}"] = nfd("hoàn thành")  # a typed label: decomposed, lower case
    tasks[f"H{row}"] = nfd("Đã hướng dẫn người dân cài đặt VNeID")
    wb["Thuyết minh"]["D8"] = nfd("Kết quả nổi bật của quý")
    assert unicodedata.is_normalized("NFD", wb["Thuyết minh"]["D8"].value)
    _import(report_a, world, wb)
    adults, _news = _ids()
    source = IndicatorValue.objects.get(report=report_a, indicator_id=adults).source
    assert source == "Rà soát của thôn Đồng Tâm" and unicodedata.is_normalized("NFC", source)
    progress = TaskProgress.objects.get(report=report_a, task=world.task_a)
    assert progress.status == "done"
    assert progress.narrative == unicodedata.normalize("NFC", "Đã hướng dẫn người dân cài đặt VNeID")
    report_a.refresh_from_db()
    assert report_a.highlights == "Kết quả nổi bật của quý"
    assert unicodedata.is_normalized("NFC", report_a.highlights)


# The bad-workbook corpus: (how to spoil a filled-in template, the exact problems). Rows are
# found by key, so each case says which cell it means.
Spoil = Callable[[Workbook, World], list[str]]


def _values_cell(wb: Workbook, code: str, column: str, value: Any) -> str:
    ws = wb["Chỉ số"]
    cell = f"{column}{_row(ws, code)}"
    ws[cell] = value
    return cell


def _text_in_number(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "ADULTS_DIGITAL_SKILLS", "F", "khoảng 400")
    return [f"Trang “Chỉ số”, ô {cell}: “khoảng 400” không phải là số."]


def _negative(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "NEWS_ARTICLES", "H", -5)
    return [f"Trang “Chỉ số”, ô {cell}: Giá trị không được âm."]


def _numerator_over_denominator(wb: Workbook, world: World) -> list[str]:
    row = _row(wb["Chỉ số"], "ADULTS_DIGITAL_SKILLS")
    wb["Chỉ số"][f"F{row}"] = 901
    return [f"Trang “Chỉ số”, ô F{row}:G{row}: Tử số không được lớn hơn mẫu số."]


def _half_a_count(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "NEWS_ARTICLES", "H", "12,5")
    return [f"Trang “Chỉ số”, ô {cell}: Giá trị: phải là số nguyên, không nhập được 12,5 tin, bài."]


def _value_in_a_grey_cell(wb: Workbook, world: World) -> list[str]:
    row = _row(wb["Chỉ số"], "ADULTS_DIGITAL_SKILLS")
    wb["Chỉ số"][f"H{row}"] = 50
    return [f"Trang “Chỉ số”, ô F{row}:H{row}: Chỉ số tỷ lệ nhập tử số và mẫu số, không nhập giá trị."]


def _unknown_status(wb: Workbook, world: World) -> list[str]:
    ws = wb["Nhiệm vụ"]
    row = _row(ws, world.task_a.pk)
    ws[f"F{row}"] = "Xong rồi"
    return [f"Trang “Nhiệm vụ”, ô F{row}: Tình trạng “Xong rồi” không có trong danh sách; chọn một trong: "
            "Chưa triển khai, Đang triển khai, Hoàn thành, Chậm tiến độ."]


def _formula(wb: Workbook, world: World) -> list[str]:
    row = _row(wb["Chỉ số"], "ADULTS_DIGITAL_SKILLS")
    wb["Chỉ số"][f"G{row}"] = f"=F{row}*2"
    return [f"Trang “Chỉ số”, ô G{row}: Ô có công thức (=F{row}*2); cổng không nhận công thức. Hãy thay bằng "
            "giá trị (Sao chép → Dán giá trị)."]


def _missing_sheet(wb: Workbook, world: World) -> list[str]:
    del wb["Thuyết minh"]
    return ["Trang “Thuyết minh”: không tìm thấy trang này trong tệp (trang bị xoá hoặc đổi tên). "
            "Hãy dùng mẫu tải từ cổng."]


def _thousands_separator(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "NEWS_ARTICLES", "H", "1.500")
    return [f"Trang “Chỉ số”, ô {cell}: “1.500” không rõ là số thập phân hay có dấu phân cách hàng nghìn; hãy "
            "ghi số không có dấu phân cách hàng nghìn (ví dụ 1000 hoặc 1,5)."]


def _three_decimals(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "NEWS_ARTICLES", "H", 2.125)
    return [f"Trang “Chỉ số”, ô {cell}: Số có quá 2 chữ số thập phân."]


def _percentage_typed(wb: Workbook, world: World) -> list[str]:
    cell = _values_cell(wb, "ADULTS_DIGITAL_SKILLS", "F", "50%")
    return [f"Trang “Chỉ số”, ô {cell}: “50%”: hãy nhập số lượng, không nhập tỷ lệ phần trăm."]


def _unknown_indicator(wb: Workbook, world: World) -> list[str]:
    ws = wb["Chỉ số"]
    row = _row(ws, "NEWS_ARTICLES")
    ws[f"A{row}"] = "BROADCASTS"
    return [f"Trang “Chỉ số”, ô A{row}: mã chỉ số “BROADCASTS” không thuộc báo cáo này trong kỳ; hãy tải mẫu mới."]


def _added_row(wb: Workbook, world: World) -> list[str]:
    ws = wb["Nhiệm vụ"]
    row = ws.max_row + 1
    ws[f"C{row}"] = "Nhiệm vụ tự thêm"
    ws[f"F{row}"] = "Hoàn thành"
    return [f"Trang “Nhiệm vụ”, ô F{row}: dòng này không có mã nhiệm vụ ở cột A (cột ẩn) nên không biết thuộc "
            "mục nào. Không thêm dòng mới vào mẫu; nếu danh sách đã thay đổi, hãy tải mẫu mới."]


def _moved_column(wb: Workbook, world: World) -> list[str]:
    wb["Nhiệm vụ"].insert_cols(6)
    return ["Trang “Nhiệm vụ”, ô F7: cột này phải là “Tình trạng” (đang là “”). Không chèn, xoá hay đổi chỗ cột; "
            "hãy tải mẫu mới.",
            "Trang “Nhiệm vụ”, ô G7: cột này phải là “Số lượng sản phẩm đạt được” (đang là “Tình trạng”). Không "
            "chèn, xoá hay đổi chỗ cột; hãy tải mẫu mới.",
            "Trang “Nhiệm vụ”, ô H7: cột này phải là “Kết quả thực hiện” (đang là “Số lượng sản phẩm đạt được”). "
            "Không chèn, xoá hay đổi chỗ cột; hãy tải mẫu mới."]


def _too_many_rows(wb: Workbook, world: World) -> list[str]:
    wb["Chỉ số"].cell(row=6000, column=3, value="x")
    return ["Trang “Chỉ số”: có hơn 5.000 dòng dữ liệu (kể cả dòng trống có định dạng); hãy xoá các dòng thừa "
            "hoặc tải mẫu mới."]


def _several(wb: Workbook, world: World) -> list[str]:
    # Every problem of the file at once, in sheet and row order.
    return _text_in_number(wb, world) + _unknown_status(wb, world)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
@pytest.mark.parametrize("spoil", [
    _text_in_number, _negative, _half_a_count, _numerator_over_denominator, _value_in_a_grey_cell, _unknown_status,
    _formula,
    _missing_sheet, _thousands_separator, _three_decimals, _percentage_typed, _unknown_indicator, _added_row,
    _moved_column, _too_many_rows, _several,
], ids=lambda f: f.__name__.strip("_"))
def test_bad_workbook_is_refused_naming_sheet_and_cell(world: World, report_a: UnitReport, spoil: Spoil) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    expected = spoil(wb, world)
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, wb)
    assert caught.value.messages == expected
    _assert_nothing_saved(report_a)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_workbook_of_another_report_is_refused(world: World, report_a: UnitReport) -> None:
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    other = services.unit_report_open(period=q2, unit=world.unit_a)
    wb = _book(other)
    _fill(wb, world)
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, wb)
    assert caught.value.messages == [
        f"Trang “Chỉ số”, ô D2: tệp này là mẫu của một báo cáo khác (mã {other.pk}), không phải báo cáo đang mở "
        f"(mã {report_a.pk}). Không có gì được lưu. Hãy tải mẫu Excel của đúng báo cáo này."]
    _assert_nothing_saved(report_a)
    _assert_nothing_saved(other)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_workbook_made_from_an_older_version_is_a_conflict(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)  # version 1
    adults, _news = _ids()
    services.unit_report_save(report=report_a, actor=world.admin_a, version=1, today=IN_WINDOW, data=ReportInput(
        values={adults: ValueInput(numerator=Decimal(100), denominator=Decimal(200))}))
    report_a.refresh_from_db()
    _fill(wb, world)
    with pytest.raises(ConflictError) as caught:
        _import(report_a, world, wb)
    assert str(caught.value) == (
        "Báo cáo đã được cập nhật sau khi tải mẫu này (mẫu lập từ phiên bản 1, báo cáo hiện ở phiên bản 2). "
        "Không có gì được lưu. Hãy tải mẫu Excel mới, nhập lại số liệu rồi tải lên.")
    report_a.refresh_from_db()
    assert report_a.version == 2
    value = IndicatorValue.objects.get(report=report_a, indicator_id=adults)
    assert (value.numerator, value.denominator) == (Decimal(100), Decimal(200))
    assert not TaskProgress.objects.filter(report=report_a).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_a_save_between_reading_and_saving_is_a_conflict_too(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    stale = UnitReport.objects.get(pk=report_a.pk)  # the upload loaded the report at version 1…
    adults, _news = _ids()
    services.unit_report_save(report=report_a, actor=world.admin_a, version=1, today=IN_WINDOW, data=ReportInput(
        values={adults: ValueInput(numerator=Decimal(100), denominator=Decimal(200))}))  # …then someone saved
    with pytest.raises(ConflictError, match="phiên bản 1, báo cáo hiện ở phiên bản 2"):
        _import(stale, world, wb)
    assert IndicatorValue.objects.get(report=report_a, indicator_id=adults).numerator == Decimal(100)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_oversize_file_is_refused_before_reading(world: World, report_a: UnitReport) -> None:
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, b"PK" + b"\0" * (10 * 1024 * 1024))
    assert caught.value.messages == [
        "Tệp lớn hơn 10 MB nên không nhập được. Hãy xoá bớt dữ liệu thừa rồi thử lại."]
    _assert_nothing_saved(report_a)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_zip_bomb_is_refused_before_parsing(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    buffer = io.BytesIO(_bytes(wb))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", b"\0" * (4 * 1024 * 1024))
        info = archive.getinfo("xl/media/image1.png")
    ratio = info.file_size // info.compress_size
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, buffer.getvalue())
    assert caught.value.messages == [
        f"Thành phần “xl/media/image1.png” của tệp bị nén bất thường (gấp {ratio} lần), có thể là tệp độc hại; "
        "đã từ chối để bảo vệ hệ thống."]
    _assert_nothing_saved(report_a)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_a_file_that_is_not_a_workbook_is_refused(world: World, report_a: UnitReport) -> None:
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, "Tử số;Mẫu số\n450;900\n".encode())
    assert "không phải là tệp Excel .xlsx" in caught.value.messages[0]
    _assert_nothing_saved(report_a)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_a_submitted_report_is_not_replaced_by_a_workbook(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    _import(report_a, world, wb)
    report_a.refresh_from_db()
    services.unit_report_submit(report=report_a, actor=world.reporter_a, version=report_a.version, today=IN_WINDOW)
    report_a.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, _book(report_a))
    assert caught.value.messages == ["Báo cáo đang ở trạng thái “Đã gửi” nên không nhập được từ tệp Excel."]
    assert report_a.state == ReportState.SUBMITTED


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_the_entry_window_applies(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)
    with pytest.raises(ValidationError) as caught:
        _import(report_a, world, wb, today=date(2026, 3, 28))
    assert caught.value.messages == [
        "Kỳ báo cáo đã khóa nhập liệu từ sau ngày 25/03/2026. Đề nghị xã/phường gia hạn."]
    _assert_nothing_saved(report_a)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_plausibility_warnings_come_back_with_the_indicator_name(world: World, report_a: UnitReport) -> None:
    wb = _book(report_a)
    _fill(wb, world)  # 450/900 = 50 %
    _import(report_a, world, wb)
    report_a.refresh_from_db()
    services.unit_report_submit(report=report_a, actor=world.reporter_a, version=report_a.version, today=IN_WINDOW)
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    current = services.unit_report_open(period=q2, unit=world.unit_a)
    wb = _book(current)
    values = wb["Chỉ số"]
    row = _row(values, "ADULTS_DIGITAL_SKILLS")
    values[f"F{row}"], values[f"G{row}"] = 300, 900
    result = _import(current, world, wb, today=date(2026, 6, 1))
    assert report_workbook_warnings(result=result) == [
        "Chỉ số “Người dân có kỹ năng số cơ bản”: Tỷ lệ giảm so với quý trước (50.0% → 33.3%): kiểm tra lại số liệu."]


# --- Views --------------------------------------------------------------------------------


def _template_url(report: UnitReport) -> str:
    return reverse("report_template_xlsx", kwargs={"report_pk": report.pk})


def _upload_url(report: UnitReport) -> str:
    return reverse("report_upload_xlsx", kwargs={"report_pk": report.pk})


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reporter_a", "admin_a", "viewer_a", "reviewer_p"])
def test_template_downloads_for_the_unit_and_its_commune(world: World, who: str) -> None:
    response = login(getattr(world, who)).get(_template_url(world.report_a))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-q1-2026-to-an-danh-so-mot.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["Chỉ số"]["D2"].value == world.report_a.pk


@pytest.mark.django_db
def test_reporter_of_another_unit_gets_404_on_both(world: World) -> None:
    client = login(world.reporter_a2)
    assert client.get(_template_url(world.report_a)).status_code == 404
    assert client.get(_upload_url(world.report_a)).status_code == 404
    content = _bytes(_book_in_scope(world.report_a))
    response = client.post(_upload_url(world.report_a), {"file": _upload(content)})
    assert response.status_code == 404


@pytest.mark.django_db
def test_commune_admins_do_not_fill_reports(world: World) -> None:
    assert login(world.admin_a).get(_upload_url(world.report_a)).status_code == 404
    assert login(world.viewer_a).get(_upload_url(world.report_a)).status_code == 404


def _book_in_scope(report: UnitReport) -> Workbook:
    with scopes_disabled():
        return _book(report)


def _upload(content: bytes, name: str = "bao-cao.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.mark.django_db
def test_upload_page_shows_the_form(world: World) -> None:
    response = login(world.reporter_a).get(_upload_url(world.report_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert _template_url(world.report_a) in body and 'type="file"' in body


@pytest.mark.django_db
def test_upload_saves_the_draft_and_says_so(world: World) -> None:
    _open_window_today(world.period_a)
    wb = _book_in_scope(world.report_a)
    values = wb["Chỉ số"]
    row = _row(values, "ADULTS_DIGITAL_SKILLS")
    values[f"F{row}"], values[f"G{row}"] = 450, 900
    response = login(world.reporter_a).post(_upload_url(world.report_a), {"file": _upload(_bytes(wb))})
    assert response.status_code == 302
    try:  # the report page, once it exists; the upload page until then
        expected = reverse("report_detail", kwargs={"report_pk": world.report_a.pk})
    except NoReverseMatch:
        expected = _upload_url(world.report_a)
    assert response["Location"] == expected
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Đã nhập số liệu từ tệp Excel và lưu bản nháp báo cáo."]
    with scopes_disabled():
        value = IndicatorValue.objects.get(report=world.report_a, indicator=world.target_a.indicator)
        assert (value.numerator, value.denominator) == (Decimal(450), Decimal(900))
        world.report_a.refresh_from_db()
        assert world.report_a.version == 2


@pytest.mark.django_db
def test_upload_with_problems_answers_400_and_saves_nothing(world: World) -> None:
    _open_window_today(world.period_a)
    wb = _book_in_scope(world.report_a)
    values = wb["Chỉ số"]
    row = _row(values, "ADULTS_DIGITAL_SKILLS")
    values[f"F{row}"], values[f"G{row}"] = "nhiều", 900
    response = login(world.reporter_a).post(_upload_url(world.report_a), {"file": _upload(_bytes(wb))})
    assert response.status_code == 400
    assert f"Trang “Chỉ số”, ô F{row}: “nhiều” không phải là số." in response.content.decode()
    with scopes_disabled():
        _assert_nothing_saved(world.report_a)


@pytest.mark.django_db
def test_upload_without_a_file_answers_400(world: World) -> None:
    response = login(world.reporter_a).post(_upload_url(world.report_a), {})
    assert response.status_code == 400
    assert "Hãy chọn tệp Excel đã điền để tải lên." in response.content.decode()


@pytest.mark.django_db
def test_upload_of_a_stale_workbook_answers_409(world: World) -> None:
    _open_window_today(world.period_a)
    wb = _book_in_scope(world.report_a)
    with scopes_disabled():
        adults, _news = _ids()
        services.unit_report_save(report=world.report_a, actor=world.admin_a, version=1, data=ReportInput(
            values={adults: ValueInput(numerator=Decimal(1), denominator=Decimal(2))}))
    response = login(world.reporter_a).post(_upload_url(world.report_a), {"file": _upload(_bytes(wb))})
    assert response.status_code == 409
    assert "Hãy tải mẫu Excel mới" in response.content.decode()


@pytest.mark.django_db
def test_upload_success_message_lists_the_warnings(world: World) -> None:
    with scopes_disabled():
        adults, _news = _ids()
        services.unit_report_save(report=world.report_a, actor=world.reporter_a, version=1, today=IN_WINDOW,
                                  data=ReportInput(
                                      values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900))},
                                      progress={world.task_a.pk: ProgressInput(status="done")}))
        services.unit_report_submit(report=world.report_a, actor=world.reporter_a, version=2, today=IN_WINDOW)
        q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
        current = services.unit_report_open(period=q2, unit=world.unit_a)
    _open_window_today(q2)
    wb = _book_in_scope(current)
    values = wb["Chỉ số"]
    row = _row(values, "ADULTS_DIGITAL_SKILLS")
    values[f"F{row}"], values[f"G{row}"] = 300, 900
    response = login(world.reporter_a).post(_upload_url(current), {"file": _upload(_bytes(wb))})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Đã nhập số liệu từ tệp Excel và lưu bản nháp báo cáo. Cần kiểm tra lại: Chỉ số “Người dân có kỹ năng số "
        "cơ bản”: Tỷ lệ giảm so với quý trước (50.0% → 33.3%): kiểm tra lại số liệu."]
