"""The blocks every official document shares: the header, the title, the signature.

Context builders of every document kind fill these; the templates documents/_header.html,
_title.html and _signature.html lay them out from the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.documents.formatting import (
    balanced_lines,
    issuing_body_lines,
    place_date_line,
    reference_line,
)
from reporting.documents.metrics import text_width_pt
from reporting.documents.profiles import FormatProfile

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class DocumentHeader:
    parent_body: str
    issuing_lines: list[str]
    reference: str
    place_date: str
    issuing_rule_pt: float  # the short line under the issuing body (state profile)


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
    lines = issuing_body_lines(issuing_body, profile=profile)
    widest = max((text_width_pt(line, profile.issuing_body, profile) for line in lines), default=0)
    return DocumentHeader(
        parent_body=" ".join(parent_body.split()),
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


def centred_title_lines(text: str, *, profile: FormatProfile, landscape: bool = False) -> list[str]:
    """An appendix title (upper case, bold, centred) broken into even lines."""
    style = profile.appendix_title
    text = " ".join(text.split())
    if style.upper:
        text = text.upper()
    width_mm = (profile.page_height_mm if landscape else profile.page_width_mm) - (
        profile.margin_left_mm + profile.margin_right_mm)
    return balanced_lines(text, style=style, profile=profile, max_width_pt=width_mm * PT_PER_MM)
