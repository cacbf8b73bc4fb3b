"""A unit's quarterly report (BÁO CÁO of the unit to the commune) as an official PDF.

The content is the one the pages read (reporting.documents.content.unit_report);
this module only lays it out on the foundation: header, title, signature and recipients from
reporting.documents.parts, the profile of the plan's issuing body. The helpers below turn any
of the three quarterly documents' header and signer into the foundation's blocks.
"""

from __future__ import annotations

from typing import Any

from campaigns.selectors.plan_text import recipient_lines
from reporting.documents.content.common import Header, Signer, fingerprint
from reporting.documents.content.unit_report import UnitReportContent, unit_report_content
from reporting.documents.parts import (
    DocumentHeader,
    DocumentTitle,
    SignatureBlock,
    centred_title_lines,
    document_header,
    document_title,
)
from reporting.documents.profiles import FormatProfile, TextStyle, profile_for
from reporting.documents.registry import DocumentSpec, register
from reporting.models import DocumentKind, UnitReport


def _styled(text: str, style: TextStyle) -> str:
    text = " ".join(text.split())
    return text.upper() if style.upper else text


def header_block(header: Header, profile: FormatProfile) -> DocumentHeader:
    day = header.issue_date
    return document_header(
        profile=profile, parent_body=_styled(header.parent_body, profile.parent_body),
        issuing_body=_styled(header.issuing_body, profile.issuing_body), number=header.number,
        symbol=header.symbol, place=header.place, day=day.day if day else None,
        month=day.month if day else None, year=day.year if day else None)


def title_block(header: Header, profile: FormatProfile) -> DocumentTitle:
    return document_title(profile=profile, doc_type=_styled(header.doc_type, profile.doc_type),
                          summary=header.title)


def signature_block(signer: Signer, profile: FormatProfile) -> SignatureBlock:
    return SignatureBlock(authority=_styled(signer.authority, profile.authority),
                          deputy=_styled(signer.deputy, profile.authority),
                          position=_styled(signer.position, profile.position),
                          name=_styled(signer.name, profile.signer_name))


def common_context(*, header: Header, signer: Signer, recipients: list[str], profile: FormatProfile) -> dict[str, Any]:
    """The blocks every quarterly document shares, in the foundation's template context."""
    return {
        "header": header_block(header, profile),
        "title": title_block(header, profile),
        "signature": signature_block(signer, profile),
        "recipients": recipient_lines(recipients, prefix=profile.recipient_prefix),
        "appendix_label": profile.appendix_label_text,
        "document_title": f"{header.doc_type} {header.title}",
    }


def appendix_titles(titles: dict[str, tuple[str, bool]], profile: FormatProfile) -> dict[str, list[str]]:
    """Appendix titles ({key: (text, on a landscape page)}) broken into even centred lines."""
    return {key: centred_title_lines(text, profile=profile, landscape=landscape)
            for key, (text, landscape) in titles.items()}


def unit_report_context(report: UnitReport, profile: FormatProfile) -> dict[str, Any]:
    content = unit_report_content(report=report)
    return {"content": content, **_context(content, profile)}


def _context(content: UnitReportContent, profile: FormatProfile) -> dict[str, Any]:
    return common_context(header=content.header, signer=content.signer, recipients=content.recipients,
                          profile=profile)


def _load(object_id: int) -> UnitReport | None:
    return (UnitReport.objects.select_related("period", "period__plan", "period__plan__commune",
                                              "period__plan__commune__province", "unit")
            .filter(pk=object_id).first())


def _filename(report: UnitReport) -> str:
    period = report.period
    when = f"{period.year}-q{period.quarter}" if period.quarter else f"{period.year}-{period.pk}"
    return f"bao-cao-don-vi-{report.unit_id}-{when}.pdf"


SPEC = register(DocumentSpec(
    kind=DocumentKind.UNIT_REPORT,
    template="documents/unit_report.html",
    load=_load,
    profile=lambda report: profile_for(report.period.plan.issuer_kind),
    context=unit_report_context,
    # Everything the PDF prints, hashed: stale exactly when the printed text would change.
    data_version=lambda report: fingerprint(unit_report_content(report=report)),
    context_data_version=lambda context: fingerprint(context["content"]),
    owner=lambda report: (report.unit.commune_id, None),
    filename=_filename,
    revision="2",  # 2: the closing paragraph kept whole with the signature
))
