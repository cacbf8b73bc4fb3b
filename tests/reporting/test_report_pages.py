"""The reporting pages through the real views: the unit report cycle, review, conflicts,
evidence, lock exceptions, ad-hoc requests, completeness, isolation and query counts.

The views call the services without ``today``, so each test moves the period's entry window
around the real current date.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.models import AuditEntry, TaskDeliverable
from reporting.models import (
    Evidence,
    IndicatorValue,
    LockException,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    TaskProgress,
    UnitReport,
)
from targets.models import Indicator, Measure, TargetGroup, TimeAggregation
from tests.conftest import World, login
from tests.factories import TargetFactory, TaskFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "media")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _window(period: ReportingPeriod, *, deadline_in: int = 5, locks_in: int = 10) -> None:
    """Put the period's entry window around today: opened a month ago, locking in ``locks_in`` days."""
    today = timezone.localdate()
    ReportingPeriod.objects.filter(pk=period.pk).update(
        opens_on=today - timedelta(days=40), unit_deadline=today + timedelta(days=deadline_in),
        commune_deadline=today + timedelta(days=max(deadline_in, locks_in) + 5),
        locks_on=today + timedelta(days=locks_in))
    period.refresh_from_db()


def _ids() -> tuple[int, int]:
    adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
    return adults, news


def _data(world: World, version: int, *, numerator: str = "450", denominator: str = "900", news: str = "75",
          status: str = "in_progress", highlights: str = "Tổ chức 12 buổi học cộng đồng") -> dict[str, Any]:
    adults, news_id = _ids()
    task = world.task_a.pk
    return {
        "version": version,
        f"value-{adults}-numerator": numerator, f"value-{adults}-denominator": denominator,
        f"value-{adults}-source": "Rà soát thôn", f"value-{adults}-comment": "",
        f"value-{news_id}-value": news, f"value-{news_id}-source": "", f"value-{news_id}-comment": "",
        f"task-{task}-status": status, f"task-{task}-narrative": "Đã tổ chức 3 buổi",
        "highlights": highlights, "difficulties": "", "proposals": "",
    }


def _url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs)


def _report_url(report: UnitReport, name: str = "report_detail") -> str:
    return _url(name, report_pk=report.pk)


def _text(response: Any) -> str:
    return response.content.decode()


def _first(pattern: str, text: str, group: int = 0) -> str:
    match = re.search(pattern, text, re.S)
    assert match is not None, pattern
    return match.group(group)


def _previous_quarter(world: World, numerator: int = 600) -> None:
    """A submitted Q4 2025 report of unit A, so Q1 2026 figures get plausibility warnings."""
    from datetime import date

    q4 = ReportingPeriod.objects.create(
        plan=world.plan_a, kind=PeriodKind.QUARTERLY, year=2025, quarter=4, title="Quý IV năm 2025",
        opens_on=date(2025, 11, 15), unit_deadline=date(2025, 12, 15), commune_deadline=date(2025, 12, 30),
        locks_on=date(2025, 12, 25))
    report = UnitReport.objects.create(period=q4, unit=world.unit_a, state=ReportState.SUBMITTED,
                                       first_submitted_at=timezone.now(), submitted_at=timezone.now())
    adults, _news = _ids()
    IndicatorValue.objects.create(report=report, indicator_id=adults, numerator=numerator, denominator=900)


# --- The full cycle ------------------------------------------------------------------------


def test_full_cycle_through_the_pages(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    _previous_quarter(world)
    reporter, admin = login(world.reporter_a), login(world.admin_a)
    adults, news = _ids()

    # The reporter finds the period on the unit's reports page and opens the report.
    listing = _text(reporter.get(_url("unit_reports", unit_pk=world.unit_a.pk)))
    assert q1.title in listing and _report_url(report_a) in listing and "Mở báo cáo" in listing

    # A draft: values, progress and narrative; 450/900 is below last quarter's 600/900.
    page = reporter.post(_report_url(report_a), _data(world, 1))
    assert page.status_code == 200
    body = _text(page)
    assert "Đã lưu nháp báo cáo." in body
    assert "Tỷ lệ giảm so với quý trước" in body and f'id="value-{adults}-warnings"' in body
    assert "50,0%" in body  # the percentage, computed by the server for the page without JS
    report_a.refresh_from_db()
    assert report_a.version == 2 and report_a.highlights == "Tổ chức 12 buổi học cộng đồng"
    value = IndicatorValue.objects.get(report=report_a, indicator_id=adults)
    assert (value.numerator, value.denominator, value.source) == (Decimal(450), Decimal(900), "Rà soát thôn")
    assert IndicatorValue.objects.get(report=report_a, indicator_id=news).value == Decimal(75)
    assert TaskProgress.objects.get(report=report_a, task=world.task_a).status == "in_progress"

    # Sent.
    response = reporter.post(_report_url(report_a, "report_submit"), _data(world, 2))
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED and report_a.first_submitted_at is not None

    # The admin returns it: an empty reason is refused and nothing changes.
    refused = admin.post(_report_url(report_a, "report_return"), {"return-version": report_a.version,
                                                                  "return-reason": "  "})
    assert refused.status_code == 200
    assert "Phải ghi lý do trả lại báo cáo." in _text(refused)
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED
    response = admin.post(_report_url(report_a, "report_return"), {
        "return-version": report_a.version, "return-reason": "Mẫu số chưa khớp số liệu dân cư"})
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.RETURNED

    # The reporter sees why, fixes the numerator and sends again.
    returned = _text(reporter.get(_report_url(report_a)))
    assert "Mẫu số chưa khớp số liệu dân cư" in returned and "Gửi báo cáo" in returned
    response = reporter.post(_report_url(report_a, "report_submit"), _data(world, report_a.version, numerator="500"))
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED

    # Accepted: locked for the reporter.
    response = admin.post(_report_url(report_a, "report_accept"), {"accept-version": report_a.version})
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.ACCEPTED
    locked = _text(reporter.get(_report_url(report_a)))
    assert "Lưu nháp" not in locked and 'id="report-form"' not in locked
    refused = reporter.post(_report_url(report_a), _data(world, report_a.version, numerator="1"), follow=True)
    assert "không sửa được" in _text(refused)
    assert IndicatorValue.objects.get(report=report_a, indicator_id=adults).numerator == Decimal(500)

    # Reopened, with a reason (an empty one is refused).
    refused = admin.post(_report_url(report_a, "report_reopen"), {"reopen-version": report_a.version,
                                                                  "reopen-reason": ""})
    assert "Phải ghi lý do mở lại báo cáo." in _text(refused)
    report_a.refresh_from_db()
    assert report_a.state == ReportState.ACCEPTED
    response = admin.post(_report_url(report_a, "report_reopen"), {
        "reopen-version": report_a.version, "reopen-reason": "Bổ sung số liệu tháng 3"})
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.DRAFT

    # The history shows every step, newest first, with old → new values.
    history = _text(login(world.viewer_a).get(_report_url(report_a, "report_history")))
    steps = re.findall(r'<p class="rp-event-head"><strong>([^<]+)</strong>', history)
    assert steps == ["Mở lại báo cáo", "Chấp nhận", "Gửi lại báo cáo", "Lưu nháp", "Trả lại để sửa",
                     "Gửi báo cáo", "Lưu nháp"]
    assert "Bổ sung số liệu tháng 3" in history and "Mẫu số chưa khớp số liệu dân cư" in history
    assert "Đã chấp nhận → Đang soạn" in history
    assert re.search(r"Người dân có kỹ năng số cơ bản.*Tử số</th>\s*<td[^>]*>450</td>\s*<td[^>]*>500</td>",
                     history, re.S)
    assert re.search(r"Tình trạng</th>\s*<td[^>]*>\(trống\)</td>\s*<td[^>]*>Đang triển khai</td>", history)


def test_report_open_creates_the_draft_once_and_only_for_owed_periods(world: World, q1: ReportingPeriod) -> None:
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    reporter = login(world.reporter_a)
    url = _url("report_open", period_pk=q2.pk, unit_pk=world.unit_a.pk)
    assert reporter.get(url).status_code == 405
    first, second = reporter.post(url), reporter.post(url)
    report = UnitReport.objects.get(period=q2, unit=world.unit_a)
    assert first["Location"] == second["Location"] == _report_url(report)
    # Unit A2 owes nothing in the plan: no empty report is created for it.
    response = login(world.reporter_a2).post(_url("report_open", period_pk=q2.pk, unit_pk=world.unit_a2.pk),
                                             follow=True)
    assert "không có chỉ tiêu hay nhiệm vụ nào" in _text(response)
    assert not UnitReport.objects.filter(unit=world.unit_a2).exists()
    # Only a reporter of the unit opens its report.
    assert login(world.reporter_a2).post(url).status_code == 404
    assert login(world.admin_a).post(url).status_code == 404


def test_unit_reports_page_lists_what_the_unit_owes(world: World, q1: ReportingPeriod) -> None:
    body = _text(login(world.reporter_a).get(_url("unit_reports", unit_pk=world.unit_a.pk)))
    assert all(f"Quý {q} năm 2026" in body for q in ("I", "II", "III", "IV"))
    assert _url("report_open", period_pk=ReportingPeriod.objects.get(plan=world.plan_a, quarter=2).pk,
                unit_pk=world.unit_a.pk) in body
    empty = _text(login(world.reporter_a2).get(_url("unit_reports", unit_pk=world.unit_a2.pk)))
    assert "chưa được giao chỉ tiêu hay nhiệm vụ" in empty
    assert login(world.reporter_a2).get(_url("unit_reports", unit_pk=world.unit_a.pk)).status_code == 404
    # Commune readers see it too, without the button that creates a report.
    viewer = _text(login(world.viewer_a).get(_url("unit_reports", unit_pk=world.unit_a.pk)))
    assert "Xem báo cáo" in viewer and "report_open" not in viewer and "/open/" not in viewer


# --- Form behaviour ------------------------------------------------------------------------


def test_submit_lists_what_is_missing_and_keeps_the_draft(world: World, report_a: UnitReport,
                                                          q1: ReportingPeriod) -> None:
    _window(q1)
    data = _data(world, 1, news="", status="")
    response = login(world.reporter_a).post(_report_url(report_a, "report_submit"), data)
    assert response.status_code == 200
    body = _text(response)
    assert "Chưa gửi được báo cáo. Còn thiếu:" in body
    assert "Chưa nhập số liệu: Tin, bài tuyên truyền" in body and "Chưa chọn tình trạng nhiệm vụ" in body
    report_a.refresh_from_db()
    assert report_a.state == ReportState.DRAFT and report_a.version == 2  # saved, not sent


def test_value_errors_are_shown_beside_their_fields_and_nothing_is_saved(world: World, report_a: UnitReport,
                                                                        q1: ReportingPeriod) -> None:
    _window(q1)
    adults, news = _ids()
    response = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, numerator="950"))
    body = _text(response)
    assert response.status_code == 200
    assert f'<ul class="rp-errors rp-errors--block" id="value-{adults}-errors">' in body
    assert "Tử số không được lớn hơn mẫu số." in body
    numerator_input = _first(rf'<input[^>]*name="value-{adults}-numerator"[^>]*>', body)
    assert f"value-{adults}-errors" in numerator_input and 'value="950"' in numerator_input
    response = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, news="nhiều"))
    assert f'id="id_value-{news}-value-error"' in _text(response)
    assert not IndicatorValue.objects.filter(report=report_a).exists()
    report_a.refresh_from_db()
    assert report_a.version == 1


def test_vietnamese_thousands_dot_is_read(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    # (A decimal comma is read too: "12,5" of a count is refused as 12,5, see test_report_form.)
    _window(q1)
    _adults, news = _ids()
    login(world.reporter_a).post(_report_url(report_a), _data(world, 1, news="1.234"))
    assert IndicatorValue.objects.get(report=report_a, indicator_id=news).value == Decimal("1234")


def test_second_save_from_the_same_version_gets_409_and_keeps_the_input(world: World, report_a: UnitReport,
                                                                        q1: ReportingPeriod) -> None:
    _window(q1)
    adults, _news = _ids()
    first = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, numerator="450"))
    assert first.status_code == 302
    second = login(world.reporter_a).post(_report_url(report_a), _data(world, 1, numerator="123"))
    assert second.status_code == 409
    body = _text(second)
    assert "Báo cáo vừa được người khác cập nhật" in body
    assert re.search(rf'<input[^>]*name="value-{adults}-numerator"[^>]*value="123"', body)
    assert "Bản đang lưu: 450" in body
    assert IndicatorValue.objects.get(report=report_a, indicator_id=adults).numerator == Decimal(450)
    # The page now carries the current version: saving again is a deliberate overwrite.
    assert re.search(r'name="version" value="2"', body)


def test_commune_readers_cannot_write_and_only_admins_review(world: World, report_a: UnitReport,
                                                             q1: ReportingPeriod) -> None:
    _window(q1)
    assert login(world.viewer_a).post(_report_url(report_a), _data(world, 1)).status_code == 403
    assert login(world.admin_a).post(_report_url(report_a), _data(world, 1)).status_code == 403
    for user in (world.viewer_a, world.reviewer_p, world.reporter_a):
        assert login(user).post(_report_url(report_a, "report_accept"), {"accept-version": 1}).status_code == 404
    assert login(world.admin_a).post(_report_url(report_a, "report_submit"), _data(world, 1)).status_code == 404
    report_a.refresh_from_db()
    assert report_a.version == 1 and report_a.state == ReportState.DRAFT
    # A reviewer of the province reads the report.
    assert login(world.reviewer_p).get(_report_url(report_a)).status_code == 200


def test_accept_with_a_stale_version_is_refused(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    login(world.reporter_a).post(_report_url(report_a, "report_submit"), _data(world, 1))
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED
    response = login(world.admin_a).post(_report_url(report_a, "report_accept"), {"accept-version": 1})
    assert response.status_code == 409
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED


def test_reporter_of_another_unit_gets_404_everywhere(world: World, report_a: UnitReport,
                                                      q1: ReportingPeriod) -> None:
    _window(q1)
    evidence = _file_evidence(world, report_a)
    other = login(world.reporter_a2)
    assert other.get(_report_url(report_a)).status_code == 404
    assert other.post(_report_url(report_a), _data(world, 1)).status_code == 404
    assert other.post(_report_url(report_a, "report_submit"), _data(world, 1)).status_code == 404
    assert other.post(_report_url(report_a, "evidence_add"), {"ev-url": "https://example.vn"}).status_code == 404
    assert other.get(_report_url(report_a, "report_history")).status_code == 404
    assert other.get(_url("evidence_download", evidence_pk=evidence.pk)).status_code == 404
    assert Evidence.objects.filter(report=report_a).count() == 1
    report_a.refresh_from_db()
    assert report_a.version == 1


# --- Evidence ------------------------------------------------------------------------------


def _file_evidence(world: World, report: UnitReport) -> Evidence:
    from reporting.services.evidence import evidence_add

    upload = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    return evidence_add(report=report, actor=world.reporter_a, kind="file", file=upload,
                        description="Biên bản tập huấn")


def _upload(world: World, report: UnitReport, name: str, content: bytes, **extra: Any) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return login(world.reporter_a).post(_report_url(report, "evidence_add"),
                                        {"ev-file": upload, "ev-description": "Minh chứng", **extra})


def _docx(parts: tuple[str, ...] = ("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.pdf", PNG, "Nội dung tệp không phải định dạng .pdf"),
        ("trang.pdf", b"<html><script>alert(1)</script></html>", "Nội dung tệp không phải định dạng .pdf"),
        ("bao-cao.docx", _docx(("[Content_Types].xml", "xl/workbook.xml")), "định dạng .docx"),
        ("chay.exe", b"MZ\x90\x00", "Chỉ nhận tệp PDF, JPG, PNG, DOCX, XLSX"),
        ("rong.pdf", b"", "Tệp rỗng"),
    ],
)
def test_evidence_of_a_wrong_type_is_refused(world: World, report_a: UnitReport, q1: ReportingPeriod,
                                             name: str, content: bytes, message: str) -> None:
    _window(q1)
    response = _upload(world, report_a, name, content)
    assert response.status_code == 200
    body = _text(response)
    assert message in body
    assert 'id="id_ev-file-error"' in body and 'aria-describedby="id_ev-file-help id_ev-file-error"' in body
    assert not Evidence.objects.exists()


def test_evidence_over_10_mb_is_refused(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    response = _upload(world, report_a, "lon.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert "Tệp quá lớn" in _text(response) and "tối đa 10 MB" in _text(response)
    assert not Evidence.objects.exists()


def test_good_files_and_links_are_kept_audited_and_downloaded_by_readers_only(
        world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1)
    response = _upload(world, report_a, "Biên bản.pdf", PDF)
    assert response.status_code == 302 and response["Location"].endswith("#evidence")
    assert _upload(world, report_a, "ke-hoach.docx", _docx()).status_code == 302
    evidence = Evidence.objects.get(report=report_a, file__endswith=".pdf")
    assert (evidence.kind, evidence.content_type, evidence.size) == ("file", "application/pdf", len(PDF))
    assert AuditEntry.objects.filter(action="report.evidence_add", target_id=report_a.pk).count() == 2

    link = login(world.reporter_a).post(_report_url(report_a, "evidence_add"), {
        "ev-url": "https://zalo.me/album/123", "ev-description": "Ảnh buổi học"})
    assert link.status_code == 302
    assert Evidence.objects.get(kind="link").url == "https://zalo.me/album/123"
    bad = login(world.reporter_a).post(_report_url(report_a, "evidence_add"), {"ev-url": "javascript:alert(1)"})
    assert "Đường dẫn không hợp lệ" in _text(bad) and Evidence.objects.count() == 3

    url = _url("evidence_download", evidence_pk=evidence.pk)
    for reader in (world.reporter_a, world.admin_a, world.viewer_a, world.reviewer_p):
        download = login(reader).get(url)
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Content-Type"] == "application/pdf"
        assert download.getvalue() == PDF
    for outsider in (world.reporter_a2, world.admin_b, world.reviewer_q, world.admin_c):
        assert login(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    link_evidence = Evidence.objects.get(kind="link")
    assert login(world.admin_a).get(_url("evidence_download", evidence_pk=link_evidence.pk)).status_code == 404

    page = _text(login(world.admin_a).get(_report_url(report_a)))
    assert url in page and 'rel="noopener noreferrer nofollow"' in page and "/media/" not in page


def test_evidence_cannot_be_added_once_the_report_is_locked(world: World, report_a: UnitReport,
                                                            q1: ReportingPeriod) -> None:
    _window(q1, deadline_in=-10, locks_in=-1)
    response = _upload(world, report_a, "muon.pdf", PDF)
    assert response.status_code == 302
    assert not Evidence.objects.exists()


# --- Lock exceptions, ad-hoc requests, completeness -----------------------------------------


def test_lock_exception_lets_a_late_unit_save(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1, deadline_in=-10, locks_in=-1)
    reporter, admin = login(world.reporter_a), login(world.admin_a)
    refused = reporter.post(_report_url(report_a), _data(world, 1), follow=True)
    assert "đã khóa nhập liệu" in _text(refused)
    assert not IndicatorValue.objects.filter(report=report_a).exists()

    grant = _url("lock_exception_grant", period_pk=q1.pk)
    until = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    no_reason = admin.post(grant, {"unit": world.unit_a.pk, "until": until, "reason": ""})
    assert no_reason.status_code == 200 and "Phải ghi lý do gia hạn." in _text(no_reason)
    bad_date = admin.post(grant, {"unit": world.unit_a.pk, "until": "31/02/2026", "reason": "Ốm"})
    assert 'id="id_until-error"' in _text(bad_date)
    assert not LockException.objects.exists()
    assert login(world.viewer_a).post(grant, {"unit": world.unit_a.pk, "until": until,
                                              "reason": "Cán bộ đi tập huấn"}).status_code == 404
    response = admin.post(grant, {"unit": world.unit_a.pk, "until": until, "reason": "Cán bộ đi tập huấn"})
    assert response.status_code == 302
    assert LockException.objects.get().until.strftime("%d/%m/%Y") == until

    assert "Được xã/phường gia hạn nhập liệu" in _text(reporter.get(_report_url(report_a)))
    assert reporter.post(_report_url(report_a), _data(world, 1)).status_code == 302
    assert IndicatorValue.objects.filter(report=report_a).count() == 2


def test_admin_creates_an_adhoc_request(world: World) -> None:
    admin = login(world.admin_a)
    url = _url("adhoc_period_create", plan_pk=world.plan_a.pk)
    assert admin.get(url).status_code == 200
    today = timezone.localdate()
    fmt = "%d/%m/%Y"
    wrong = admin.post(url, {"title": "Ngày hội", "opens_on": today.strftime(fmt),
                             "deadline": (today - timedelta(days=1)).strftime(fmt)})
    assert wrong.status_code == 200 and "Hạn nộp phải sau ngày mở nhập liệu." in _text(wrong)
    assert not ReportingPeriod.objects.filter(kind=PeriodKind.ADHOC).exists()
    assert login(world.viewer_a).post(url, {"title": "x"}).status_code == 404
    response = admin.post(url, {"title": "Báo cáo đột xuất Ngày hội 10/10", "opens_on": today.strftime(fmt),
                                "deadline": (today + timedelta(days=7)).strftime(fmt)})
    period = ReportingPeriod.objects.get(kind=PeriodKind.ADHOC)
    assert response["Location"] == _url("period_detail", period_pk=period.pk)
    assert (period.unit_deadline, period.locks_on, period.year) == (
        today + timedelta(days=7), today + timedelta(days=7), (today + timedelta(days=7)).year)
    overview = _text(login(world.reviewer_p).get(_url("plan_reporting", plan_pk=world.plan_a.pk)))
    assert "Báo cáo đột xuất Ngày hội 10/10" in overview and _url("period_detail", period_pk=period.pk) in overview
    assert "Tạo yêu cầu báo cáo" not in overview  # the reviewer reads, the admin creates
    # The unit owes the ad-hoc report too.
    assert "Báo cáo đột xuất Ngày hội 10/10" in _text(
        login(world.reporter_a).get(_url("unit_reports", unit_pk=world.unit_a.pk)))


def _measure(body: str, name: str) -> tuple[str, str]:
    row = _first(rf'<tr data-measure="{name}">(.*?)</tr>', body, group=1)
    count, share = re.findall(r'<td[^>]*class="num">([^<]*)</td>', row)
    return count.strip(), share.strip()


def test_period_page_shows_completeness_numbers(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    _window(q1, deadline_in=-5, locks_in=5)
    deadline = timezone.localdate() - timedelta(days=5)
    world.target_a.reporting_units.add(world.unit_a2)
    unit_a3: Any = UnitFactory(commune=world.commune_a, name="Trường Tiểu học A")
    world.target_a.reporting_units.add(unit_a3)
    on_time = timezone.now() - timedelta(days=7)
    UnitReport.objects.filter(pk=report_a.pk).update(state=ReportState.ACCEPTED, first_submitted_at=on_time,
                                                     submitted_at=on_time, accepted_at=timezone.now())
    UnitReport.objects.create(period=q1, unit=world.unit_a2, state=ReportState.SUBMITTED,
                              first_submitted_at=timezone.now(), submitted_at=timezone.now())

    body = _text(login(world.admin_a).get(_url("period_detail", period_pk=q1.pk)))
    assert _measure(body, "expected") == ("3", "—")
    assert _measure(body, "received") == ("2", "66,7%")
    assert _measure(body, "on_time") == ("1", "33,3%")
    assert _measure(body, "accepted") == ("1", "33,3%")
    assert deadline.strftime("%d/%m/%Y") in body
    rows = dict(re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', body, re.S))
    assert "Đúng hạn" in rows[str(world.unit_a.pk)] and "Đã chấp nhận" in rows[str(world.unit_a.pk)]
    assert "Trễ hạn" in rows[str(world.unit_a2.pk)]
    assert "Quá hạn, chưa gửi" in rows[str(unit_a3.pk)] and "Chưa mở báo cáo" in rows[str(unit_a3.pk)]
    assert _url("lock_exception_grant", period_pk=q1.pk) in body
    # "Nhắc" for the late unit only, and "remind all", both back to this page afterwards.
    remind = _url("period_remind", period_pk=q1.pk)
    assert body.count(f'action="{remind}"') == 2
    assert re.findall(r'name="unit" value="(\d+)"', body) == [str(unit_a3.pk)]
    page = _url("period_detail", period_pk=q1.pk)
    response = login(world.admin_a).post(remind, {"unit": unit_a3.pk, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    # Vietnamese order: "Công an xã A" < "Tổ Ẩn Danh Số Một" < "Trường Tiểu học A".
    order = [body.index(f'data-unit="{u.pk}"') for u in (world.unit_a2, world.unit_a, unit_a3)]
    assert order == sorted(order)
    # The viewer reads the same figures, without the admin's forms.
    viewer = _text(login(world.viewer_a).get(_url("period_detail", period_pk=q1.pk)))
    assert _measure(viewer, "received") == ("2", "66,7%")
    assert _url("lock_exception_grant", period_pk=q1.pk) not in viewer
    # The plan overview carries the same figures and links to the period page.
    overview = _text(login(world.admin_a).get(_url("plan_reporting", plan_pk=world.plan_a.pk)))
    assert _url("period_detail", period_pk=q1.pk) in overview and "66,7%" in overview


def test_reporting_pages_answer_404_outside_their_scope(world: World, report_a: UnitReport,
                                                        q1: ReportingPeriod) -> None:
    pages = [_url("period_detail", period_pk=q1.pk), _url("plan_reporting", plan_pk=world.plan_a.pk),
             _report_url(report_a), _report_url(report_a, "report_history")]
    for outsider in (world.admin_b, world.reviewer_q, world.admin_c):
        for page in pages:
            assert login(outsider).get(page).status_code == 404, (outsider, page)
    for page in pages[:2]:  # commune pages are not for reporters
        assert login(world.reporter_a).get(page).status_code == 404


# --- Accessibility -------------------------------------------------------------------------


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, Any]] = []
        self.labels: set[str] = set()
        self.fieldsets = self.legends = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def test_report_form_labels_every_input_and_uses_fieldsets(world: World, report_a: UnitReport,
                                                          q1: ReportingPeriod) -> None:
    _window(q1)
    parser = _Controls()
    parser.feed(_text(login(world.reporter_a).get(_report_url(report_a))))
    # 2 indicators × (2 or 1 figures + source + comment), 1 task × 2, 3 narratives, 3 evidence
    # fields, and the language switch of the page header.
    assert len(parser.controls) == 4 + 3 + 2 + 3 + 3 + 1
    unlabelled = [c.get("name") for c in parser.controls if c.get("id") not in parser.labels]
    assert not unlabelled
    assert parser.fieldsets == parser.legends == 2 + 1 + 1


# --- Query counts --------------------------------------------------------------------------


def _grow_report(world: World, report: UnitReport, start: int, n: int) -> None:
    """n more indicators (half of them percentages) and n more tasks, all filled in."""
    for i in range(start, start + n):
        percent = i % 2 == 0
        indicator = Indicator.objects.create(
            commune=world.commune_a, code=f"OWN_{i}", name=f"Chỉ số riêng {i}",
            short_name=f"Chỉ số riêng {i}", target_group=TargetGroup.ADULTS,
            measure=Measure.PERCENT if percent else Measure.COUNT,
            numerator_label="Số người đạt" if percent else "", denominator_label="Tổng số" if percent else "",
            unit_of_measure="%" if percent else "người", time_aggregation=TimeAggregation.LATEST)
        target: Any = TargetFactory(plan=world.plan_a, indicator=indicator, value=50)
        target.reporting_units.set([world.unit_a])
        IndicatorValue.objects.create(report=report, indicator=indicator, numerator=1 if percent else None,
                                      denominator=2 if percent else None, value=None if percent else 3)
        task: Any = TaskFactory(plan=world.plan_a, lead_unit=world.unit_a)
        TaskDeliverable.objects.create(task=task, order=1, text="Hội nghị", quantity=2)
        TaskProgress.objects.create(report=report, task=task, status="done", output_quantity=2)
        Evidence.objects.create(report=report, kind="link", url=f"https://example.vn/{i}", uploaded_by=world.reporter_a)


def test_report_page_query_count_is_constant(world: World, report_a: UnitReport, q1: ReportingPeriod,
                                             django_assert_max_num_queries: Any) -> None:
    _window(q1)
    _grow_report(world, report_a, 0, 2)
    pages = [(login(world.reporter_a), _report_url(report_a)), (login(world.admin_a), _report_url(report_a)),
             (login(world.viewer_a), _report_url(report_a, "report_history"))]
    counts = []
    for client, url in pages:
        with django_assert_max_num_queries(40) as small:
            assert client.get(url).status_code == 200
        counts.append(len(small.captured_queries))
    _grow_report(world, report_a, 2, 8)
    for (client, url), count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_period_page_query_count_is_constant(world: World, report_a: UnitReport, q1: ReportingPeriod,
                                             django_assert_max_num_queries: Any) -> None:
    _window(q1, deadline_in=-1, locks_in=5)
    pages = [_url("period_detail", period_pk=q1.pk), _url("unit_reports", unit_pk=world.unit_a.pk)]
    admin = login(world.admin_a)
    counts = []
    for url in pages:
        with django_assert_max_num_queries(40) as small:
            assert admin.get(url).status_code == 200
        counts.append(len(small.captured_queries))
    for i in range(12):
        unit: Any = UnitFactory(commune=world.commune_a, name=f"Thôn {i}")
        world.target_a.reporting_units.add(unit)
        TaskFactory(plan=world.plan_a, lead_unit=unit)
        if i % 2:
            UnitReport.objects.create(period=q1, unit=unit, state=ReportState.SUBMITTED,
                                      first_submitted_at=timezone.now(), submitted_at=timezone.now())
        LockException.objects.create(period=q1, unit=unit, until=timezone.localdate(), reason="Ốm",
                                     granted_by=world.admin_a)
    # More periods for the unit's page: ad-hoc requests of the plan.
    for i in range(4):
        ReportingPeriod.objects.create(plan=world.plan_a, kind=PeriodKind.ADHOC, year=2026, title=f"Đột xuất {i}",
                                       opens_on=q1.opens_on, unit_deadline=q1.unit_deadline,
                                       commune_deadline=q1.commune_deadline, locks_on=q1.locks_on)
    for url, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert admin.get(url).status_code == 200


def test_drop_in_links_for_the_unit_and_plan_pages(world: World) -> None:
    from django.template.loader import render_to_string

    unit_link = render_to_string("reporting/_unit_reports_link.html", {"unit": world.unit_a})
    assert f'href="{_url("unit_reports", unit_pk=world.unit_a.pk)}"' in unit_link
    plan_link = render_to_string("reporting/_plan_reporting_link.html", {"plan": world.plan_a})
    assert f'href="{_url("plan_reporting", plan_pk=world.plan_a.pk)}"' in plan_link
