"""Issue 13, signer and symbol on every document: the unit report carries its unit's head and
its symbol with the unit's abbreviation, the province summary its agency's signer, the
signature block keeps the last body paragraph on its page, and a document without a signer is
not issued. PDFs are rendered for real (WeasyPrint) and read back with pdfplumber."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns.models import AuditEntry
from campaigns.services.organisation import unit_details_set
from reporting.documents import storage
from reporting.documents.content.province_summary import ProvinceQuarter
from reporting.documents.content.unit_report import unit_report_content
from reporting.models import DocumentKind, ReportingPeriod
from reporting.services import unit_reports as services
from tests.conftest import World, login
from tests.documents import pdfcheck as pc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

CLOSING = "Trên đây là báo cáo"


def _render(kind: str, source: Any) -> bytes:
    return storage.document_render(kind=kind, source=source).content


def _set_head(world: World, *, abbreviation: str = "VHXH", position: str = "Trưởng phòng",
              name: str = "Nguyễn Thị Thu Trang") -> None:
    unit_details_set(unit=world.unit_a, actor=world.admin_a, abbreviation=abbreviation,
                     head_position=position, head_name=name)
    world.report_a.unit.refresh_from_db()


def test_the_unit_report_prints_its_head_and_its_symbol_with_the_unit_abbreviation(world: World) -> None:
    _set_head(world)
    with pc.open_pdf(_render(DocumentKind.UNIT_REPORT, world.report_a)) as pdf:
        text = pc.stream_text(pdf)
        last = pdf.pages[-1]
        pc.assert_style(last, "TRƯỞNG PHÒNG", size=14, bold=True)
        pc.assert_style(last, "Nguyễn Thị Thu Trang", size=14, bold=True)
    assert pc.contains_stream_text(text, "/BC-VHXH")
    assert not pc.contains_stream_text(text, "THỦ TRƯỞNG ĐƠN VỊ"), "no invented signer line"
    # The number is the unit's clerk's, given when it is signed: a blank, never a made-up one.
    assert unit_report_content(report=world.report_a).header.reference == "Số: \u2002\u2002\u2002/BC-VHXH"


def test_unit_details_are_stored_nfc_and_audited(world: World) -> None:
    unit_details_set(unit=world.unit_a, actor=world.admin_a, abbreviation=" vhxh ",
                     head_position=unicodedata.normalize("NFD", "Trưởng phòng"),
                     head_name=unicodedata.normalize("NFD", "Lê Thị Hồng"))
    world.unit_a.refresh_from_db()
    assert (world.unit_a.abbreviation, world.unit_a.head_position, world.unit_a.head_name) == (
        "VHXH", "Trưởng phòng", "Lê Thị Hồng")
    entry = AuditEntry.objects.filter(action="unit.update", target_id=world.unit_a.pk).latest("id")
    assert entry.changes["head_name"][1] == "Lê Thị Hồng" and entry.actor == world.admin_a


@pytest.mark.parametrize("blank", ["head_name", "head_position", "abbreviation"])
def test_a_unit_report_without_its_signer_or_symbol_is_not_sent(world: World, blank: str) -> None:
    values = {"abbreviation": "VHXH", "head_position": "Trưởng phòng", "head_name": "Lê Văn Phước"}
    values[blank] = ""
    unit_details_set(unit=world.unit_a, actor=world.admin_a, **values)
    report = world.report_a
    with pytest.raises(ValidationError) as caught:
        services.unit_report_submit(report=report, actor=world.reporter_a, version=report.version,
                                    today=date(2026, 3, 10))
    messages = " ".join(caught.value.messages)
    expected = "ký hiệu viết tắt" if blank == "abbreviation" else "chức vụ và họ tên thủ trưởng"
    assert expected in messages and world.unit_a.name in messages
    report.refresh_from_db()
    assert report.state == "draft" and report.submitted_at is None


def test_the_reporter_sees_why_the_report_cannot_be_sent(world: World) -> None:
    unit_details_set(unit=world.unit_a, actor=world.admin_a, abbreviation="VHXH", head_position="", head_name="")
    today = timezone.localdate()  # the views use the real date: open the entry window around it
    ReportingPeriod.objects.filter(pk=world.period_a.pk).update(
        opens_on=today - timedelta(days=40), unit_deadline=today + timedelta(days=5),
        commune_deadline=today + timedelta(days=15), locks_on=today + timedelta(days=10))
    response = login(world.reporter_a).post(reverse("report_submit", kwargs={"report_pk": world.report_a.pk}),
                                            {"version": world.report_a.version})
    assert "chưa có chức vụ và họ tên thủ trưởng" in response.content.decode()
    world.report_a.refresh_from_db()
    assert world.report_a.state == "draft"


def test_the_report_page_says_early_that_the_unit_lacks_its_signer(world: World) -> None:
    today = timezone.localdate()
    ReportingPeriod.objects.filter(pk=world.period_a.pk).update(
        opens_on=today - timedelta(days=40), unit_deadline=today + timedelta(days=5),
        commune_deadline=today + timedelta(days=15), locks_on=today + timedelta(days=10))
    url = reverse("report_detail", kwargs={"report_pk": world.report_a.pk})
    assert 'id="signer-missing"' not in login(world.reporter_a).get(url).content.decode()
    unit_details_set(unit=world.unit_a, actor=world.admin_a, abbreviation="", head_position="Tổ trưởng",
                     head_name="Lê Văn A")
    page = login(world.reporter_a).get(url).content.decode()
    assert 'id="signer-missing"' in page and "chưa có ký hiệu viết tắt" in page


def test_the_province_summary_is_signed_by_its_agency(world: World) -> None:
    province = world.province_p
    province.agency_name = "Sở Khoa học và Công nghệ"
    province.agency_abbreviation = "SKHCN"
    province.agency_signer_deputy, province.agency_signer_position = "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    province.agency_signer_name = "Phạm Quang Huy"
    province.save()
    source = ProvinceQuarter(province=province, year=2026, quarter=1)
    with pc.open_pdf(_render(DocumentKind.PROVINCE_SUMMARY, source)) as pdf:
        text = pc.stream_text(pdf)
        signed = next(p for p in pdf.pages if pc.chars_of(p, "Phạm Quang Huy"))
        pc.assert_style(signed, "KT. GIÁM ĐỐC", size=14, bold=True)
        pc.assert_style(signed, "PHÓ GIÁM ĐỐC", size=14, bold=True)
        pc.assert_style(signed, "Phạm Quang Huy", size=14, bold=True)
        assert pc.chars_of(signed, "Trên đây là báo cáo tổng hợp"), "the closing paragraph on the signer's page"
    assert pc.contains_stream_text(text, "/BC-SKHCN")


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("blank", ["agency_signer_name", "agency_signer_position"])
def test_a_province_summary_without_a_signer_is_refused(world: World, blank: str) -> None:
    setattr(world.province_p, blank, "")
    world.province_p.save()
    url = reverse("province_summary_pdf", kwargs={"province_code": world.province_p.code, "year": 2026,
                                                  "quarter": 1})
    response = login(world.reviewer_p).get(url)
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "Chưa có chức vụ và họ tên người ký báo cáo tổng hợp" in response.content.decode()
    assert not storage.document_current(
        kind=DocumentKind.PROVINCE_SUMMARY,
        source=ProvinceQuarter(province=world.province_p, year=2026, quarter=1)).document


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_signature_block_never_starts_a_page(world: World) -> None:
    """However long the narrative, the signature block shares its page with the closing
    paragraph (the last of the body): never a page holding only the signature."""
    _set_head(world)
    # A long name (up to the field's 200 characters) makes the closing paragraph four lines: it
    # must move whole, not leave its first lines behind with the last two beside the signature.
    world.unit_a.name = ("Tổ công nghệ số cộng đồng và triển khai Đề án 06 của các khu dân cư Bình Tân, "
                         "Cam Linh, Cam Phú, Cam Thuận, Cam Lộc và các tổ dân phố liền kề thuộc địa bàn "
                         "phường, phụ trách hướng dẫn")
    assert len(world.unit_a.name) <= 200
    world.unit_a.save(update_fields=["name"])
    report = world.report_a
    report.unit.refresh_from_db()
    paragraph = ("Tổ chức lớp “Bình dân học vụ số” tại nhà văn hóa thôn, hướng dẫn người dân cài đặt "
                 "VNeID, dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.")
    seen_pages = set()
    # From a one-page report to a two-page one, a line at a time: every position of the page
    # break around the closing paragraph and the signature is rendered once.
    for count in range(4, 22):
        report.highlights = "\n".join(f"{n}. {paragraph}" for n in range(1, count + 1))
        report.save(update_fields=["highlights"])
        with pc.open_pdf(_render(DocumentKind.UNIT_REPORT, report)) as pdf:
            seen_pages.add(len(pdf.pages))
            signed = [i for i, p in enumerate(pdf.pages) if pc.chars_of(p, "Nguyễn Thị Thu Trang")]
            closing = [i for i, p in enumerate(pdf.pages) if pc.chars_of(p, CLOSING)]
            position = [i for i, p in enumerate(pdf.pages) if pc.chars_of(p, "TRƯỞNG PHÒNG")]
        assert signed and closing == signed == position, f"{count} paragraphs: signature apart from the body"
    assert len(seen_pages) > 1, "the loop must cross a page break"


@pytest.mark.usefixtures("media")
def test_the_command_and_the_task_refuse_a_province_summary_without_a_signer_too(world: World) -> None:
    """Every storing path refuses alike (storage.document_render_and_store), not only the page."""
    from django.core.management import CommandError, call_command

    from reporting import tasks

    world.province_p.agency_signer_name = ""
    world.province_p.save()
    with pytest.raises(CommandError, match="Chưa có chức vụ và họ tên người ký"):
        call_command("render_pdf", "--province", world.province_p.code, "--year", "2026", "--quarter", "1")
    source = ProvinceQuarter(province=world.province_p, year=2026, quarter=1)
    spec = storage.spec_for(DocumentKind.PROVINCE_SUMMARY)
    assert tasks.render_document.run(kind=DocumentKind.PROVINCE_SUMMARY, object_id=spec.id_of(source),
                                     commune_ids=spec.commune_ids_of(source)) is None
    assert not storage.document_current(kind=DocumentKind.PROVINCE_SUMMARY, source=source).document
    world.province_p.agency_signer_name = "Phạm Quang Huy"
    world.province_p.save()
    assert tasks.render_document.run(kind=DocumentKind.PROVINCE_SUMMARY, object_id=spec.id_of(source),
                                     commune_ids=spec.commune_ids_of(source)) is not None
