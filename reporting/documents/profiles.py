"""Format profiles: every number of shared/FORMAT.md, in one place per regulation.

A document template never hard-codes a size, a margin or a header text; it reads them from a
profile. A new regulation is a new value here (or a new profile), not a new template.

Where the regulation gives a range (Quốc hiệu 12–13 pt, body 13–14 pt, indent 1–1.27 cm…)
the value chosen is the one most offices use and is noted beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Liberation Serif's natural single line (ascent + descent + line gap over units per em):
# (1825 + 443 + 87) / 2048. "Line spacing 1–1.5 lines" in FORMAT.md counts in these lines.
SINGLE_LINE_EM = 1.15
ASCENT_EM = 1825 / 2048
DESCENT_EM = 443 / 2048


@dataclass(frozen=True)
class TextStyle:
    size: float  # points
    bold: bool = False
    italic: bool = False
    upper: bool = False  # written in capitals (the template upper-cases the text)
    underline: bool = False

    @property
    def css(self) -> str:
        return (f"font-size: {self.size:g}pt; font-weight: {700 if self.bold else 400}; "
                f"font-style: {'italic' if self.italic else 'normal'}; "
                f"text-decoration: {'underline' if self.underline else 'none'};")


@dataclass(frozen=True)
class FontFile:
    filename: str  # in static/fonts/
    bold: bool
    italic: bool


LIBERATION_SERIF = (
    FontFile("LiberationSerif-Regular.ttf", bold=False, italic=False),
    FontFile("LiberationSerif-Bold.ttf", bold=True, italic=False),
    FontFile("LiberationSerif-Italic.ttf", bold=False, italic=True),
    FontFile("LiberationSerif-BoldItalic.ttf", bold=True, italic=True),
)


@dataclass(frozen=True)
class FormatProfile:
    key: str
    regulation: str
    # Bump when a value below changes: every non-frozen document made with the old values
    # becomes stale and is rendered again on its next request.
    revision: str

    # --- Page ---
    page_size: str = "A4"
    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 20
    margin_bottom_mm: float = 20
    margin_left_mm: float = 30
    margin_right_mm: float = 15
    # A wide appendix table may be set on landscape pages (same margins, numbered too).
    landscape_appendix: bool = True

    # --- Font: a Times New Roman metric-compatible serif with every Vietnamese letter ---
    font_family: str = "Liberation Serif"
    font_files: tuple[FontFile, ...] = LIBERATION_SERIF

    # --- Spacing ---
    first_line_indent_cm: float = 1.27  # 1–1.27 cm: one default tab stop
    paragraph_spacing_pt: float = 6  # at least 6 pt between paragraphs
    line_spacing: float = 1.1  # 1–1.5 lines
    header_line_spacing: float = 1.0  # header elements are single-spaced

    # --- Header (a borderless two-column table) ---
    header_left_percent: float = 38
    national_title_text: str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    national_title: TextStyle = TextStyle(13, bold=True, upper=True)  # 12–13
    national_title_ruled: bool = False  # the Party name carries the full-length line itself
    motto_text: str = "Độc lập - Tự do - Hạnh phúc"
    motto: TextStyle = TextStyle(14, bold=True)  # 13–14, a line as long as the text below
    parent_body: TextStyle = TextStyle(13, upper=True)  # 12–13
    issuing_body: TextStyle = TextStyle(13, bold=True, upper=True)  # 12–13
    # Where a long issuing body breaks: "ỦY BAN NHÂN DÂN" / "PHƯỜNG BA NGÒI".
    issuing_body_breaks: tuple[str, ...] = ("ỦY BAN NHÂN DÂN",)
    issuing_body_mark: str = "rule"  # "rule": a short centred line; "star": a centred "*"
    issuing_body_star: str = "*"
    short_rule_ratio: float = 0.4  # the short lines are 1/3–1/2 of their text
    rule_thickness_pt: float = 0.75
    reference: TextStyle = TextStyle(13)
    reference_format: str = "Số: {number}/{symbol}"
    number_min_digits: int = 2  # numbers below 10 take a leading 0
    place_date: TextStyle = TextStyle(14, italic=True)  # 13–14
    date_format: str = "{place}, {date}"  # the date: "ngày 05 tháng 01 năm 2026" (portal.formats)
    pad_day_below: int = 10  # day below 10 takes a leading 0…
    pad_months: tuple[int, ...] = (1, 2)  # …and so do months 1 and 2
    date_blank: str = "\u2002\u2002\u2002"  # an en-space blank to write the day in by hand
    year_blank: str = "\u2002\u2002\u2002\u2002"

    # --- Title ---
    doc_type: TextStyle = TextStyle(14, bold=True, upper=True)  # 13–14
    summary: TextStyle = TextStyle(14, bold=True)  # 13–14
    summary_mark: str = "rule"  # "rule" (1/3–1/2 of the text) or "dashes"
    summary_dashes: str = "-----"

    # --- Body ---
    legal_basis: TextStyle = TextStyle(14, italic=True)  # 13–14
    legal_basis_separator: str = ";"
    legal_basis_last: str = "."
    body: TextStyle = TextStyle(14)  # 13–14
    # Section headings by level: "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "4.1. …", deeper.
    headings: tuple[TextStyle, ...] = (
        TextStyle(14, bold=True, upper=True),
        TextStyle(14, bold=True),
        TextStyle(14, bold=True, italic=True),
        TextStyle(14, italic=True),
    )

    # --- Signature and recipients (a borderless two-column table, level with each other) ---
    signature_left_percent: float = 45
    authority: TextStyle = TextStyle(14, bold=True, upper=True)  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"
    position: TextStyle = TextStyle(14, bold=True, upper=True)  # "PHÓ CHỦ TỊCH"
    signer_name: TextStyle = TextStyle(14, bold=True)
    signature_space_mm: float = 25  # for the signature and the seal
    recipients_label_text: str = "Nơi nhận:"
    recipients_label: TextStyle = TextStyle(12, bold=True, italic=True)
    recipients: TextStyle = TextStyle(11)
    recipient_prefix: str = "- "
    archive_example: str = "Lưu: VT, VHXH."  # the last recipient, by convention

    # --- Page numbers: centred in the top margin, not on page 1 ---
    page_number: TextStyle = TextStyle(14)  # 13–14
    page_number_on_first_page: bool = False

    # --- Appendix ---
    appendix_label_text: str = "Phụ lục"
    appendix_label: TextStyle = TextStyle(14, bold=True)
    appendix_title: TextStyle = TextStyle(14, bold=True, upper=True)  # 13–14
    appendix_reference: TextStyle = TextStyle(14, italic=True)
    table: TextStyle = TextStyle(12)
    table_header: TextStyle = TextStyle(12, bold=True)

    @property
    def content_width_mm(self) -> float:
        return self.page_width_mm - self.margin_left_mm - self.margin_right_mm

    @property
    def line_height(self) -> float:
        """The CSS line-height (a multiple of the font size) of body text."""
        return round(self.line_spacing * SINGLE_LINE_EM, 3)

    @property
    def header_line_height(self) -> float:
        return round(self.header_line_spacing * SINGLE_LINE_EM, 3)

    @property
    def recipients_label_offset_pt(self) -> float:
        """How far "Nơi nhận:" moves down so its baseline is level with the authority line
        (both cells are top-aligned; a smaller font sits higher in its line box)."""
        baseline = (self.header_line_height - ASCENT_EM - DESCENT_EM) / 2 + ASCENT_EM
        return round(max(0.0, (self.authority.size - self.recipients_label.size) * baseline), 2)

    def heading(self, level: int) -> TextStyle:
        return self.headings[max(0, min(level, len(self.headings)) - 1)]


# Nghị định 30/2020/NĐ-CP, Phụ lục I: the People's Committees (UBND xã/phường).
# Revision .2: header bodies broken before their proper name; rules set clear of the text.
STATE = FormatProfile(key="state", regulation="Nghị định 30/2020/NĐ-CP, Phụ lục I", revision="nd30.2")

# Hướng dẫn 36-HD/VPTW: the Party Committees (Đảng ủy xã/phường). Kept apart from STATE so a
# guide implementing Quy định 399-QĐ/TW can replace it on its own.
PARTY = FormatProfile(
    key="party",
    regulation="Hướng dẫn 36-HD/VPTW",
    revision="hd36.2",
    header_left_percent=45,
    national_title_text="ĐẢNG CỘNG SẢN VIỆT NAM",
    national_title=TextStyle(15, bold=True, upper=True),
    national_title_ruled=True,
    motto_text="",
    parent_body=TextStyle(14, upper=True),
    issuing_body=TextStyle(14, bold=True, upper=True),
    issuing_body_breaks=(),
    issuing_body_mark="star",
    reference=TextStyle(14),
    reference_format="Số {number}-{symbol}",
    place_date=TextStyle(14, italic=True),
    doc_type=TextStyle(16, bold=True, upper=True),  # 15–16
    summary=TextStyle(14, bold=True),  # 14–15
    summary_mark="dashes",
    legal_basis=TextStyle(14, italic=True),
    body=TextStyle(14),  # 14–15
    authority=TextStyle(14, bold=True, upper=True),  # "T/M BAN THƯỜNG VỤ"
    position=TextStyle(14, upper=True),  # "BÍ THƯ", "PHÓ BÍ THƯ": regular
    signer_name=TextStyle(14, bold=True),
    recipients_label=TextStyle(14, underline=True),
    recipients=TextStyle(12),
    archive_example="Lưu Văn phòng Đảng ủy.",
    page_number=TextStyle(14),
)

PROFILES = {"ubnd": STATE, "dang_uy": PARTY}


def profile_for(issuer_kind: str) -> FormatProfile:
    """The profile of an issuing body kind (campaigns.models.IssuerKind)."""
    try:
        return PROFILES[issuer_kind]
    except KeyError:
        raise ValueError(f"no format profile for issuer kind {issuer_kind!r}") from None
