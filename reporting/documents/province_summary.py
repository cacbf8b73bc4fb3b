"""The province summary of one quarter (BÁO CÁO tổng hợp of the Sở Khoa học và Công nghệ under
the province's People's Committee) as an official PDF, state profile.

Its source is a (province, year, quarter), not a row: ``ProvinceQuarter`` carries it and packs
it into the RenderedDocument object id. The content is
reporting.consolidated_selectors.province_summary_content, read inside the reviewer's scope
(the province's communes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaigns.models import Commune, Province
from reporting.documents.content import (
    ProvinceQuarter,
    ProvinceSummaryContent,
    fingerprint,
    province_signer_missing,
    province_summary_content,
)
from reporting.documents.parts import appendix_reference_lines
from reporting.documents.profiles import STATE, FormatProfile
from reporting.documents.registry import DocumentSpec, register
from reporting.documents.unit_report import appendix_titles, common_context
from reporting.models import DocumentKind
from reporting.selectors.rollups import province_commune_ids
from targets.status import RollupStatus

OBJECT_ID_BASE = 100_000  # object id = province id × 100 000 + year × 10 + quarter


def province_quarter_id(*, province_id: int, year: int, quarter: int) -> int:
    return province_id * OBJECT_ID_BASE + year * 10 + quarter


# The appendix's communes × indicators table is split into tables of at most this many
# indicator columns: on a landscape A4 page each column is then about 25 mm wide, enough for
# the indicator's short name in the header and a figure on one line (twenty columns at once
# were 11 mm each, and nothing in them was legible).
APPENDIX_COLUMNS = 8
# A figure's status in the appendix, as a mark after it (explained in the note above the
# tables): one line per commune keeps 168 communes × 20 indicators to a few pages.
STATUS_MARKS: dict[str, str] = {RollupStatus.AT_RISK: "*", RollupStatus.OFF_TRACK: "**"}


@dataclass(frozen=True)
class AppendixRow:
    number: int
    name: str
    figures: list[str]  # "38,7*": the year-to-date figure and its status mark


@dataclass(frozen=True)
class AppendixTable:
    """One part of the appendix: some of the indicators, for every commune."""

    headers: list[str]  # "Người dân có kỹ năng số cơ bản (%)"
    rows: list[AppendixRow]
    totals: list[str]  # the province row


def appendix_tables(content: ProvinceSummaryContent, *, columns: int = APPENDIX_COLUMNS) -> list[AppendixTable]:
    """The communes × indicators appendix in tables of at most ``columns`` indicators, as even
    as possible (20 indicators at 8 a table: 7, 7 and 6)."""
    count = len(content.indicators)
    if not count:
        return []
    parts = -(-count // columns)
    size = -(-count // parts)
    tables = []
    for start in range(0, count, size):
        indicators = content.indicators[start:start + size]
        tables.append(AppendixTable(
            headers=[f"{i.short_name} ({i.unit_of_measure})" for i in indicators],
            rows=[AppendixRow(number=commune.number, name=commune.name,
                              figures=[cell.ytd + STATUS_MARKS.get(cell.status, "")
                                       for cell in commune.cells[start:start + size]])
                  for commune in content.communes],
            totals=[i.ytd for i in indicators]))
    return tables


def province_summary_context(source: ProvinceQuarter, profile: FormatProfile) -> dict[str, Any]:
    content = province_summary_content(source=source)
    return {
        "content": content,
        **common_context(header=content.header, signer=content.signer, recipients=content.recipients,
                         profile=profile),
        "appendix_titles": appendix_titles({
            "communes": ("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CỦA CÁC XÃ, PHƯỜNG", True)}, profile),
        "appendix_reference": appendix_reference_lines(content.appendix_reference, profile=profile, landscape=True),
        "appendix_tables": appendix_tables(content),
        "status_marks": {"at_risk": STATUS_MARKS[RollupStatus.AT_RISK],
                         "off_track": STATUS_MARKS[RollupStatus.OFF_TRACK]},
    }


def _load(object_id: int) -> ProvinceQuarter | None:
    province_id, rest = divmod(object_id, OBJECT_ID_BASE)
    year, quarter = divmod(rest, 10)
    if not 1 <= quarter <= 4:
        return None
    province = Province.objects.filter(pk=province_id).first()
    # Visible only to a scope that holds communes of the province (its reviewer's).
    if province is None or not Commune.objects.filter(province=province).exists():
        return None
    return ProvinceQuarter(province=province, year=year, quarter=quarter)


def _resolve_cli(options: dict[str, Any]) -> int:
    province = Province.objects.get(code=options["province"])
    return province_quarter_id(province_id=province.pk, year=int(options["year"]), quarter=int(options["quarter"]))


SPEC = register(DocumentSpec(
    kind=DocumentKind.PROVINCE_SUMMARY,
    template="documents/province_summary.html",
    load=_load,
    # The Sở is a state body whatever its communes' plans are: Nghị định 30/2020.
    profile=lambda source: STATE,
    context=province_summary_context,
    data_version=lambda source: fingerprint(province_summary_content(source=source)),
    context_data_version=lambda context: fingerprint(context["content"]),
    owner=lambda source: (None, source.province.pk),
    filename=lambda source: f"bao-cao-tong-hop-tinh-{source.province.code.lower()}-{source.year}-q{source.quarter}.pdf",
    scope_commune_ids=lambda source: province_commune_ids(province_id=source.province.pk),
    object_id=lambda source: source.pk,
    resolve_cli=_resolve_cli,
    missing=lambda source: province_signer_missing(source.province),
    revision="3",  # 2: the appendix in tables of at most APPENDIX_COLUMNS indicators; 3: the agency's signer
))
