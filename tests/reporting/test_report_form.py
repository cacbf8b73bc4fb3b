"""Issue 13, the reporter's form says what to enter: this quarter's figure or the figure at the
end of the quarter (from how the indicator adds up), last quarter's figures beside the field,
whole numbers for counts, and a manual save that fails says so at the top of the page."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from reporting.models import IndicatorValue, ReportingPeriod, UnitReport
from reporting.services import unit_reports as services
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from tests.conftest import World, login
from tests.reporting.test_report_pages import _data, _ids, _report_url, _window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "media")]


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _page(world: World, report: UnitReport) -> str:
    return _plain(login(world.reporter_a).get(_report_url(report)).content.decode())


def _plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _block(html: str, indicator_id: int) -> str:
    """The text of one indicator's fieldset."""
    match = re.search(rf'<fieldset[^>]*id="value-{indicator_id}".*?</fieldset>', html, re.S)
    assert match, f"no block for indicator {indicator_id}"
    return _plain(match.group(0))


def test_each_indicator_says_what_to_enter(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    adults, news = _ids()
    html = login(world.reporter_a).get(_report_url(report_a)).content.decode()
    # A flow (articles published, summed over the quarters): this quarter's own figure.
    assert "Nhập số liệu phát sinh trong quý I năm 2026 (chỉ riêng quý này" in _block(html, news)
    # A stock (adults with digital skills, the latest value): the figure at the quarter's end.
    assert "Nhập tử số và mẫu số tính đến hết quý I năm 2026 (lũy kế từ đầu năm" in _block(html, adults)
    # The hint is read out with the fields it is about.
    field = re.search(rf'<input[^>]*name="value-{news}-value"[^>]*>', html)
    assert field and f"value-{news}-hint" in field.group(0)


def test_last_quarters_figures_are_shown_beside_the_fields(world: World, report_a: UnitReport,
                                                           q1: ReportingPeriod) -> None:
    adults, news = _ids()
    # Q1's own page: nothing was sent for Q4 of the year before.
    _window(q1)
    first = login(world.reporter_a).get(_report_url(report_a)).content.decode()
    assert "Quý trước (Quý IV năm 2025): chưa có số liệu đã gửi" in _block(first, news)
    today = timezone.localdate()  # inside the window just set
    data = ReportInput(values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900)),
                               news: ValueInput(value=Decimal(75))},
                       progress={world.task_a.pk: ProgressInput(status="in_progress")})
    saved = services.unit_report_save(report=report_a, actor=world.reporter_a, version=report_a.version, data=data,
                                      today=today).report
    services.unit_report_submit(report=saved, actor=world.reporter_a, version=saved.version, today=today)
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    _window(q2)
    report_q2 = services.unit_report_open(period=q2, unit=world.unit_a)
    html = login(world.reporter_a).get(_report_url(report_q2)).content.decode()
    assert "Quý trước (Quý I năm 2026): 450/900 (50,0 %)" in _block(html, adults)
    assert "Quý trước (Quý I năm 2026): 75 tin, bài" in _block(html, news)


def test_half_a_count_is_refused_with_a_vietnamese_error(world: World, report_a: UnitReport,
                                                         q1: ReportingPeriod) -> None:
    _window(q1)
    _adults, news = _ids()
    response = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, news="12,5"))
    html = response.content.decode()
    message = "Giá trị: phải là số nguyên, không nhập được 12,5 tin, bài."
    assert message in _block(html, news), "beside the field"
    summary = re.search(r'<div[^>]*id="save-problems".*?</div>', html, re.S)
    assert summary and f"Tin, bài tuyên truyền: {message}" in _plain(summary.group(0)), "and on top"
    assert not IndicatorValue.objects.filter(report=report_a).exists()
    report_a.refresh_from_db()
    assert report_a.version == 1


@pytest.mark.parametrize(("numerator", "expected"), [
    ("900", "Người dân có kỹ năng số cơ bản: Tử số không được lớn hơn mẫu số."),  # the service refuses
    ("nhiều", "Người dân có kỹ năng số cơ bản — Tử số: Số người trưởng thành có kỹ năng số cơ bản:"),  # the form
])
def test_a_failed_manual_save_says_so_at_the_top(world: World, report_a: UnitReport, q1: ReportingPeriod,
                                                 numerator: str, expected: str) -> None:
    _window(q1)
    response = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, numerator=numerator,
                                                                         denominator="450"))
    html = response.content.decode()
    summary = re.search(r'<div[^>]*id="save-problems".*?</div>', html, re.S)
    assert summary, "a failed save is announced above the form"
    text = _plain(summary.group(0))
    assert text.startswith("Chưa lưu được báo cáo, cần sửa:") and expected in text
    assert html.index('id="save-problems"') < html.index('id="values-heading"')
    assert not IndicatorValue.objects.filter(report=report_a).exists()


def test_a_page_that_saved_shows_no_failure(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    client = login(world.reporter_a)
    response = client.post(_report_url(report_a), _data(world, 1), follow=True)
    assert 'id="save-problems"' not in response.content.decode()
    assert IndicatorValue.objects.filter(report=report_a).count() == 2
