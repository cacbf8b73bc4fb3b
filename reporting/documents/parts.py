"""The blocks every official document shares: the header, the title, the signature.

Context builders of every document kind fill these; the templates documents/_header.html,
_title.html and _signature.html lay them out from the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.documents.formatting import (
    balanced_lines,
    body_lines,
    issuing_body_lines,
    place_date_line,
    reference_line,
)
from reporting.documents.metrics import text_width_pt
from reporting.documents.profiles import FormatProfile, TextStyle

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class DocumentHeader:
    parent_body: str
    issuing_lines: list[str]
    reference: str
    place_date: str
    issuing_rule_pt: float  # the short line under the issuing body (state profile)
    # The parent body in lines: one, or an even break when it is wider than the column.
    parent_lines: list[str] = field(default_factory=list)


def header_column_pt(profile: FormatProfile) -> float:
    """The width of the header's left column (the bodies, the number)."""
    return profile.content_width_mm * PT_PER_MM * profile.header_left_percent / 100


@dataclass(frozen=True)
class DocumentTitle:
    doc_type: str  # "KẾ HOẠCH", "BÁO CÁO"
    summary_lines: list[str]  # the summary (trích yếu), broken into even lines
    summary_rule_pt: float  # the short line under the summary (state profile)

    @property
    def summary(self) -> str:
        return " ".join(self.summary_lines)


@dataclass(frozen=True)
class SignatureBlock:
    authority: str = ""  # "TM. ỦY BAN NHÂN DÂN", "T/M BAN THƯỜNG VỤ"
    deputy: str = ""  # "KT. CHỦ TỊCH"
    position: str = ""  # "PHÓ CHỦ TỊCH", "BÍ THƯ"
    name: str = ""


def document_header(*, profile: FormatProfile, parent_body: str, issuing_body: str, number: str,
                    symbol: str, place: str, day: int | None, month: int | None,
                    year: int | None) -> DocumentHeader:
    column_pt = header_column_pt(profile)
    # A body wider than the column ("UBND THÀNH PHỐ HỒ CHÍ MINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    # "TRƯỜNG TIỂU HỌC …") is broken evenly, as offices set it, rather than by the renderer
    # with one word left alone on a second line; the short rule follows the widest line.
    lines = [part for line in issuing_body_lines(issuing_body, profile=profile)
             for part in body_lines(line, style=profile.issuing_body, profile=profile, max_width_pt=column_pt)]
    widest = max((text_width_pt(line, profile.issuing_body, profile) for line in lines), default=0)
    parent_body = " ".join(parent_body.split())
    return DocumentHeader(
        parent_body=parent_body,
        parent_lines=body_lines(parent_body, style=profile.parent_body, profile=profile,
                                max_width_pt=column_pt),
        issuing_lines=lines,
        reference=reference_line(number, symbol, profile=profile),
        place_date=place_date_line(place, day, month, year, profile=profile),
        issuing_rule_pt=round(widest * profile.short_rule_ratio, 1),
    )


def document_title(*, profile: FormatProfile, doc_type: str, summary: str) -> DocumentTitle:
    lines = balanced_lines(summary, style=profile.summary, profile=profile,
                           max_width_pt=profile.content_width_mm * PT_PER_MM)
    widest = max((text_width_pt(line, profile.summary, profile) for line in lines), default=0)
    return DocumentTitle(doc_type=doc_type, summary_lines=lines,
                         summary_rule_pt=round(widest * profile.short_rule_ratio, 1))


def centred_lines(text: str, *, style: TextStyle, profile: FormatProfile, landscape: bool = False) -> list[str]:
    """A centred line of the page (in ``style``) broken into even lines when it is too long."""
    text = " ".join(text.split())
    if style.upper:
        text = text.upper()
    width_mm = (profile.page_height_mm if landscape else profile.page_width_mm) - (
        profile.margin_left_mm + profile.margin_right_mm)
    return balanced_lines(text, style=style, profile=profile, max_width_pt=width_mm * PT_PER_MM)


def centred_title_lines(text: str, *, profile: FormatProfile, landscape: bool = False) -> list[str]:
    """An appendix title (upper case, bold, centred) broken into even lines."""
    return centred_lines(text, style=profile.appendix_title, profile=profile, landscape=landscape)


def appendix_reference_lines(text: str, *, profile: FormatProfile, landscape: bool = False) -> list[str]:
    """"(Kèm theo Báo cáo số 05/BC-UBND ngày 02/04/2026 của UBND phường Ba Ngòi)" in even
    lines: never "Ngòi)" alone on the second one."""
    return centred_lines(text, style=profile.appendix_reference, profile=profile, landscape=landscape)
