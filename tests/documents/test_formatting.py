"""The format profiles hold FORMAT.md's numbers; the text helpers follow its rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.loader import render_to_string

from campaigns.selectors.plan_text import recipient_lines
from reporting.documents.formatting import (
    balanced_lines,
    body_lines,
    font_safe,
    issuing_body_lines,
    place_date_line,
    place_date_line_for,
    reference_line,
)
from reporting.documents.metrics import text_width_pt
from reporting.documents.parts import appendix_reference_lines, document_header, header_column_pt
from reporting.documents.profiles import PARTY, STATE, FormatProfile, TextStyle, profile_for
from reporting.documents.registry import registered_kinds, spec_for
from reporting.models import DocumentKind


def test_both_profiles_hold_the_page_and_margins_of_format_md() -> None:
    for profile in (STATE, PARTY):
        assert (profile.page_size, profile.page_width_mm, profile.page_height_mm) == ("A4", 210, 297)
        assert (profile.margin_top_mm, profile.margin_bottom_mm, profile.margin_left_mm,
                profile.margin_right_mm) == (20, 20, 30, 15)
        assert profile.font_family == "Liberation Serif" and len(profile.font_files) == 4
        assert 1 <= profile.first_line_indent_cm <= 1.27
        assert profile.paragraph_spacing_pt >= 6 and 1 <= profile.line_spacing <= 1.5
        assert 13 <= profile.page_number.size <= 14 and not profile.page_number_on_first_page
    assert STATE.revision != PARTY.revision


def test_state_profile_sizes_follow_nghi_dinh_30() -> None:
    p = STATE
    assert p.national_title_text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert 12 <= p.national_title.size <= 13 and p.national_title.bold and p.national_title.upper
    assert p.motto_text == "Độc lập - Tự do - Hạnh phúc" and 13 <= p.motto.size <= 14 and p.motto.bold
    assert 12 <= p.parent_body.size <= 13 and not p.parent_body.bold
    assert 12 <= p.issuing_body.size <= 13 and p.issuing_body.bold
    assert p.reference.size == 13 and p.reference_format == "Số: {number}/{symbol}"
    assert 13 <= p.place_date.size <= 14 and p.place_date.italic
    assert p.doc_type.bold and p.summary.bold and p.summary_mark == "rule"
    assert p.legal_basis.italic and 13 <= p.body.size <= 14
    assert p.headings[0].upper and p.headings[0].bold
    assert p.authority.bold and p.position.bold and p.signer_name.bold
    assert p.recipients_label_text == "Nơi nhận:"
    assert (p.recipients_label.size, p.recipients_label.bold, p.recipients_label.italic) == (12, True, True)
    assert p.recipients.size == 11 and p.archive_example.startswith("Lưu: VT")
    assert (p.appendix_label_text, p.appendix_label.size, p.appendix_label.bold) == ("Phụ lục", 14, True)
    assert 1 / 3 <= p.short_rule_ratio <= 1 / 2


def test_party_profile_follows_huong_dan_36() -> None:
    p = PARTY
    assert p.national_title_text == "ĐẢNG CỘNG SẢN VIỆT NAM" and p.national_title_ruled
    assert (p.national_title.size, p.national_title.bold) == (15, True) and not p.motto_text
    assert (p.parent_body.size, p.parent_body.bold) == (14, False)
    assert (p.issuing_body.size, p.issuing_body.bold) == (14, True)
    assert p.issuing_body_mark == "star" and p.issuing_body_star == "*"
    assert p.reference_format == "Số {number}-{symbol}" and p.reference.size == 14
    assert 15 <= p.doc_type.size <= 16 and 14 <= p.summary.size <= 15
    assert p.summary_mark == "dashes" and p.summary_dashes == "-----"
    assert 14 <= p.body.size <= 15 and p.page_number.size == 14
    assert (p.authority.size, p.authority.bold, p.position.bold, p.signer_name.bold) == (14, True, False, True)
    assert (p.recipients_label.size, p.recipients_label.italic, p.recipients_label.underline) == (14, False, True)
    assert p.recipients.size == 12 and p.archive_example == "Lưu Văn phòng Đảng ủy."


def test_profile_for_issuer_kinds() -> None:
    assert profile_for("ubnd") is STATE and profile_for("dang_uy") is PARTY
    with pytest.raises(ValueError, match="no format profile"):
        profile_for("hdnd")


@pytest.mark.parametrize(("day", "month", "expected"), [
    (5, 1, "Ba Ngòi, ngày 05 tháng 01 năm 2026"),
    (15, 2, "Ba Ngòi, ngày 15 tháng 02 năm 2026"),
    (9, 3, "Ba Ngòi, ngày 09 tháng 3 năm 2026"),
    (10, 12, "Ba Ngòi, ngày 10 tháng 12 năm 2026"),
])
def test_date_line_pads_days_below_10_and_months_1_and_2(day: int, month: int, expected: str) -> None:
    assert place_date_line("Ba Ngòi", day, month, 2026, profile=STATE) == expected
    assert place_date_line_for("Ba Ngòi", date(2026, month, day), profile=STATE) == expected


def test_date_line_leaves_blanks_while_the_date_is_unknown() -> None:
    blank = STATE.date_blank
    assert place_date_line("Ba Ngòi", None, 1, 2026, profile=STATE) == f"Ba Ngòi, ngày {blank} tháng 01 năm 2026"
    assert place_date_line_for("Hà Tu", None, profile=PARTY).startswith(f"Hà Tu, ngày {blank} tháng {blank} năm ")


def test_reference_lines() -> None:
    assert reference_line("12", "KH-UBND", profile=STATE) == "Số: 12/KH-UBND"
    assert reference_line("3", "BC-UBND", profile=STATE) == "Số: 03/BC-UBND"
    assert reference_line("03", "KH/ĐU", profile=PARTY) == "Số 03-KH/ĐU"
    assert reference_line("", "KH-UBND", profile=STATE) == f"Số: {STATE.date_blank}/KH-UBND"


def test_issuing_body_and_recipients() -> None:
    assert issuing_body_lines("ỦY BAN NHÂN DÂN PHƯỜNG BA NGÒI", profile=STATE) == [
        "ỦY BAN NHÂN DÂN", "PHƯỜNG BA NGÒI"]
    assert issuing_body_lines("ĐẢNG ỦY PHƯỜNG HÀ TU", profile=PARTY) == ["ĐẢNG ỦY PHƯỜNG HÀ TU"]
    assert recipient_lines(["Sở KH&CN;", "- Lưu: VT, VHXH.", "  "], prefix=STATE.recipient_prefix) == [
        "- Sở KH&CN;", "- Lưu: VT, VHXH."]


def test_font_safe_keeps_vietnamese_and_drops_what_the_font_lacks() -> None:
    vietnamese = "Ủy ban nhân dân phường Ba Ngòi: “Bình dân học vụ số” – ỹ ợ ự Ữ đ…"
    assert font_safe(vietnamese, profile=STATE) == vietnamese
    decomposed = "Ho\u0323c ta\u0302\u0323p"  # NFD from some keyboards
    assert font_safe(decomposed, profile=STATE) == "Học tập"
    assert font_safe("Đạt ✓ 👍\ufeff", profile=STATE) == "Đạt x "


def test_balanced_lines_fit_and_do_not_leave_a_word_alone() -> None:
    style = STATE.summary
    text = "Thực hiện Phong trào “Bình dân học vụ số” năm 2026 trên địa bàn phường Ba Ngòi"
    lines = balanced_lines(text, style=style, profile=STATE, max_width_pt=160 * 72 / 25.4)
    assert " ".join(lines) == text and len(lines) == 2
    widths = [text_width_pt(line, style, STATE) for line in lines]
    assert max(widths) / min(widths) < 1.5
    # A quoted name is not broken, nor is a quote mark typed apart from its words.
    quoted = "Phát động và tổ chức Phong trào “Bình dân học vụ số” trên địa bàn xã Đặng Thùy Trâm năm 2025"
    assert balanced_lines(quoted, style=style, profile=STATE, max_width_pt=160 * 72 / 25.4)[0].endswith("số”")
    spaced = "TRIỂN KHAI PHONG TRÀO “ BÌNH DÂN HỌC VỤ SỐ ” NĂM 2026"
    lines = balanced_lines(spaced, style=style, profile=STATE, max_width_pt=70 * 72 / 25.4)
    assert any("“ BÌNH DÂN HỌC VỤ SỐ ”" in line for line in lines) and " ".join(lines) == spaced


def test_text_width_uses_the_faces_metrics() -> None:
    regular = text_width_pt("Độc lập", TextStyle(14), STATE)
    bold = text_width_pt("Độc lập", TextStyle(14, bold=True), STATE)
    assert 0 < regular < bold


def test_every_document_kind_is_registered() -> None:
    assert DocumentKind.PLAN in registered_kinds()
    spec = spec_for(DocumentKind.PLAN)
    assert spec.template == "documents/plan.html"
    with pytest.raises(KeyError):
        spec_for("no_such_kind")


@pytest.mark.parametrize(("profile", "parent", "body", "parent_lines", "body_lines"), [
    (STATE, "UBND THÀNH PHỐ HỒ CHÍ MINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
     ["UBND THÀNH PHỐ", "HỒ CHÍ MINH"], ["SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"]),
    (PARTY, "ĐẢNG BỘ TỈNH BÀ RỊA - VŨNG TÀU", "ĐẢNG ỦY XÃ ĐẶNG THÙY TRÂM",
     ["ĐẢNG BỘ TỈNH", "BÀ RỊA - VŨNG TÀU"], ["ĐẢNG ỦY XÃ", "ĐẶNG THÙY TRÂM"]),
    (STATE, "UBND TỈNH KHÁNH HÒA", "ỦY BAN NHÂN DÂN PHƯỜNG BA NGÒI",
     ["UBND TỈNH KHÁNH HÒA"], ["ỦY BAN NHÂN DÂN", "PHƯỜNG BA NGÒI"]),
])
def test_header_bodies_wider_than_the_column_break_before_the_proper_name(
        profile: FormatProfile, parent: str, body: str, parent_lines: list[str], body_lines: list[str]) -> None:
    header = document_header(profile=profile, parent_body=parent, issuing_body=body, number="", symbol="BC",
                             place="Hà Nội", day=None, month=None, year=None)
    assert (header.parent_lines, header.issuing_lines) == (parent_lines, body_lines)
    column = header_column_pt(profile)
    assert all(text_width_pt(line, profile.parent_body, profile) <= column for line in header.parent_lines)
    widest = max(text_width_pt(line, profile.issuing_body, profile) for line in header.issuing_lines)
    assert widest <= column and header.issuing_rule_pt == round(widest * profile.short_rule_ratio, 1)


def test_a_body_with_no_level_word_is_broken_evenly() -> None:
    text = "BAN CHỈ ĐẠO VỀ PHÁT TRIỂN KHOA HỌC CÔNG NGHỆ ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ"
    lines = body_lines(text, style=STATE.issuing_body, profile=STATE, max_width_pt=header_column_pt(STATE))
    assert " ".join(lines) == text and len(lines) >= 2
    widths = [text_width_pt(line, STATE.issuing_body, STATE) for line in lines]
    assert max(widths) <= header_column_pt(STATE) and min(widths) / max(widths) > 0.6


def test_the_header_template_sets_the_parent_body_in_its_lines() -> None:
    header = document_header(profile=STATE, parent_body="UBND THÀNH PHỐ HỒ CHÍ MINH",
                             issuing_body="SỞ KHOA HỌC VÀ CÔNG NGHỆ", number="", symbol="BC-SKHCN",
                             place="Thành phố Hồ Chí Minh", day=None, month=None, year=None)
    html = render_to_string("documents/_header.html", {"header": header, "profile": STATE})
    assert '<p class="doc-parent-body">UBND THÀNH PHỐ<br>HỒ CHÍ MINH</p>' in html


def test_an_appendix_reference_too_long_for_the_page_is_broken_evenly() -> None:
    text = "(Kèm theo Báo cáo số 05/BC-UBND ngày 02/04/2026 của UBND phường Ba Ngòi)"
    portrait = appendix_reference_lines(text, profile=STATE)
    assert " ".join(portrait) == text and len(portrait) == 2
    widths = [text_width_pt(line, STATE.appendix_reference, STATE) for line in portrait]
    assert min(widths) / max(widths) > 0.6, portrait  # not "Ngòi)" alone
    assert appendix_reference_lines(text, profile=STATE, landscape=True) == [text]
