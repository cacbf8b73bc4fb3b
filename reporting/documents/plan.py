"""The plan (KẾ HOẠCH) as an official PDF.

The content is the plan page's: ``campaigns.plan_text.plan_blocks`` reads the body for both,
so the page and the PDF show the same words (DESIGN.md rule 8: the plan's text as written,
nothing added, upper-cased or re-punctuated). This module only arranges it the way Nghị định
30/2020 (UBND) or Hướng dẫn 36 (Đảng ủy) lays out a document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from campaigns.models import Plan, Task
from campaigns.selectors.plan_text import paragraphs, plan_blocks, recipient_lines
from campaigns.selectors.plans import PlanDocument, plan_document
from reporting.documents.formatting import keep_codes_together
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


@dataclass
class TaskEntry:
    """A row of the appendix table: the task as written and its structured columns."""

    task: Task
    is_group: bool
    title: str
    description: list[str]
    lead: str
    coordinators: list[str]
    timeframe: str
    deliverables: list[str]


def _task_entries(document: PlanDocument) -> list[TaskEntry]:
    entries = []
    for task in document.tasks:
        entries.append(TaskEntry(
            task=task, is_group=not task.is_assignable and task.level <= 2,
            title=keep_codes_together(" ".join(task.title.split())),
            description=[keep_codes_together(line) for line in paragraphs(task.description)],
            lead=task.lead_display, coordinators=[c.display for c in task.coordinators.all()],
            timeframe=task.timeframe_text, deliverables=[d.text for d in task.deliverables.all()],
        ))
    return entries


def _styled(text: str, *, upper: bool) -> str:
    text = " ".join(text.split())
    return text.upper() if upper else text


def plan_context(plan: Plan, profile: FormatProfile) -> dict[str, Any]:
    document = plan_document(plan=plan)
    issuer = "Đảng ủy" if document.is_party else "UBND"
    tasks = _task_entries(document) if document.tasks_in_appendix else []
    return {
        "plan": plan,
        "doc": document,
        "header": document_header(
            profile=profile, parent_body=plan.parent_body, issuing_body=plan.issuing_body,
            number=plan.number, symbol=plan.symbol, place=plan.place, day=plan.issue_day,
            month=plan.issue_month, year=plan.issue_year),
        "title": document_title(profile=profile, doc_type=DOC_TYPE, summary=plan.title),
        "blocks": [replace(block, text=keep_codes_together(block.text)) for block in plan_blocks(document)],
        "tasks": tasks,
        "signature": SignatureBlock(
            authority=_styled(plan.signer_authority, upper=profile.authority.upper),
            deputy=_styled(plan.signer_deputy, upper=profile.authority.upper),
            position=_styled(plan.signer_position, upper=profile.position.upper),
            name=_styled(plan.signer_name, upper=profile.signer_name.upper)),
        "recipients": recipient_lines(document.recipients, prefix=profile.recipient_prefix),
        "recipients_note": plan.recipients_note,
        "appendix_label": profile.appendix_label_text,
        "appendix_title": centred_title_lines(plan.appendix_title or DEFAULT_APPENDIX_TITLE,
                                              profile=profile, landscape=profile.landscape_appendix),
        "appendix_reference": appendix_reference_lines(plan.appendix_reference or document.appendix_reference,
                                                       profile=profile,
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
    # 2: the targets written from their figure group thousands as portal.formats writes figures
    # ("1.234 người"); the plan's data version would not see it.
    revision="2",
))
