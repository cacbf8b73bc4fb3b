"""What the three quarterly documents share (documents layer, read-only like a selector): the
header, signer and section blocks, the phrases their sentences are made of, and the data version.

The content of a document (unit_report, commune_report, province_summary beside this module)
holds text and numbers only, no model instances: its data version is the fingerprint of exactly
what it prints, so a stored PDF is stale when, and only when, its text would change. Figures
and dates are written by portal.formats, as on the pages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from campaigns.models import Commune, IssuerKind, Plan
from portal.formats import quarter_phrase, vn_date_parts, vn_figure, vn_number
from reporting.documents.formatting import place_date_line_for, reference_line
from reporting.documents.profiles import profile_for
from reporting.models import ReportingPeriod
from targets.models import Indicator
from targets.status import NOT_DUE, RollupStatus

# Short words for the status in a narrow cell of the communes × indicators table. Words, not
# symbols: a tick or an arrow is not in Liberation Serif and would pull in another font.
STATUS_SHORT: dict[str, str] = {
    RollupStatus.REACHED: "Đạt",
    RollupStatus.ON_TRACK: "Đúng tiến độ",
    RollupStatus.AT_RISK: "Nguy cơ chậm",
    RollupStatus.OFF_TRACK: "Chậm",
    RollupStatus.NO_DATA: "Chưa có số liệu",
    RollupStatus.NO_TARGET: "Không có chỉ tiêu",
    NOT_DUE: "Chưa đến hạn",
}


# --- Figures of an indicator and the phrases of a document ----------------------------------


def figure_text(value: Decimal | None, indicator: Indicator) -> str:
    """A figure of the indicator without its unit (the table has a unit column): "45,0"."""
    return vn_number(value, indicator.decimals)


def figure_unit(indicator: Indicator) -> str:
    """What follows a figure of the indicator: "%" or its unit of measure ("tin, bài")."""
    return "%" if indicator.is_percent else indicator.unit_of_measure


def figure_with_unit(value: Decimal | None, indicator: Indicator) -> str:
    """A figure of the indicator with its unit, in a sentence: "45,0%", "120 tin, bài"."""
    return vn_figure(value, indicator.decimals, unit=figure_unit(indicator))


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def commune_phrase(commune: Commune) -> str:
    """"phường Ba Ngòi", as it reads inside a sentence."""
    return f"{commune.get_kind_display().lower()} {commune.name}"


def period_phrase(period: ReportingPeriod) -> str:
    """"quý I năm 2026", or the ad-hoc request's own title."""
    if period.quarter:
        return quarter_phrase(period.quarter, period.year)
    return period.title


def plan_reference_phrase(plan: Plan) -> str:
    """"Kế hoạch số 12/KH-UBND ngày 05/01/2026 của UBND phường Ba Ngòi" (what the report follows)."""
    commune = plan.commune
    body = "Đảng ủy" if plan.issuer_kind == IssuerKind.DANG_UY else "UBND"
    phrase = "Kế hoạch"
    if plan.number:
        line = reference_line(plan.number, plan.symbol, profile=profile_for(plan.issuer_kind))
        phrase += " số " + line.removeprefix("Số: ").removeprefix("Số ")
    if plan.issue_day and plan.issue_month and plan.issue_year:
        phrase += f" ngày {vn_date_parts(plan.issue_day, plan.issue_month, plan.issue_year)}"
    return f"{phrase} của {body} {commune_phrase(commune)}"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def fingerprint(content: Any) -> str:
    """The data version of a document: a hash of everything it prints."""
    payload = json.dumps(asdict(content), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- Parts every document has --------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The header block of Nghị định 30/2020 (state) or Hướng dẫn 36-HD/VPTW (Party): the parts
    as stored, and the number and date lines as the foundation's formatting writes them."""

    issuer_kind: str
    parent_body: str
    issuing_body: str
    number: str
    symbol: str
    place: str
    issue_date: date | None
    doc_type: str
    title: str
    reference: str
    place_date: str

    @property
    def is_party(self) -> bool:
        return self.issuer_kind == IssuerKind.DANG_UY


def make_header(*, issuer_kind: str, parent_body: str, issuing_body: str, number: str, symbol: str,
                place: str, issue_date: date | None, doc_type: str, title: str) -> Header:
    profile = profile_for(issuer_kind)
    return Header(issuer_kind=issuer_kind, parent_body=parent_body, issuing_body=issuing_body, number=number,
                  symbol=symbol, place=place, issue_date=issue_date, doc_type=doc_type, title=title,
                  reference=reference_line(number, symbol, profile=profile),
                  place_date=place_date_line_for(place, issue_date, profile=profile))


@dataclass(frozen=True)
class Signer:
    authority: str = ""  # "TM. ỦY BAN NHÂN DÂN"
    deputy: str = ""  # "KT. CHỦ TỊCH"
    position: str = ""  # "PHÓ CHỦ TỊCH"
    name: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered part of the body: "I. KẾT QUẢ NỔI BẬT" and its paragraphs."""

    heading: str
    paragraphs: list[str]
    level: int = 1
