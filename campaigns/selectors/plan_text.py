"""The body of a plan as its document prints it: one list of blocks for the page and the PDF.

DESIGN.md rule 8: a plan prints its own words, order and numbering. Every block here is text
the plan holds as written (legal bases, preamble, section headings and bodies, the inline task
rows, the closing); the only composed text is a target line of a targets section that has no
written body, marked ``generated`` so the plan page can say where it came from. Nothing is
upper-cased, re-punctuated or renumbered; leads, coordinators and timeframes are structured
data and print only in the appendix table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from campaigns.models import SectionKind, Task
from campaigns.selectors.plans import PlanDocument, SectionView
from portal.formats import vn_number
from targets.models import Target

BULLETS = ("-", "+", "•")


@dataclass(frozen=True)
class Block:
    kind: str  # "basis" | "heading" | "paragraph"
    text: str
    level: int = 0  # headings: 1 "I.", 2 "1.", 3 "4.1." …
    lead: str = ""  # a run-in heading: printed bold, then ``text`` in the same paragraph
    generated: bool = False  # composed from the targets table, not written in the plan


def numbered(number: str, text: str) -> str:
    """"I. MỤC ĐÍCH, YÊU CẦU", "4.1. Phổ cập…", "- Tổ chức…": the number as written, with the
    full stop a numbered heading takes when the stored number has none."""
    number = number.strip()
    text = " ".join(text.split())
    if not number:
        return text
    if number in BULLETS:
        return f"{number} {text}" if text else number
    label = number if number.endswith(".") else f"{number}."
    return f"{label} {text}" if text else label


def paragraphs(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def target_line(target: Target, *, with_year: bool) -> str:
    """A target as one line of a targets section that has no written text: its statement, or
    the indicator and figure when it has none."""
    if target.statement:
        text = target.statement
    else:
        indicator = target.indicator
        value = vn_number(target.value)
        unit = "%" if indicator.is_percent else f" {indicator.unit_of_measure}"
        text = f"{indicator.name}: {value}{unit}"
    if with_year:
        text = _("Năm %(year)s:") % {"year": target.year} + f" {text}"
    return f"- {' '.join(text.split())}"


def _target_blocks(targets: list[Target], *, with_years: bool) -> list[Block]:
    return [Block("paragraph", target_line(t, with_year=with_years), generated=True) for t in targets]


def task_blocks(tasks: list[Task]) -> list[Block]:
    """The task rows of a plan that writes its tasks in its text: number, title and
    description as written; groups and numbered items read as headings."""
    blocks = []
    for task in tasks:
        number = task.number.strip()
        text = numbered(number, task.title)
        if number and number not in BULLETS:
            level = max(task.level, 1) if not task.is_assignable else max(task.level, 2)
            blocks.append(Block("heading", text, level=min(level, 4)))
        else:
            blocks.append(Block("paragraph", text))
        blocks.extend(Block("paragraph", line) for line in paragraphs(task.description))
    return blocks


def _section_blocks(view: SectionView, document: PlanDocument) -> list[Block]:
    section = view.section
    heading = numbered(section.number, section.heading)
    body = paragraphs(section.body)
    blocks: list[Block] = []
    if section.run_in and heading:
        first = body.pop(0) if body else ""
        blocks.append(Block("paragraph", first, lead=heading))
    elif heading:
        blocks.append(Block("heading", heading, level=min(max(section.level, 1), 4)))
    blocks.extend(Block("paragraph", line) for line in body)
    blocks.extend(_target_blocks(view.targets, with_years=view.show_years))
    if view.tasks_inline:
        blocks.extend(task_blocks(document.tasks))
    return blocks


RECIPIENT_BULLETS = "-–·•+"


def recipient_lines(recipients: Iterable[str], *, prefix: str = "- ") -> list[str]:
    """Recipients one per line as written: a line that carries its own bullet ("- ", "· ")
    keeps it, any other takes the profile's ``prefix``."""
    lines = []
    for text in recipients:
        text = " ".join(text.split())
        if text:
            lines.append(text if text[0] in RECIPIENT_BULLETS else f"{prefix}{text}")
    return lines


def plan_blocks(document: PlanDocument) -> list[Block]:
    """Everything between the title and the signature, in the document's order."""
    blocks = [Block("basis", " ".join(text.split())) for text in document.legal_bases if text.strip()]
    blocks.extend(Block("paragraph", line) for line in paragraphs(document.plan.preamble))
    if document.unplaced_targets:
        # A plan written in the browser has a targets table and no targets section: its
        # targets still belong in the document, under a heading the page marks as composed.
        blocks.append(Block("heading", _("CHỈ TIÊU"), level=1, generated=True))
        years = {t.year for t in document.unplaced_targets}
        blocks.extend(_target_blocks(document.unplaced_targets, with_years=len(years) > 1))
    for view in document.sections:
        blocks.extend(_section_blocks(view, document))
    blocks.extend(Block("paragraph", line) for line in paragraphs(document.plan.closing))
    return blocks


# --- What the plan's own words and figures must agree on -----------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# "25 tin, bài/tháng", "12 lần/tuần": a quantity per period, a year holds this many of them.
_PER_PERIOD = re.compile(r"^[^\d.;]{0,25}?/\s*(tháng|tuần|quý|năm)\b")
_PERIODS_PER_YEAR = {"tháng": 12, "tuần": 52, "quý": 4, "năm": 1}


def _figures_in(text: str) -> list[tuple[Decimal, int]]:
    """The numbers a sentence writes ("02 Hội nghị", "70,5%", "1.200 hộ") read the Vietnamese
    way ("," the decimal mark, "." grouping thousands), each with how many times a year it
    counts (12 for "25 tin, bài/tháng", 1 for a plain figure)."""
    figures = []
    for match in _NUMBER.finditer(text):
        try:
            figure = Decimal(match.group().replace(".", "").replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only matches digits
            continue
        per = _PER_PERIOD.match(text[match.end():])
        figures.append((figure, _PERIODS_PER_YEAR[per.group(1)] if per else 1))
    return figures


def target_statement_problem(*, value: Decimal | None, per_period_quantity: Decimal | None,
                             statement: str) -> str | None:
    """Why a target's sentence disagrees with its figure, or None.

    The sentence must write the figure, or a quantity per period that makes it over the year
    ("25 tin, bài/tháng" for 300). A sentence that writes no number at all ("mỗi hộ gia đình
    có ít nhất một thành viên") cannot contradict it and is left alone.
    """
    if value is None or not statement.strip():
        return None
    written = _figures_in(statement)
    if not written:
        return None
    for figure, per_year in written:
        if figure == value or figure * per_year == value or (
                per_period_quantity is not None and figure == per_period_quantity):
            return None
    return _("Câu chỉ tiêu ghi %(written)s, con số chỉ tiêu là %(value)s: sửa câu cho khớp "
             "trong cùng lần sửa.") % {
        "written": ", ".join(vn_number(f) for f, _per in written),
        "value": vn_number(value)}


def _document_text(document: PlanDocument) -> str:
    parts = [s.section.body for s in document.sections] + [document.plan.preamble, document.plan.closing]
    for task in document.tasks:
        parts += [task.title, task.description] + [d.text for d in task.deliverables.all()]
    return squeeze_text("\n".join(parts))


def squeeze_text(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class TargetTextProblem:
    target: Target
    message: str


def target_text_problems(document: PlanDocument) -> list[TargetTextProblem]:
    """Targets whose sentence and figure disagree, or whose sentence the document's text no
    longer holds (a figure changed in the targets table, the paragraph left as it was)."""
    problems = []
    text = _document_text(document) if any(
        v.section.kind == SectionKind.TARGETS and v.section.body.strip() for v in document.sections) else None
    for target in document.targets:
        message = target_statement_problem(value=target.value, per_period_quantity=target.per_period_quantity,
                                           statement=target.statement)
        if message is None and text is not None and target.statement.strip() \
                and squeeze_text(target.statement) not in text:
            message = _("Văn bản kế hoạch không còn câu chỉ tiêu này: sửa đoạn chỉ tiêu cho khớp.")
        if message:
            problems.append(TargetTextProblem(target=target, message=message))
    return problems


def plan_issue_missing(document: PlanDocument, *, problems: list[TargetTextProblem] | None = None) -> list[str]:
    """What issuing asks for (campaigns.services.plan_issue decides; the page shows it first):
    the number, date and signer, each passage the source document lacks, and targets whose
    sentence and figure disagree."""
    plan = document.plan
    checks = ((_("số văn bản"), plan.number), (_("ngày ban hành"), plan.issue_day),
              (_("tháng ban hành"), plan.issue_month), (_("năm ban hành"), plan.issue_year),
              (_("chức vụ người ký"), plan.signer_position), (_("người ký"), plan.signer_name))
    missing = [str(label) for label, value in checks if not value]
    missing += [_("phần văn bản còn thiếu: %(note)s") % {"note": note} for note in paragraphs(plan.source_gaps)]
    if problems is None:  # a page that shows them too passes the ones it read
        problems = target_text_problems(document)
    if problems:
        missing.append(_("%(count)d chỉ tiêu có câu chữ và con số chưa khớp") % {"count": len(problems)})
    return missing
