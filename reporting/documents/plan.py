"""The plan (KẾ HOẠCH) as an official PDF.

The content is the plan page's: ``campaigns.plan_selectors.plan_document`` reads it for both,
so the page and the PDF always show the same sections, targets, tasks and recipients. This
module only arranges it the way Nghị định 30/2020 (UBND) or Hướng dẫn 36 (Đảng ủy) lays out
a document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from campaigns.models import Plan, Task
from campaigns.plan_selectors import PlanDocument, SectionView, plan_document
from reporting.documents.formatting import (
    keep_codes_together,
    recipient_lines,
    with_final_punctuation,
)
from reporting.documents.parts import (
    SignatureBlock,
    appendix_reference_lines,
    centred_title_lines,
    document_header,
    document_title,
)
from reporting.documents.profiles import FormatProfile, profile_for
from reporting.documents.registry import DocumentSpec, register
from reporting.models import DocumentKind

DOC_TYPE = "KẾ HOẠCH"
DEFAULT_APPENDIX_TITLE = "DANH MỤC NHIỆM VỤ, GIẢI PHÁP"  # as the plan page shows it
BULLETS = ("-", "+")


@dataclass
class TaskDetail:
    label: str
    lines: list[str]

    @property
    def text(self) -> str:
        """"Cơ quan phối hợp: Công an xã; Đoàn Thanh niên." in one sentence."""
        joined = "; ".join(" ".join(line.split()).rstrip(" ;,") for line in self.lines)
        return f"{self.label}: {joined.rstrip('.')}."

    @property
    def html(self) -> str:
        return keep_codes_together(self.text)


@dataclass
class TaskEntry:
    """A row of the task table, as the PDF shows it (in the appendix table or inline)."""

    task: Task
    is_group: bool
    label: str  # "I. ", "1. ", "- "
    title: str
    description: list[str]
    lead: str
    coordinators: list[str]
    timeframe: str
    deliverables: list[str]
    details: list[TaskDetail] = field(default_factory=list)
    detail_bullet: str = "- "
    heading_level: int = 0  # inline: groups and numbered items ("I.", "1.") read as headings

    @property
    def css_class(self) -> str:
        return f"doc-h doc-h{self.heading_level}" if self.heading_level else "doc-p"


@dataclass
class SectionEntry:
    view: SectionView
    heading: str  # "I. MỤC ĐÍCH, YÊU CẦU"
    level: int
    paragraphs: list[str]
    targets: list[str]


def _paragraphs(text: str) -> list[str]:
    return [keep_codes_together(line) for line in text.splitlines() if line.strip()]


def _styled(text: str, *, upper: bool) -> str:
    text = " ".join(text.split())
    return text.upper() if upper else text


def _label(number: str) -> str:
    number = number.strip()
    if not number:
        return ""
    if number in BULLETS:
        return f"{number} "
    return number if number.endswith(".") else f"{number}. "


def _task_entries(document: PlanDocument, profile: FormatProfile) -> list[TaskEntry]:
    entries = []
    for task in document.tasks:
        is_group = not task.is_assignable and task.level <= 2
        title = " ".join(task.title.split())
        if is_group and profile.heading(task.level).upper:
            title = title.upper()
        coordinators = [c.display for c in task.coordinators.all()]
        deliverables = [d.text for d in task.deliverables.all()]
        entry = TaskEntry(
            task=task, is_group=is_group, label=_label(task.number),
            title=keep_codes_together(title), description=_paragraphs(task.description),
            lead=task.lead_display, coordinators=coordinators, timeframe=task.timeframe_text,
            deliverables=deliverables,
            detail_bullet="+ " if task.number.strip() == "-" else "- ",
        )
        if is_group:
            entry.heading_level = min(max(task.level, 1), 2)
        elif task.number.strip() not in BULLETS and task.number.strip():
            entry.heading_level = min(max(task.level, 2), len(profile.headings))
        if not is_group:
            entry.details = [d for d in (
                # Built inside translation.override("vi"): the document is never translated.
                TaskDetail(_("Cơ quan chủ trì"), [entry.lead] if entry.lead else []),
                TaskDetail(_("Cơ quan phối hợp"), coordinators),
                TaskDetail(_("Thời gian thực hiện"), [entry.timeframe] if entry.timeframe else []),
                TaskDetail(_("Sản phẩm/kết quả"), deliverables),
            ) if d.lines]
        entries.append(entry)
    return entries


def _target_lines(view: SectionView) -> list[str]:
    """The targets of a section as the plan page words them."""
    lines = []
    for target in view.targets:
        if target.statement:
            text = target.statement
        else:
            indicator = target.indicator
            value = floatformat(target.value, "-2")
            unit = "%" if indicator.is_percent else f" {indicator.unit_of_measure}"
            text = f"{indicator.name}: {value}{unit}"
        if view.show_years:
            text = _("Năm %(year)s:") % {"year": target.year} + f" {text}"
        lines.append(keep_codes_together(f"- {' '.join(text.split())}"))
    return lines


def _section_entries(document: PlanDocument, profile: FormatProfile) -> list[SectionEntry]:
    entries = []
    for view in document.sections:
        section = view.section
        heading = " ".join(section.heading.split())
        if heading and profile.heading(section.level).upper:
            heading = heading.upper()
        number = section.number.strip()
        if number and heading:
            heading = f"{number if number.endswith('.') else number + '.'} {heading}"
        elif number:
            heading = number
        entries.append(SectionEntry(view=view, heading=heading, level=min(section.level, 4),
                                    paragraphs=_paragraphs(section.body),
                                    targets=_target_lines(view)))
    return entries


def plan_context(plan: Plan, profile: FormatProfile) -> dict[str, Any]:
    document = plan_document(plan=plan)
    issuer = "Đảng ủy" if document.is_party else "UBND"
    tasks = _task_entries(document, profile)
    return {
        "plan": plan,
        "doc": document,
        "header": document_header(
            profile=profile, parent_body=plan.parent_body, issuing_body=plan.issuing_body,
            number=plan.number, symbol=plan.symbol, place=plan.place, day=plan.issue_day,
            month=plan.issue_month, year=plan.issue_year),
        "title": document_title(profile=profile, doc_type=DOC_TYPE, summary=plan.title),
        "legal_bases": [keep_codes_together(basis) for basis in
                        with_final_punctuation(document.legal_bases, profile=profile)],
        "preamble": _paragraphs(plan.preamble),
        "closing": _paragraphs(plan.closing),
        "sections": _section_entries(document, profile),
        "tasks": tasks,
        "signature": SignatureBlock(
            authority=_styled(plan.signer_authority, upper=profile.authority.upper),
            deputy=_styled(plan.signer_deputy, upper=profile.authority.upper),
            position=_styled(plan.signer_position, upper=profile.position.upper),
            name=_styled(plan.signer_name, upper=profile.signer_name.upper)),
        "recipients": recipient_lines(document.recipients, profile=profile),
        "appendix_label": profile.appendix_label_text,
        "appendix_title": centred_title_lines(plan.appendix_title or DEFAULT_APPENDIX_TITLE,
                                              profile=profile, landscape=profile.landscape_appendix),
        "appendix_reference": appendix_reference_lines(document.appendix_reference, profile=profile,
                                                       landscape=profile.landscape_appendix),
        "document_title": f"{DOC_TYPE} {plan.title} — {issuer} {plan.commune.name}",
    }


def plan_data_version(plan: Plan) -> str:
    """Every write to a plan or its parts goes through campaigns.services /
    campaigns.task_services / campaigns.plan_io, and each one bumps ``version`` (the
    optimistic lock); ``updated_at`` also moves on every save of the plan row itself."""
    stamp = int(plan.updated_at.timestamp() * 1_000_000) if plan.updated_at else 0
    return f"{plan.pk}:{plan.version}:{stamp}"


def plan_filename(plan: Plan) -> str:
    years = (str(plan.start_year) if plan.start_year == plan.end_year
             else f"{plan.start_year}-{plan.end_year}")
    return f"ke-hoach-{plan.commune.code}-{years}.pdf"


def _load(object_id: int) -> Plan | None:
    return Plan.objects.select_related("commune", "commune__province").filter(pk=object_id).first()


SPEC = register(DocumentSpec(
    kind=DocumentKind.PLAN,
    template="documents/plan.html",
    load=_load,
    profile=lambda plan: profile_for(plan.issuer_kind),
    context=plan_context,
    data_version=plan_data_version,
    owner=lambda plan: (plan.commune_id, None),
    filename=plan_filename,
))
