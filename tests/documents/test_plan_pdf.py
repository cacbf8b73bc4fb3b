"""The four seed plans as official PDFs, checked against FORMAT.md (tests/documents/pdfcheck.py).

Ba Ngòi, Sơn Kim 1 and Đặng Thùy Trâm are People's Committee plans (Nghị định 30/2020); Hà Tu
is a Party Committee plan (Hướng dẫn 36). Each is rendered once per module: the data is
loaded through ``load_demo`` inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from pdfplumber.page import Page
from pytest_django import DjangoDbBlocker

from campaigns.models import IssuerKind, Plan, TasksLayout
from portal.scoping import scopes_disabled
from reporting.documents.formatting import recipient_lines
from reporting.documents.profiles import PARTY, STATE, FormatProfile, TextStyle, profile_for
from reporting.documents.storage import document_render
from reporting.models import DocumentKind
from tests.documents import pdfcheck as pc

SEEDS = ("ba-ngoi", "son-kim-1", "dang-thuy-tram", "ha-tu")
# Marked so that pytest-django creates the test database even when this module runs alone;
# the tests themselves only read the PDFs rendered once by the module fixture.
pytestmark = pytest.mark.django_db


@dataclass
class SeedPdf:
    code: str
    content: bytes
    pages: int
    profile: FormatProfile
    issuer_kind: str
    tasks_layout: str
    parent_body: str
    issuing_body: str
    title: str
    place: str
    legal_bases: list[str]
    headings: list[tuple[int, str]]  # (level, "I. MỤC ĐÍCH, YÊU CẦU")
    task_titles: list[str]
    signer: dict[str, str]
    recipients: list[str]
    paragraphs: list[str] = field(default_factory=list)


def _heading(number: str, heading: str, level: int, profile: FormatProfile) -> str:
    text = heading.upper() if profile.heading(level).upper else heading
    return f"{number}. {text}" if number else text


@pytest.fixture(scope="module")
def seeds(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, SeedPdf]]:
    result: dict[str, SeedPdf] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        # Never the development database: pytest-django creates the test database only when
        # a collected test is marked django_db (this module is, see pytestmark).
        assert "test" in str(connection.settings_dict["NAME"]) or "memory" in str(connection.settings_dict["NAME"])
        call_command("load_demo", stdout=io.StringIO())
        with scopes_disabled():
            for plan in Plan.objects.select_related("commune").filter(commune__code__in=SEEDS):
                profile = profile_for(plan.issuer_kind)
                rendered = document_render(kind=DocumentKind.PLAN, source=plan)
                result[plan.commune.code] = SeedPdf(
                    code=plan.commune.code, content=rendered.content, pages=rendered.pages,
                    profile=profile, issuer_kind=plan.issuer_kind, tasks_layout=plan.tasks_layout,
                    parent_body=plan.parent_body, issuing_body=plan.issuing_body, title=plan.title,
                    place=plan.place,
                    legal_bases=list(plan.legal_bases.values_list("text", flat=True)),
                    headings=[(s.level, _heading(s.number, s.heading, s.level, profile))
                              for s in plan.sections.all() if s.heading],
                    task_titles=list(plan.tasks.values_list("title", flat=True)),
                    signer={"authority": plan.signer_authority, "deputy": plan.signer_deputy,
                            "position": plan.signer_position, "name": plan.signer_name},
                    recipients=list(plan.recipients.values_list("text", flat=True)),
                    paragraphs=[line for s in plan.sections.all() for line in s.paragraphs]
                    + plan.preamble.splitlines() + plan.closing.splitlines(),
                )
        transaction.set_rollback(True)
    assert set(result) == set(SEEDS)
    yield result


@pytest.fixture(params=SEEDS)
def seed(request: pytest.FixtureRequest, seeds: dict[str, SeedPdf]) -> SeedPdf:
    return seeds[request.param]


def test_both_profiles_are_covered(seeds: dict[str, SeedPdf]) -> None:
    assert seeds["ha-tu"].profile is PARTY and seeds["ha-tu"].issuer_kind == IssuerKind.DANG_UY
    for code in ("ba-ngoi", "son-kim-1", "dang-thuy-tram"):
        assert seeds[code].profile is STATE
    assert seeds["ba-ngoi"].tasks_layout == TasksLayout.APPENDIX
    assert seeds["ha-tu"].tasks_layout == TasksLayout.INLINE


def test_only_liberation_serif_is_used_and_embedded(seed: SeedPdf) -> None:
    with pc.open_pdf(seed.content) as pdf:
        faces = pc.assert_only_font(pdf, family=seed.profile.font_family)
    assert (False, False) in faces and (True, False) in faces and (False, True) in faces


def test_pages_are_a4_portrait_with_the_margins(seed: SeedPdf) -> None:
    profile = seed.profile
    with pc.open_pdf(seed.content) as pdf:
        assert len(pdf.pages) == seed.pages
        for page in pdf.pages:
            assert pc.overlapping_chars(page) == [], f"{seed.code} page {page.page_number}: text over text"
        portrait = [p for p in pdf.pages if not pc.is_landscape(p)]
        for page in portrait:
            assert pc.mm(page.width) == pytest.approx(profile.page_width_mm, abs=0.5)
            assert pc.mm(page.height) == pytest.approx(profile.page_height_mm, abs=0.5)
        for page in portrait[:-1]:  # the last page may hold only the signature block
            assert pc.left_margin_mm(page) == pytest.approx(profile.margin_left_mm, abs=2)
            assert profile.margin_right_mm - 2 <= pc.right_margin_mm(page) <= profile.margin_right_mm + 2
            body = pc.body_chars(page)
            assert pc.mm(min(c["top"] for c in body)) >= profile.margin_top_mm - 0.5
            assert pc.mm(page.height - max(c["bottom"] for c in body)) >= profile.margin_bottom_mm - 0.5


def test_page_numbers_top_centre_not_on_page_one(seed: SeedPdf) -> None:
    profile = seed.profile
    with pc.open_pdf(seed.content) as pdf:
        assert len(pdf.pages) >= 2
        pc.assert_page_numbers(pdf, left_mm=profile.margin_left_mm, right_mm=profile.margin_right_mm,
                               top_margin_mm=profile.margin_top_mm, size=profile.page_number.size)
        assert pc.page_number_text(pdf.pages[1]) == "2"


def _assert_element(page: Page, text: str, style: TextStyle) -> None:
    pc.assert_style(page, text, size=style.size, bold=style.bold, italic=style.italic)


def test_state_header(seeds: dict[str, SeedPdf]) -> None:
    profile = STATE
    for code in ("ba-ngoi", "son-kim-1", "dang-thuy-tram"):
        seed = seeds[code]
        with pc.open_pdf(seed.content) as pdf:
            page = pdf.pages[0]
            _assert_element(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", profile.national_title)
            _assert_element(page, "Độc lập - Tự do - Hạnh phúc", profile.motto)
            _assert_element(page, seed.issuing_body, profile.issuing_body)
            _assert_element(page, "/KH-UBND", profile.reference)
            assert pc.chars_of(page, "Số:/KH-UBND"), "an unnumbered plan shows “Số:   /KH-UBND”"
            _assert_element(page, "KẾ HOẠCH", profile.doc_type)
            _assert_element(page, seed.title, profile.summary)
            # The motto's line is as long as the motto; the issuing body's 1/3–1/2 of it.
            under_motto = pc.line_under(page, "Độc lập - Tự do - Hạnh phúc")
            assert under_motto is not None
            rule, text = under_motto
            assert rule == pytest.approx(text, rel=0.03)
            issuing_line = seed.issuing_body.removeprefix("ỦY BAN NHÂN DÂN").strip()
            under = pc.line_under(page, issuing_line)
            assert under is not None, "no line under the issuing body"
            widest = max(pc.bbox(pc.chars_of(page, "ỦY BAN NHÂN DÂN"))[2] - pc.bbox(pc.chars_of(page, "ỦY BAN NHÂN DÂN"))[0],
                         under[1])
            assert 1 / 3 - 0.02 <= under[0] / widest <= 1 / 2 + 0.02
            summary = pc.line_under(page, seed.title)
            assert summary is not None, "no line under the summary"
            assert 1 / 3 - 0.02 <= summary[0] / summary[1] <= 1 / 2 + 0.02


def test_state_date_lines(seeds: dict[str, SeedPdf]) -> None:
    with pc.open_pdf(seeds["ba-ngoi"].content) as pdf:
        page = pdf.pages[0]
        # No day yet: a blank to fill in; January takes a leading zero.
        _assert_element(page, "Ba Ngòi, ngày", STATE.place_date)
        _assert_element(page, "tháng 01 năm 2026", STATE.place_date)
    with pc.open_pdf(seeds["dang-thuy-tram"].content) as pdf:
        _assert_element(pdf.pages[0], "tháng 9 năm 2025", STATE.place_date)


def test_party_header(seeds: dict[str, SeedPdf]) -> None:
    profile = PARTY
    seed = seeds["ha-tu"]
    with pc.open_pdf(seed.content) as pdf:
        page = pdf.pages[0]
        _assert_element(page, "ĐẢNG CỘNG SẢN VIỆT NAM", profile.national_title)
        under_title = pc.line_under(page, "ĐẢNG CỘNG SẢN VIỆT NAM")
        assert under_title is not None
        rule, text = under_title
        assert rule == pytest.approx(text, rel=0.03)
        _assert_element(page, "ĐẢNG BỘ TỈNH QUẢNG NINH", profile.parent_body)
        _assert_element(page, "ĐẢNG ỦY PHƯỜNG HÀ TU", profile.issuing_body)
        star = pc.chars_of(page, "ĐẢNG ỦY PHƯỜNG HÀ TU*")[-1:]
        assert star, "a “*” under the issuing body"
        _assert_element(page, "Số 03-KH/ĐU", profile.reference)  # no colon, "-" before the type
        reference = pc.bbox(pc.chars_of(page, "Số 03-KH/ĐU"))
        issuing = pc.bbox(pc.chars_of(page, "ĐẢNG ỦY PHƯỜNG HÀ TU"))
        assert issuing[3] < star[0]["top"] < reference[1], "body, “*”, number, top to bottom"
        for box in (reference, pc.bbox(star)):  # all centred in the left column
            assert (box[0] + box[2]) / 2 == pytest.approx((issuing[0] + issuing[2]) / 2, abs=3)
        _assert_element(page, "Hà Tu, ngày 04 tháng 7 năm 2025", profile.place_date)
        _assert_element(page, "KẾ HOẠCH", profile.doc_type)
        _assert_element(page, seed.title, profile.summary)
        assert pc.chars_of(page, seed.title + "-----"), "a line of dashes under the summary"
        assert not pc.chars_of(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


def test_legal_bases_italic_and_punctuated_as_written(seed: SeedPdf) -> None:
    """DESIGN.md rule 8: a legal basis prints as the plan writes it, its own punctuation
    included (Ba Ngòi's fourth ends in ".", its fifth in nothing): never re-punctuated."""
    with pc.open_pdf(seed.content) as pdf:
        text = pc.page_words(pdf)
        stream = pc.stream_text(pdf)
        for index, basis in enumerate(seed.legal_bases):
            assert pc.contains_text(text, basis.strip()), f"legal basis {index + 1} of {seed.code}"
            core = basis.strip()[:60]
            page = next(p for p in pdf.pages if pc.chars_of(p, core))
            style = pc.style_of(pc.chars_of(page, core))
            assert style.italic is True and style.bold is False
            assert style.sizes == {seed.profile.legal_basis.size}
        assert stream


def test_every_section_heading_is_there_in_its_style(seed: SeedPdf) -> None:
    with pc.open_pdf(seed.content) as pdf:
        text = pc.page_words(pdf)
        for level, heading in seed.headings:
            assert pc.contains_text(text, heading), f"{seed.code}: heading “{heading}”"
            page = next(p for p in pdf.pages if pc.chars_of(p, heading))
            style = pc.style_of(pc.chars_of(page, heading))
            expected = seed.profile.heading(level)
            assert style.bold is expected.bold and style.italic is expected.italic, heading
            assert style.sizes == {expected.size}


def test_every_task_title_is_there(seed: SeedPdf) -> None:
    with pc.open_pdf(seed.content) as pdf:
        text = pc.page_words(pdf)
        stream = pc.nfc("".join(c["text"] for p in pdf.pages for c in pc.body_chars(p)))  # no page numbers
        # In the appendix, a tall task row may break across a page, its title continuing under
        # the repeated header: the task column read down its pages has it whole. (A group row
        # spans the columns and reads whole in the drawing order.)
        column = (pc.column_text(pdf, "Nhiệm vụ, giải pháp") if seed.tasks_layout == TasksLayout.APPENDIX
                  else "")
        for title in seed.task_titles:
            assert pc.contains_stream_text(stream, title) or pc.contains_stream_text(column, title), (
                f"{seed.code}: task “{title[:60]}”")
            if seed.tasks_layout == TasksLayout.INLINE:  # body paragraphs read in order
                assert pc.contains_text(text, title) or pc.contains_text(text, title.upper())


def test_every_paragraph_reads_back_as_stored(seed: SeedPdf) -> None:
    """Extracted text equals the stored text after NFC: no mojibake, no lost diacritics."""
    with pc.open_pdf(seed.content) as pdf:
        text = pc.page_words(pdf)
    missing = [p for p in seed.paragraphs if p.strip() and not pc.contains_text(text, p)]
    assert not missing, f"{seed.code}: {len(missing)} paragraphs differ, first: {missing[0][:80]}"
    assert len(seed.paragraphs) > 10


def test_body_text_is_the_source_text(seeds: dict[str, SeedPdf]) -> None:
    """Extracted text equals the stored text after NFC: no mojibake, no lost diacritics."""
    with pc.open_pdf(seeds["ba-ngoi"].content) as pdf:
        text = pc.page_words(pdf)
    assert pc.contains_text(text, (
        "Huy động nguồn lực xã hội, tăng cường vai trò quản lý nhà nước, trách nhiệm của cơ "
        "quan, đơn vị trong việc triển khai công tác phổ cập kỹ năng số"))
    assert pc.contains_text(text, "Thực hiện Phong trào “Bình dân học vụ số” năm 2026 trên địa bàn phường Ba Ngòi")


def test_body_paragraphs_are_justified_with_a_first_line_indent(seeds: dict[str, SeedPdf]) -> None:
    profile = STATE
    with pc.open_pdf(seeds["ba-ngoi"].content) as pdf:
        page = pdf.pages[1]
        lines: dict[float, list[dict[str, Any]]] = {}
        for char in pc.body_chars(page):
            lines.setdefault(round(char["top"]), []).append(char)
        starts = sorted({round(pc.mm(min(c["x0"] for c in chars)), 1) for chars in lines.values()})
        indent_mm = profile.first_line_indent_cm * 10
        assert starts[0] == pytest.approx(profile.margin_left_mm, abs=0.5)
        assert any(s == pytest.approx(profile.margin_left_mm + indent_mm, abs=0.5) for s in starts)
        full = [chars for chars in lines.values()
                if pc.mm(page.width - max(c["x1"] for c in chars)) < profile.margin_right_mm + 0.6]
        assert len(full) >= len(lines) // 2, "justified lines reach the right margin"


def test_signature_block(seed: SeedPdf) -> None:
    profile = seed.profile
    with pc.open_pdf(seed.content) as pdf:
        page = next(p for p in reversed(pdf.pages) if pc.chars_of(p, profile.recipients_label_text))
        for key, style in (("authority", profile.authority), ("deputy", profile.authority),
                           ("position", profile.position), ("name", profile.signer_name)):
            value = seed.signer[key]
            if value:
                shown = value.upper() if style.upper else value
                _assert_element(page, shown, style)
        label = pc.chars_of(page, profile.recipients_label_text)
        _assert_element(page, profile.recipients_label_text, profile.recipients_label)
        if seed.signer["authority"]:
            # "Nơi nhận:" sits level with the authority line (same baseline, within 1.5 pt).
            authority = pc.chars_of(page, seed.signer["authority"])
            assert abs(label[0]["bottom"] - authority[0]["bottom"]) < 1.5
            assert label[0]["x0"] < authority[0]["x0"]


def test_recipients_one_per_line_in_their_size(seed: SeedPdf) -> None:
    profile = seed.profile
    with pc.open_pdf(seed.content) as pdf:
        page = next(p for p in reversed(pdf.pages) if pc.chars_of(p, profile.recipients_label_text))
        tops = []
        for line in recipient_lines(seed.recipients, profile=profile):
            chars = pc.chars_of(page, line)
            assert chars, f"{seed.code}: recipient “{line}”"
            style = pc.style_of(chars)
            assert style.sizes == {profile.recipients.size} and style.bold is False
            tops.append(chars[0]["top"])
        assert tops == sorted(tops) and len(set(tops)) == len(tops), "one recipient per line"
        if profile is PARTY:
            label = pc.chars_of(page, profile.recipients_label_text)
            assert pc.line_under(page, profile.recipients_label_text) is not None, "underlined"
            assert pc.style_of(label).italic is False


def test_appendix_is_a_landscape_table_with_its_header(seeds: dict[str, SeedPdf]) -> None:
    profile = STATE
    with pc.open_pdf(seeds["ba-ngoi"].content) as pdf:
        landscape = [p for p in pdf.pages if pc.is_landscape(p)]
        assert landscape, "the appendix has landscape pages"
        assert not pc.is_landscape(pdf.pages[0])
        first = landscape[0]
        assert pc.mm(first.width) == pytest.approx(297, abs=0.5)
        _assert_element(first, profile.appendix_label_text, profile.appendix_label)
        _assert_element(first, "DANH MỤC NHIỆM VỤ, GIẢI PHÁP", profile.appendix_title)
        _assert_element(first, "(Ban hành kèm theo Kế hoạch số", profile.appendix_reference)  # as written
        header = ["STT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp",
                  "Thời gian thực hiện", "Sản phẩm/kết quả"]
        for page in landscape:  # the header row repeats on every page of the table
            assert pc.chars_of(page, "".join(header)), f"page {page.page_number}: table header"
            assert pc.style_of(pc.chars_of(page, "Nhiệm vụ, giải pháp")).bold is True
            assert pc.leftmost_stroke_mm(page) == pytest.approx(profile.margin_left_mm, abs=0.5)
            assert profile.margin_right_mm - 0.5 <= pc.right_margin_mm(page) <= profile.margin_right_mm + 8
        # Group rows are bold, task rows regular.
        _assert_element(first, "TRUYỀN THÔNG VÀ TUYẾN TRUYỀN", profile.table_header)  # sic, as the seed writes it
        assert pc.style_of(pc.chars_of(first, "Xây dựng và duy trì chuyên mục")).bold is False
        pc.assert_page_numbers(pdf)


def test_inline_plans_have_no_landscape_page(seeds: dict[str, SeedPdf]) -> None:
    for code in ("son-kim-1", "dang-thuy-tram", "ha-tu"):
        with pc.open_pdf(seeds[code].content) as pdf:
            assert not any(pc.is_landscape(p) for p in pdf.pages), code
            assert not pc.chars_of(pdf.pages[-1], "Phụ lục(Kèm theo")
