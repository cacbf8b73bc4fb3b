"""What a unit's quarterly report says (documents layer, read-only like a selector): its figures,
its tasks, its narrative and evidence, as the unit's BÁO CÁO and the report's page print them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaigns.models import IssuerKind, Plan, Unit
from portal.formats import DASH, vn_number
from reporting.deadlines import local_day
from reporting.documents.content.common import (
    Header,
    Section,
    Signer,
    commune_phrase,
    figure_text,
    lower_first,
    make_header,
    paragraphs,
    period_phrase,
    plan_reference_phrase,
)
from reporting.documents.formatting import joined_items
from reporting.models import EvidenceKind, IndicatorValue, TaskProgress, TaskStatus, UnitReport
from reporting.selectors import reports as selectors
from targets.models import Indicator, Target


@dataclass(frozen=True)
class UnitValueLine:
    code: str
    name: str
    unit_of_measure: str
    target: str
    result: str
    detail: str  # "450/1.000" for a percentage, "" otherwise
    comment: str


@dataclass(frozen=True)
class UnitTaskLine:
    number: int
    title: str
    role: str
    status: str
    quantity: str
    deliverables: str
    narrative: str


@dataclass(frozen=True)
class EvidenceLine:
    kind: str
    description: str
    name: str


@dataclass(frozen=True)
class UnitReportContent:
    report_id: int
    unit_name: str
    commune_name: str
    period_title: str
    state: str
    state_label: str
    header: Header
    intro: str
    values: list[UnitValueLine]
    tasks: list[UnitTaskLine]
    sections: list[Section]
    evidence: list[EvidenceLine]
    closing: str
    recipients: list[str]
    signer: Signer


def _unit_issuer(plan: Plan) -> tuple[str, str]:
    """The body above a unit: the commune's People's Committee, or its Party Committee when the
    plan is the Party Committee's (the units of a Party plan report to it)."""
    commune = plan.commune
    if plan.issuer_kind == IssuerKind.DANG_UY:
        return IssuerKind.DANG_UY, (plan.issuing_body or f"ĐẢNG ỦY {commune.official_name}").upper()
    return IssuerKind.UBND, f"UBND {commune.official_name}".upper()


def unit_report_symbol(unit: Unit) -> str:
    """"BC-VHXH": the report's type and the unit's abbreviation (Nghị định 30/2020). The number
    before it is the unit's clerk's, given when the report is signed, so the PDF leaves it blank."""
    abbreviation = "".join(unit.abbreviation.split())
    return f"BC-{abbreviation}" if abbreviation else "BC"


def unit_signer_missing(unit: Unit) -> list[str]:
    """What the unit's report cannot be signed and sent without: its head and its abbreviation."""
    missing = []
    if not unit.head_position.strip() or not unit.head_name.strip():
        missing.append(_("Đơn vị “%(unit)s” chưa có chức vụ và họ tên thủ trưởng (người ký báo cáo). "
                         "Đề nghị quản trị xã/phường cập nhật thông tin đơn vị trước khi gửi báo cáo.")
                       % {"unit": unit.name})
    if not unit.abbreviation.strip():
        missing.append(_("Đơn vị “%(unit)s” chưa có ký hiệu viết tắt dùng trong số, ký hiệu báo cáo "
                         "(ví dụ VHXH trong “Số: 03/BC-VHXH”). Đề nghị quản trị xã/phường cập nhật thông "
                         "tin đơn vị trước khi gửi báo cáo.") % {"unit": unit.name})
    return missing


def _value_line(indicator: Indicator, target: Target | None, value: IndicatorValue | None) -> UnitValueLine:
    """One indicator as reported: a percentage from its counts ("45,0", detail "450/1.000")."""
    detail, result = "", DASH
    if value is not None and indicator.is_percent:
        if value.numerator is not None and value.denominator:
            result = vn_number(value.numerator / value.denominator * 100, indicator.decimals)
        if value.numerator is not None and value.denominator is not None:
            detail = f"{vn_number(value.numerator, 0)}/{vn_number(value.denominator, 0)}"
    elif value is not None and value.value is not None:
        result = vn_number(value.value, indicator.decimals)
    return UnitValueLine(
        code=indicator.code, name=indicator.name, unit_of_measure=indicator.unit_of_measure,
        target=figure_text(target.value if target else None, indicator), result=result, detail=detail,
        comment=(value.comment if value else ""))


def _task_lines(report: UnitReport, rows: selectors.ReportRows) -> list[UnitTaskLine]:
    progress: dict[int, TaskProgress] = {p.task_id: p for p in report.progress.all()}
    lines = []
    for number, task in enumerate(rows.tasks, start=1):
        item = progress.get(task.pk)
        role = _("Chủ trì") if task.lead_unit_id == report.unit_id else _("Phối hợp")
        lines.append(UnitTaskLine(
            number=number, title=task.title, role=role,
            status=str(TaskStatus(item.status).label) if item and item.status else _("Chưa báo cáo"),
            quantity=vn_number(item.output_quantity, 0) if item else DASH,
            deliverables=joined_items(d.text for d in task.deliverables.all()) or DASH,
            narrative=item.narrative if item else ""))
    return lines


def _evidence_lines(report: UnitReport) -> list[EvidenceLine]:
    return [EvidenceLine(kind=str(EvidenceKind(e.kind).label), description=e.description,
                         name=e.url if e.kind == EvidenceKind.LINK else (e.file.name or "").rsplit("/", 1)[-1])
            for e in report.evidence.all()]


def unit_report_content(*, report: UnitReport) -> UnitReportContent:
    """The unit's quarterly report as its BÁO CÁO reads (a dozen queries whatever its size)."""
    period, unit = report.period, report.unit
    plan = period.plan
    commune = plan.commune
    rows = selectors.report_rows(period=period, unit=unit)
    values = {v.indicator_id: v for v in report.values.all()}
    issuer_kind, parent = _unit_issuer(plan)
    submitted = local_day(report.first_submitted_at) if report.first_submitted_at else None
    header = make_header(
        issuer_kind=issuer_kind, parent_body=parent, issuing_body=unit.name.upper(), number="",
        symbol=unit_report_symbol(unit),
        place=plan.place, issue_date=submitted, doc_type="BÁO CÁO",
        title=f"Kết quả thực hiện Phong trào “Bình dân học vụ số” {period_phrase(period)} của {unit.name}",
    )
    sections = [
        Section(heading="III. KẾT QUẢ NỔI BẬT", paragraphs=paragraphs(report.highlights) or [_("Không có.")]),
        Section(heading="IV. KHÓ KHĂN, VƯỚNG MẮC", paragraphs=paragraphs(report.difficulties) or [_("Không có.")]),
        Section(heading="V. ĐỀ XUẤT, KIẾN NGHỊ", paragraphs=paragraphs(report.proposals) or [_("Không có.")]),
    ]
    body = "Đảng ủy" if issuer_kind == IssuerKind.DANG_UY else "UBND"
    return UnitReportContent(
        report_id=report.pk, unit_name=unit.name, commune_name=commune.official_name,
        period_title=period.title, state=report.state, state_label=str(report.get_state_display()),
        header=header,
        intro=(f"Thực hiện {plan_reference_phrase(plan)} về {lower_first(plan.title)}, {unit.name} "
               f"báo cáo kết quả thực hiện {period_phrase(period)} như sau:"),
        values=[_value_line(i, rows.targets.get(i.pk), values.get(i.pk)) for i in rows.indicators],
        tasks=_task_lines(report, rows), sections=sections, evidence=_evidence_lines(report),
        closing=f"Trên đây là báo cáo kết quả thực hiện {period_phrase(period)} của {unit.name}./.",
        recipients=[f"{body} {commune_phrase(commune)} (b/c);", "Lưu: VT."],
        # Signed by the unit's head as the commune recorded them; what is not recorded stays
        # blank (submitting is refused until it is: reporting.services.report_missing).
        signer=Signer(position=unit.head_position, name=unit.head_name),
    )
