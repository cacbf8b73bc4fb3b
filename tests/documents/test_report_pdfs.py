"""The three quarterly documents as official PDFs, checked against FORMAT.md with
tests/documents/pdfcheck.py: a unit's report and the commune's consolidated report in both
profiles (a People's Committee plan, Nghị định 30/2020; a Party Committee plan, Hướng dẫn 36),
and the province summary (the Sở, a state body).

The data is built once per module inside a transaction rolled back afterwards, through the
services (reports filled, submitted and accepted; rollups computed), and each document is
rendered once through the documents foundation (document_render).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from campaigns.models import CommuneKind, IssuerKind, TaskDeliverable, UnitKind
from portal.access import Role
from portal.scoping import scopes_disabled
from reporting.documents import storage
from reporting.documents.commune_report import reports_by_status
from reporting.documents.content import (
    ProvinceQuarter,
    commune_report_content,
    province_summary_content,
    unit_report_content,
)
from reporting.documents.profiles import PARTY, STATE, FormatProfile
from reporting.documents.province_summary import appendix_tables
from reporting.models import DocumentKind, ReportingPeriod, UnitReport
from reporting.rollups.compute import commune_rollup_compute, province_rollup_compute
from reporting.selectors import reports as selectors
from reporting.services import commune_reports as consolidated
from reporting.services import unit_reports as services
from reporting.services.periods import reporting_periods_sync
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.conftest import World, login
from tests.documents import pdfcheck as pc
from tests.factories import (
    CommuneFactory,
    PlanFactory,
    ProvinceFactory,
    TargetFactory,
    TaskFactory,
    UnitFactory,
    member,
)

# Every test is marked, so the test database is set up even when this module runs alone (the
# module fixture below must never touch the development database).
pytestmark = pytest.mark.django_db

ADULTS, VNEID, NEWS = "ADULTS_DIGITAL_SKILLS", "ADULTS_VNEID_CERTIFIED", "NEWS_ARTICLES"
# Typed decomposed (NFD), as some keyboards send it: the PDF must read back NFC.
HIGHLIGHTS = [
    "Ra mắt 12 Tổ công nghệ số cộng đồng tại các khu dân cư, hướng dẫn người dân cài đặt và sử dụng "
    "ứng dụng VNeID, dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.",
    "Tổ chức các lớp “Bình dân học vụ số” vào buổi tối tại nhà văn hóa khu dân cư, mỗi lớp từ 20 "
    "đến 30 học viên, ưu tiên người cao tuổi và người lao động tự do.",
    "Phối hợp với trường học phát động phong trào “Con hướng dẫn cha mẹ dùng điện thoại thông minh”, "
    "lồng ghép nội dung an toàn trên môi trường số trong các buổi sinh hoạt dưới cờ.",
]
TASKS = [
    ("Xây dựng chuyên mục “Bình dân học vụ số” trên Trang thông tin điện tử của phường", "12 tin, bài"),
    ("Tổ chức tập huấn kỹ năng số cơ bản cho cán bộ, công chức, viên chức", "02 lớp tập huấn"),
    ("Mở lớp “Bình dân học vụ số” tại các khu dân cư", "24 lớp học"),
    ("Hướng dẫn người dân đăng ký, kích hoạt tài khoản định danh điện tử mức độ 2", "1.500 tài khoản"),
    ("Phát động phong trào “Mỗi gia đình có ít nhất một thành viên có kỹ năng số”", "01 kế hoạch"),
    ("Kiểm tra, đánh giá kết quả thực hiện Phong trào hằng quý", "04 báo cáo"),
]


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _ind(code: str) -> Indicator:
    return Indicator.objects.get(commune__isnull=True, code=code)


@dataclass
class Doc:
    key: str
    kind: str
    content: bytes
    profile: FormatProfile
    text: Any  # the document's content (consolidated_selectors), what the PDF must print
    issuing_body: str
    parent_body: str
    reference: str
    place_date: str
    doc_type: str
    title: str
    signer: dict[str, str]
    recipients: list[str]
    rendered_version: str = ""  # the data version stored with the PDF
    current_version: str = ""  # the source's data version, asked in English


def _commune(province_code: str, province_name: str, commune_name: str, issuer_kind: str) -> dict[str, Any]:
    """A commune with a plan, three units, key and count targets, six tasks with deliverables,
    and Q1 2026 reports of two units accepted through the services."""
    province = ProvinceFactory(code=province_code, name=province_name)
    commune = CommuneFactory(province=province, kind=CommuneKind.PHUONG, name=commune_name,
                             code=f"phuong-{province_code.lower()}")
    party = issuer_kind == IssuerKind.DANG_UY
    plan = PlanFactory(
        commune=commune, issuer_kind=issuer_kind, status="issued",
        parent_body=f"ĐẢNG BỘ TỈNH {province_name.upper()}" if party else "",
        issuing_body=f"{'ĐẢNG ỦY' if party else 'ỦY BAN NHÂN DÂN'} PHƯỜNG {commune_name.upper()}",
        symbol="KH/ĐU" if party else "KH-UBND", number="3" if party else "12", issue_day=5, place=commune_name,
        signer_authority="T/M BAN THƯỜNG VỤ" if party else "TM. ỦY BAN NHÂN DÂN",
        signer_deputy="" if party else "KT. CHỦ TỊCH", signer_position="PHÓ BÍ THƯ" if party else "PHÓ CHỦ TỊCH",
        signer_name="Trần Thị Lan" if party else "Nguyễn Văn Hòa",
        title=f"Thực hiện Phong trào “Bình dân học vụ số” năm 2026 trên địa bàn phường {commune_name}")
    police = UnitFactory(commune=commune, kind=UnitKind.POLICE, name=f"Công an phường {commune_name}")
    school = UnitFactory(commune=commune, kind=UnitKind.SCHOOL, name=f"Trường Tiểu học {commune_name}")
    team = UnitFactory(commune=commune, kind=UnitKind.CDT_TEAM, name="Tổ công nghệ số cộng đồng")
    for order, (code, value, baseline) in enumerate(((ADULTS, 80, None), (VNEID, 70, 20), (NEWS, 300, None)), 1):
        target = TargetFactory(plan=plan, indicator=_ind(code), value=value, baseline=baseline, order=order)
        target.reporting_units.set([police, school, team] if code != NEWS else [team])
    for order, (title, deliverable) in enumerate(TASKS, 1):
        task = TaskFactory(plan=plan, order=order, title=title, lead_unit=(police, school, team)[order % 3])
        TaskDeliverable.objects.create(task=task, order=1, text=deliverable)
    reporting_periods_sync(plan=plan)
    period = ReportingPeriod.objects.select_related("plan", "plan__commune").get(plan=plan, year=2026, quarter=1)
    day = period.opens_on + timedelta(days=1)
    admin = member(Role.COMMUNE_ADMIN, commune=commune, username=f"admin-{province_code}")
    for unit, numbers in ((team, (450, 1000, 600, 1000, 70)), (police, (300, 900, 500, 900, 0))):
        report = services.unit_report_open(period=period, unit=unit)
        rows = selectors.report_rows(period=period, unit=unit)
        values = {_ind(ADULTS).pk: ValueInput(numerator=D(numbers[0]), denominator=D(numbers[1])),
                  _ind(VNEID).pk: ValueInput(numerator=D(numbers[2]), denominator=D(numbers[3])),
                  _ind(NEWS).pk: ValueInput(value=D(numbers[4]))}
        data = ReportInput(values={i.pk: values[i.pk] for i in rows.indicators},
                           progress={t.pk: ProgressInput(status="in_progress", output_quantity=D(3),
                                                         narrative=_nfd("Đã triển khai theo kế hoạch."))
                                     for t in rows.tasks},
                           highlights=_nfd("\n".join(HIGHLIGHTS)), difficulties=_nfd("Thiếu thiết bị trình chiếu."),
                           proposals=_nfd("Đề nghị hỗ trợ kinh phí mua máy tính bảng."))
        saved = services.unit_report_save(report=report, actor=None, version=report.version, today=day, data=data)
        submitted = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version,
                                                today=day)
        services.unit_report_accept(report=submitted, actor=admin, version=submitted.version)
    # Inside this never-committed transaction the on-commit rollups do not run: compute them.
    commune_rollup_compute(plan_ids=[plan.pk], year=2026, quarter=1)
    province_rollup_compute(province_id=province.pk, year=2026, quarter=1)
    draft = consolidated.commune_report_open(period=period, actor=admin)
    draft = consolidated.commune_report_update(report=draft, actor=admin, version=draft.version, fields={
        "number": "5", "issue_date": date(2026, 4, 2), "highlights": _nfd("\n".join(HIGHLIGHTS)),
        "difficulties": _nfd("Một số khu dân cư chưa có sóng di động ổn định."),
        "proposals": _nfd("Đề nghị Sở Khoa học và Công nghệ hỗ trợ tài liệu hướng dẫn."),
        "next_steps": _nfd("Tiếp tục mở lớp tại các khu dân cư còn lại.")})
    return {"province": province, "commune": commune, "plan": plan, "period": period, "report": draft,
            "unit_report": UnitReport.objects.select_related("period__plan__commune", "unit").get(period=period,
                                                                                                   unit=team)}


def _doc(key: str, kind: str, source: Any, profile: FormatProfile, text: Any, signer: dict[str, str]) -> Doc:
    rendered = storage.document_render(kind=kind, source=source)
    header = text.header
    # What a page asks before serving the stored PDF, in the language a user may have chosen.
    with translation.override("en"):
        current_version = storage.document_data_version(kind=kind, source=source)
    return Doc(key=key, kind=kind, content=rendered.content, profile=profile, text=text,
               issuing_body=header.issuing_body, parent_body=header.parent_body, reference=header.reference,
               place_date=header.place_date, doc_type=header.doc_type, title=header.title, signer=signer,
               recipients=text.recipients, rendered_version=rendered.data_version,
               current_version=current_version)


def _signer(signer: Any) -> dict[str, str]:
    return {"authority": signer.authority, "deputy": signer.deputy, "position": signer.position, "name": signer.name}


@pytest.fixture(scope="module")
def docs(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Doc]]:
    result: dict[str, Doc] = {}
    with django_db_blocker.unblock(), transaction.atomic(), scopes_disabled():
        state = _commune("KH", "Khánh Hòa", "Ba Ngòi", IssuerKind.UBND)
        party = _commune("QN", "Quảng Ninh", "Hà Tu", IssuerKind.DANG_UY)
        for key, data, profile in (("state", state, STATE), ("party", party, PARTY)):
            unit = unit_report_content(report=data["unit_report"])
            result[f"unit-{key}"] = _doc(f"unit-{key}", DocumentKind.UNIT_REPORT, data["unit_report"], profile,
                                         unit, _signer(unit.signer))
            commune = commune_report_content(report=data["report"])
            result[f"commune-{key}"] = _doc(f"commune-{key}", DocumentKind.COMMUNE_REPORT, data["report"], profile,
                                            commune, _signer(commune.signer))
        source = ProvinceQuarter(province=state["province"], year=2026, quarter=1)
        summary = province_summary_content(source=source)
        result["province"] = _doc("province", DocumentKind.PROVINCE_SUMMARY, source, STATE, summary,
                                  _signer(summary.signer))
        transaction.set_rollback(True)
    yield result


DOCS = ("unit-state", "unit-party", "commune-state", "commune-party", "province")


@pytest.fixture(params=DOCS)
def doc(request: pytest.FixtureRequest, docs: dict[str, Doc]) -> Doc:
    return docs[request.param]


def _assert_element(page: Any, text: str, style: Any) -> None:
    pc.assert_style(page, text, size=style.size, bold=style.bold, italic=style.italic)


def test_a_fresh_render_is_current_whatever_the_language_asking(doc: Doc) -> None:
    """The version a render stores (read from the content it printed) is the one the pages
    compute (from the source, in the user's language): else every request would render again."""
    assert doc.rendered_version and doc.rendered_version == doc.current_version


def test_the_profiles_follow_the_issuer(docs: dict[str, Doc]) -> None:
    assert docs["unit-state"].profile is STATE and docs["commune-state"].profile is STATE
    assert docs["unit-party"].profile is PARTY and docs["commune-party"].profile is PARTY
    assert docs["province"].profile is STATE


def test_only_liberation_serif_embedded_even_in_the_charts(doc: Doc) -> None:
    with pc.open_pdf(doc.content) as pdf:
        faces = pc.assert_only_font(pdf, family="Liberation Serif")
    assert (False, False) in faces and (True, False) in faces and (False, True) in faces


def test_a4_pages_and_margins(doc: Doc) -> None:
    profile = doc.profile
    with pc.open_pdf(doc.content) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages:
            width, height = (297, 210) if pc.is_landscape(page) else (210, 297)
            assert pc.mm(page.width) == pytest.approx(width, abs=0.5)
            assert pc.mm(page.height) == pytest.approx(height, abs=0.5)
            body = pc.body_chars(page)
            assert pc.left_margin_mm(page) >= profile.margin_left_mm - 2, f"page {page.page_number}: left margin"
            assert pc.right_margin_mm(page) >= profile.margin_right_mm - 2, f"page {page.page_number}: right margin"
            assert pc.mm(min(c["top"] for c in body)) >= profile.margin_top_mm - 0.5
            assert pc.mm(page.height - max(c["bottom"] for c in body)) >= profile.margin_bottom_mm - 0.5
            if page.edges:  # a table: its border starts at the left margin
                assert pc.leftmost_stroke_mm(page) >= profile.margin_left_mm - 0.5
            assert pc.overlapping_chars(page) == [], f"page {page.page_number}: text drawn over text"
        first = pdf.pages[0]  # the header and a justified paragraph reach both margins
        assert pc.left_margin_mm(first) == pytest.approx(profile.margin_left_mm, abs=2)
        assert pc.right_margin_mm(first) == pytest.approx(profile.margin_right_mm, abs=2)


def test_page_numbers_top_centre_from_page_two(doc: Doc) -> None:
    profile = doc.profile
    with pc.open_pdf(doc.content) as pdf:
        pc.assert_page_numbers(pdf, left_mm=profile.margin_left_mm, right_mm=profile.margin_right_mm,
                               top_margin_mm=profile.margin_top_mm, size=profile.page_number.size)
        assert pc.page_number_text(pdf.pages[0]) == ""
        assert pc.page_number_text(pdf.pages[1]) == "2"


def test_header_sizes_and_styles(doc: Doc) -> None:
    profile = doc.profile
    with pc.open_pdf(doc.content) as pdf:
        page = pdf.pages[0]
        _assert_element(page, profile.national_title_text, profile.national_title)
        if profile.motto_text:
            _assert_element(page, profile.motto_text, profile.motto)
            rule, text = pc.line_under(page, profile.motto_text)  # type: ignore[misc]
            assert rule == pytest.approx(text, rel=0.03)
        else:
            assert not pc.chars_of(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        if doc.parent_body:
            _assert_element(page, doc.parent_body, profile.parent_body)
        _assert_element(page, doc.issuing_body, profile.issuing_body)
        _assert_element(page, doc.reference, profile.reference)
        _assert_element(page, doc.place_date, profile.place_date)
        _assert_element(page, doc.doc_type, profile.doc_type)
        _assert_element(page, doc.title, profile.summary)
        if profile is PARTY:
            assert pc.chars_of(page, doc.issuing_body + "*"), "a “*” under the issuing body"
            assert pc.chars_of(page, doc.title + "-----"), "a line of dashes under the summary"
        else:
            summary = pc.line_under(page, doc.title)
            assert summary is not None and 1 / 3 - 0.02 <= summary[0] / summary[1] <= 1 / 2 + 0.02


def test_number_and_date_follow_the_rules(docs: dict[str, Doc]) -> None:
    assert docs["commune-state"].reference == "Số: 05/BC-UBND"
    assert docs["commune-state"].place_date == "Ba Ngòi, ngày 02 tháng 4 năm 2026"
    assert docs["commune-party"].reference == "Số 05-BC/ĐU"  # no colon, "-" before the type
    assert docs["unit-state"].parent_body == "UBND PHƯỜNG BA NGÒI"
    assert docs["unit-party"].parent_body == "ĐẢNG ỦY PHƯỜNG HÀ TU"
    assert docs["province"].parent_body == "UBND TỈNH KHÁNH HÒA"
    assert docs["province"].issuing_body == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"


def test_signer_block_and_recipients(doc: Doc) -> None:
    profile = doc.profile
    with pc.open_pdf(doc.content) as pdf:
        page = next(p for p in reversed(pdf.pages) if pc.chars_of(p, profile.recipients_label_text))
        for key, style in (("authority", profile.authority), ("deputy", profile.authority),
                           ("position", profile.position), ("name", profile.signer_name)):
            if doc.signer[key]:
                _assert_element(page, doc.signer[key].upper() if style.upper else doc.signer[key], style)
        _assert_element(page, profile.recipients_label_text, profile.recipients_label)
        # Every quarterly document is signed by someone named: the unit's head, the commune's
        # signer, the province agency's (issue 13: the unit report and the summary had no name).
        assert doc.signer["name"] and doc.signer["position"]
        first_signer_line = (doc.signer["authority"] or doc.signer["deputy"] or doc.signer["position"]).upper()
        label = pc.chars_of(page, profile.recipients_label_text)
        signer = pc.chars_of(page, first_signer_line)
        assert abs(label[0]["bottom"] - signer[0]["bottom"]) < 1.5, "“Nơi nhận:” level with the authority"
        assert label[0]["x0"] < signer[0]["x0"]
        tops = []
        for text in doc.recipients:
            chars = pc.chars_of(page, f"- {text}")
            assert chars, f"recipient “{text}”"
            assert pc.style_of(chars).sizes == {profile.recipients.size}
            tops.append(chars[0]["top"])
        assert tops == sorted(tops) and len(set(tops)) == len(tops), "one recipient per line"


def test_extracted_text_is_the_source_text(doc: Doc) -> None:
    """No mojibake, no lost diacritics: what was typed (even NFD) reads back as NFC."""
    with pc.open_pdf(doc.content) as pdf:
        text = pc.page_words(pdf)
        stream = pc.stream_text(pdf)
    assert pc.contains_text(text, doc.text.intro)
    assert pc.contains_text(text, doc.text.closing)
    if doc.kind != DocumentKind.PROVINCE_SUMMARY:
        for paragraph in HIGHLIGHTS:
            assert pc.contains_text(text, paragraph), paragraph[:40]
    rows: dict[str, Any] = {DocumentKind.UNIT_REPORT: lambda c: [v.name for v in c.values] + [t.title for t in c.tasks],
            DocumentKind.COMMUNE_REPORT: lambda c: [r.name for r in c.indicators] + [t.title for t in c.tasks]
            + [u.unit for u in c.units],
            DocumentKind.PROVINCE_SUMMARY: lambda c: [i.name for i in c.indicators] + [r.name for r in c.communes]}
    for cell in rows[doc.kind](doc.text):
        assert pc.contains_stream_text(stream, cell), cell


@pytest.mark.parametrize("key", ["commune-state", "commune-party"])
def test_the_commune_report_has_its_tables_charts_and_appendices(docs: dict[str, Doc], key: str) -> None:
    doc = docs[key]
    profile = doc.profile
    content = doc.text
    with pc.open_pdf(doc.content) as pdf:
        stream = pc.stream_text(pdf)
        # The figures of the indicator table, as the page shows them.
        adults = next(r for r in content.indicators if r.code == ADULTS)
        assert adults.quarter == "39,5" and adults.status_label  # (450 + 300) / (1000 + 900)
        assert pc.contains_stream_text(stream, f"{adults.name}%{adults.target}{adults.quarter}{adults.ytd}")
        # One chart per key indicator, its labels in the document's font (checked above).
        assert len(content.charts) == 2
        assert pc.contains_stream_text(stream, "ĐầunămQuýIQuýIIQuýIIIQuýIV")
        assert pc.contains_stream_text(stream, "Thựchiện(lũykế)")
        landscape = [p for p in pdf.pages if pc.is_landscape(p)]
        assert landscape, "the task table sits on a landscape page"
        _assert_element(landscape[0], f"{profile.appendix_label_text} II", profile.appendix_label)
        _assert_element(landscape[0], "TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ, GIẢI PHÁP", profile.appendix_title)
        _assert_element(landscape[0], content.appendix_reference, profile.appendix_reference)
        assert pc.leftmost_stroke_mm(landscape[0]) == pytest.approx(profile.margin_left_mm, abs=0.5)
        for task in content.tasks:
            assert pc.contains_stream_text(stream, task.title)
            # The units' counts by status, in one cell after the deliverables.
            assert pc.contains_stream_text(stream, task.deliverables + "".join(reports_by_status(task)))
        assert any(task.in_progress for task in content.tasks)


def test_the_province_summary_is_a_commune_by_indicator_table(docs: dict[str, Doc]) -> None:
    doc = docs["province"]
    with pc.open_pdf(doc.content) as pdf:
        landscape = [p for p in pdf.pages if pc.is_landscape(p)]
        assert landscape
        stream = pc.stream_text(pdf)
    commune = doc.text.communes[0]
    assert commune.name == "Phường Ba Ngòi" and (commune.expected, commune.received, commune.accepted) == (3, 2, 2)
    # The figures with their status marks, explained in the note above the table.
    marks = {"at_risk": "*", "off_track": "**"}
    assert pc.contains_stream_text(stream, "PhườngBaNgòi" + "".join(
        cell.ytd + marks.get(cell.status, "") for cell in commune.cells))
    assert pc.contains_stream_text(stream, "*cónguycơchậm,**chậmtiếnđộ")


# --- Stale and fresh (function-scoped: stores files) ---------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.usefixtures("no_scope", "media")
def test_a_stale_unit_report_pdf_is_rendered_again_after_a_change(world: World) -> None:
    report = world.report_a
    url = reverse("unit_report_pdf", kwargs={"report_pk": report.pk})
    client = login(world.reporter_a)
    first = client.get(url)
    assert first.status_code == 200
    stored = storage.document_current(kind=DocumentKind.UNIT_REPORT, source=report)
    assert stored.document is not None and not stored.is_stale and not stored.is_frozen
    again = client.get(url)  # fresh: served as stored, not rendered again
    assert again["ETag"] == first["ETag"]
    services.unit_report_save(report=report, actor=world.reporter_a, version=report.version,
                              data=ReportInput(highlights="Mở thêm hai lớp học buổi tối"), today=date(2026, 3, 10))
    report.refresh_from_db()
    assert storage.document_current(kind=DocumentKind.UNIT_REPORT, source=report).is_stale
    changed = client.get(url)
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    with pc.open_pdf(b"".join(changed.streaming_content)) as pdf:  # type: ignore[attr-defined]
        assert pc.contains_text(pc.page_words(pdf), "Mở thêm hai lớp học buổi tối")
    current = storage.document_current(kind=DocumentKind.UNIT_REPORT, source=report)
    assert current.document is not None and current.document.pk == stored.document.pk and not current.is_stale


def test_the_task_table_counts_the_units_by_status_in_one_cell(docs: dict[str, Doc]) -> None:
    task = docs["commune-state"].text.tasks[0]
    assert reports_by_status(replace(task, done=1, in_progress=2, delayed=0, not_started=3)) == [
        "Hoàn thành: 1", "Đang triển khai: 2", "Chưa triển khai: 3"]
    assert reports_by_status(replace(task, done=0, in_progress=0, delayed=0, not_started=0)) == ["—"]


def test_appendix_tables_split_the_indicators_evenly(docs: dict[str, Doc]) -> None:
    content = docs["province"].text
    assert [len(t.headers) for t in appendix_tables(content)] == [len(content.indicators)]
    split = appendix_tables(content, columns=2)
    assert [len(t.headers) for t in split] == [2, 1]
    assert [row.figures for row in split[0].rows] == [[c.ytd + {"at_risk": "*", "off_track": "**"}.get(c.status, "")
                                                       for c in commune.cells[:2]] for commune in content.communes]
    assert split[1].totals == [content.indicators[2].ytd]


@pytest.mark.usefixtures("no_scope")
def test_a_province_with_twenty_indicators_gets_legible_appendix_tables() -> None:
    """Twenty indicators do not fit one landscape table: they come in tables of seven, seven and
    six, every header and figure inside the page and no text drawn over other text."""
    from campaigns.models import Province
    from reporting.documents.province_summary import APPENDIX_COLUMNS
    from reporting.rollups.compute import rollup_run
    from reporting.synthetic import SyntheticSpec, synthetic_data_generate

    synthetic_data_generate(spec=SyntheticSpec(provinces=1, communes=4, units=3, indicators=20, quarters=1,
                                               prefix="pdft"))
    province = Province.objects.get(code="pdft001")
    rollup_run(year=2026, quarter=1, commune_ids=list(province.communes.values_list("pk", flat=True)))
    source = ProvinceQuarter(province=province, year=2026, quarter=1)
    content = province_summary_content(source=source)
    assert len(content.indicators) == 20 and APPENDIX_COLUMNS == 8
    rendered = storage.document_render(kind=DocumentKind.PROVINCE_SUMMARY, source=source)
    with pc.open_pdf(rendered.content) as pdf:
        landscape = [p for p in pdf.pages if pc.is_landscape(p)]
        stream = pc.stream_text(pdf)
        heads = [sum(1 for n in range(10) if pc.chars_of(p, "STTXã, phường", occurrence=n)) for p in landscape]
        assert all(heads) and sum(heads) >= 3, heads  # three tables, the header on every page they reach
        for page in pdf.pages:
            assert pc.overlapping_chars(page) == [], f"page {page.page_number}: text drawn over text"
            assert pc.right_margin_mm(page) >= STATE.margin_right_mm - 0.5
        for page in landscape:
            assert pc.right_edge_mm(page) == pytest.approx(STATE.margin_right_mm, abs=0.5)
    for number, indicator in enumerate(content.indicators):
        assert pc.contains_stream_text(stream, f"{indicator.short_name}({indicator.unit_of_measure})"), number
    tables = appendix_tables(content)
    assert [len(t.headers) for t in tables] == [7, 7, 6]
    for table in tables:
        first = table.rows[0]
        assert pc.contains_stream_text(stream, f"{first.number}{first.name}{''.join(first.figures)}")


# --- The province summary says what its counts count (issue 13) ------------------------------


@pytest.mark.usefixtures("no_scope")
def test_the_province_summary_counts_communes_on_the_portal_and_those_with_a_figure(world: World) -> None:
    """Province P, Q2: commune B's unit reported 141 articles in Q1 and nothing in Q2; commune
    A has a target on adults and no figure. Rendered for real (WeasyPrint)."""
    from tests import rollup_data as data

    plan_b = data.plan(world.commune_b)
    data.target(plan_b, data.NEWS, 300, [world.unit_b])
    data.report(world.unit_b, data.period(plan_b, 1), news=141)
    for plan in (world.plan_a, plan_b):
        data.deadlines(plan, passed=(1, 2))
    data.roll(world.province_p)
    source = ProvinceQuarter(province=world.province_p, year=2026, quarter=2)
    content = province_summary_content(source=source)
    news = next(row for row in content.indicators if row.code == data.NEWS)
    adults = next(row for row in content.indicators if row.code == data.ADULTS)
    # 141 articles to date from the one commune with a target: it has the figure, "1/1", not
    # "0/1" (the communes that reported in Q2).
    assert (news.ytd, news.communes, news.at_risk) == ("141", "1/1", 0)
    assert (adults.ytd, adults.communes) == ("—", "0/1")
    rendered = storage.document_render(kind=DocumentKind.PROVINCE_SUMMARY, source=source)
    with pc.open_pdf(rendered.content) as pdf:
        stream = pc.stream_text(pdf)
        text = unicodedata.normalize("NFC", " ".join(page.extract_text() or "" for page in pdf.pages))
    # The communes are those on the portal, said as such (not "Tỉnh có 2 xã, phường").
    flat = " ".join(text.split())
    assert "Trên hệ thống có 2 xã, phường của tỉnh Phía Bắc" in flat and "Tỉnh có 2 xã, phường" not in flat
    assert pc.contains_stream_text(stream, news.name + news.unit_of_measure + "141" + "1/1" + "0")
    assert not pc.contains_stream_text(stream, news.name + news.unit_of_measure + "141" + "0/1")
