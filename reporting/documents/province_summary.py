"""The province summary of one quarter (BÁO CÁO tổng hợp of the Sở Khoa học và Công nghệ under
the province's People's Committee) as an official PDF, state profile.

Its source is a (province, year, quarter), not a row: ``ProvinceQuarter`` carries it and packs
it into the RenderedDocument object id. The content is
reporting.consolidated_selectors.province_summary_content, read inside the reviewer's scope
(the province's communes).
"""

from __future__ import annotations

from typing import Any

from campaigns.models import Commune, Province
from reporting.consolidated_selectors import ProvinceQuarter, fingerprint, province_summary_content
from reporting.documents.profiles import STATE, FormatProfile
from reporting.documents.registry import DocumentSpec, register
from reporting.documents.unit_report import appendix_titles, common_context
from reporting.models import DocumentKind
from reporting.rollup_selectors import province_commune_ids

OBJECT_ID_BASE = 100_000  # object id = province id × 100 000 + year × 10 + quarter


def province_quarter_id(*, province_id: int, year: int, quarter: int) -> int:
    return province_id * OBJECT_ID_BASE + year * 10 + quarter


def province_summary_context(source: ProvinceQuarter, profile: FormatProfile) -> dict[str, Any]:
    content = province_summary_content(source=source)
    return {
        "content": content,
        **common_context(header=content.header, signer=content.signer, recipients=content.recipients,
                         profile=profile),
        "appendix_titles": appendix_titles({
            "communes": ("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CỦA CÁC XÃ, PHƯỜNG", True)}, profile),
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
    owner=lambda source: (None, source.province.pk),
    filename=lambda source: f"bao-cao-tong-hop-tinh-{source.province.code.lower()}-{source.year}-q{source.quarter}.pdf",
    scope_commune_ids=lambda source: province_commune_ids(province_id=source.province.pk),
    object_id=lambda source: source.pk,
    resolve_cli=_resolve_cli,
))
