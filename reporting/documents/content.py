"""What the three quarterly documents say: a unit's report, the commune's consolidated report
and the province summary. Pages and PDFs read the same content, so they print the same figures.

Every builder runs inside the caller's tenant scope in a fixed number of queries, however many
units, indicators, tasks or communes there are. The content holds text and numbers only (no
model instances): a document's data version is the fingerprint of exactly what it prints, so a
stored PDF is stale when, and only when, its text would change.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from campaigns.models import Commune, IssuerKind, Plan, Province, Task, TaskCoordinator, Unit
from campaigns.timeframes import parse_timeframe
from portal.text import vi_sorted
from reporting.deadlines import day_end, local_day
from reporting.documents import charts as charts_svg
from reporting.documents.formatting import joined_items, place_date_line_for, reference_line
from reporting.documents.profiles import profile_for
from reporting.models import (
    CommuneReport,
    CommuneReportState,
    CommuneReportTransition,
    CommuneRollup,
    EvidenceKind,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    TaskProgress,
    TaskStatus,
    UnitReport,
)
from reporting.rollups.compute import plans_for_year
from reporting.selectors import reports as selectors
from reporting.selectors import rollups as rollup_selectors
from reporting.selectors.rollups import judge_rows
from targets.models import Indicator, Target, TimeAggregation
from targets.progress import expected_at
from targets.status import LAGGING, NOT_DUE, RollupStatus, status_label

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
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


# --- Text of figures, dates and references (the official Vietnamese forms) -----------------


def vn_number(value: Decimal | int, decimals: int = 0) -> str:
    """1234.56 with 1 decimal → "1.234,6": a dot between thousands, a decimal comma, half up.

    Written out rather than left to the active locale: an official document reads the same
    whichever language the request or the worker runs in.
    """
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def figure_text(value: Decimal | None, indicator: Indicator) -> str:
    """A figure of the indicator without its unit (the table has a unit column): "45,0"."""
    return "—" if value is None else vn_number(value, indicator.decimals)


def percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{vn_number(value, 1)}%"


def two_digits(value: int) -> str:
    return f"{value:02d}"


def dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "…"


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def commune_phrase(commune: Commune) -> str:
    """"phường Ba Ngòi", as it reads inside a sentence."""
    return f"{commune.get_kind_display().lower()} {commune.name}"


def period_phrase(period: ReportingPeriod) -> str:
    """"quý I năm 2026", or the ad-hoc request's own title."""
    if period.quarter:
        return f"quý {ROMAN[period.quarter]} năm {period.year}"
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
        phrase += f" ngày {two_digits(plan.issue_day)}/{two_digits(plan.issue_month)}/{plan.issue_year}"
    return f"{phrase} của {body} {commune_phrase(commune)}"


def _lower_first(text: str) -> str:
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


# --- The unit's report ---------------------------------------------------------------------


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


def unit_report_content(*, report: UnitReport) -> UnitReportContent:
    """The unit's quarterly report as its BÁO CÁO reads (a dozen queries whatever its size)."""
    period, unit = report.period, report.unit
    plan = period.plan
    commune = plan.commune
    rows = selectors.report_rows(period=period, unit=unit)
    values = {v.indicator_id: v for v in report.values.all()}
    progress = {p.task_id: p for p in report.progress.all()}
    issuer_kind, parent = _unit_issuer(plan)
    submitted = local_day(report.first_submitted_at) if report.first_submitted_at else None
    value_lines = []
    for indicator in rows.indicators:
        target = rows.targets.get(indicator.pk)
        value = values.get(indicator.pk)
        detail, result = "", "—"
        if value is not None and indicator.is_percent:
            if value.numerator is not None and value.denominator:
                result = vn_number(value.numerator / value.denominator * 100, indicator.decimals)
            if value.numerator is not None and value.denominator is not None:
                detail = f"{vn_number(value.numerator)}/{vn_number(value.denominator)}"
        elif value is not None and value.value is not None:
            result = vn_number(value.value, indicator.decimals)
        value_lines.append(UnitValueLine(
            code=indicator.code, name=indicator.name, unit_of_measure=indicator.unit_of_measure,
            target=figure_text(target.value if target else None, indicator), result=result, detail=detail,
            comment=(value.comment if value else "")))
    task_lines = []
    for number, task in enumerate(rows.tasks, start=1):
        item = progress.get(task.pk)
        role = _("Chủ trì") if task.lead_unit_id == unit.pk else _("Phối hợp")
        task_lines.append(UnitTaskLine(
            number=number, title=task.title, role=role,
            status=str(TaskStatus(item.status).label) if item and item.status else _("Chưa báo cáo"),
            quantity=vn_number(item.output_quantity) if item and item.output_quantity is not None else "—",
            deliverables=joined_items(d.text for d in task.deliverables.all()) or "—",
            narrative=item.narrative if item else ""))
    evidence = [EvidenceLine(kind=str(EvidenceKind(e.kind).label), description=e.description,
                             name=e.url if e.kind == EvidenceKind.LINK else (e.file.name or "").rsplit("/", 1)[-1])
                for e in report.evidence.all()]
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
        intro=(f"Thực hiện {plan_reference_phrase(plan)} về {_lower_first(plan.title)}, {unit.name} "
               f"báo cáo kết quả thực hiện {period_phrase(period)} như sau:"),
        values=value_lines, tasks=task_lines, sections=sections, evidence=evidence,
        closing=f"Trên đây là báo cáo kết quả thực hiện {period_phrase(period)} của {unit.name}./.",
        recipients=[f"{body} {commune_phrase(commune)} (b/c);", "Lưu: VT."],
        # Signed by the unit's head as the commune recorded them; what is not recorded stays
        # blank (submitting is refused until it is: reporting.services.report_missing).
        signer=Signer(position=unit.head_position, name=unit.head_name),
    )


# --- The commune's consolidated report -----------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    number: int
    code: str
    name: str
    unit_of_measure: str
    target: str
    quarter: str
    ytd: str
    achievement: str
    status: str
    status_label: str
    units: str  # "2/3" units whose accepted report carries the figure
    # What the year-to-date figure is made of, printed under it: "(90/200; 2/3 đơn vị báo
    # cáo)" for a percentage (its summed counts, rule 2), "(2/3 đơn vị báo cáo)" otherwise.
    detail: str = ""


@dataclass(frozen=True)
class TaskRow:
    number: int
    title: str
    lead: str
    timeframe: str
    deliverables: str
    reports: int
    done: int
    in_progress: int
    delayed: int
    not_started: int
    quantity: str
    status: str  # the task as a whole: the worst of what its units report


@dataclass(frozen=True)
class UnitRow:
    number: int
    unit: str
    state: str
    received: bool
    on_time: bool
    accepted: bool


@dataclass(frozen=True)
class CompletenessSummary:
    expected: int
    received: int
    on_time: int
    accepted: int

    @property
    def received_pct(self) -> str:
        return percent_text(Decimal(self.received * 100) / self.expected if self.expected else None)

    @property
    def on_time_pct(self) -> str:
        return percent_text(Decimal(self.on_time * 100) / self.expected if self.expected else None)

    @property
    def accepted_pct(self) -> str:
        return percent_text(Decimal(self.accepted * 100) / self.expected if self.expected else None)


@dataclass(frozen=True)
class Chart:
    number: int
    title: str
    svg: str


@dataclass(frozen=True)
class CommuneReportContent:
    report_id: int
    period_id: int
    commune_name: str
    period_title: str
    year: int
    quarter: int
    quarter_roman: str
    state: str
    state_label: str
    header: Header
    intro: str
    indicators: list[IndicatorRow]
    indicator_summary: str
    tasks: list[TaskRow]
    task_summary: str
    units: list[UnitRow]
    completeness: CompletenessSummary
    completeness_summary: str
    charts: list[Chart]
    sections: list[Section]
    closing: str
    recipients: list[str]
    signer: Signer
    appendix_reference: str


def _status_counts_text(counts: dict[str, int], total: int) -> str:
    parts = [f"{counts.get(code, 0)} {STATUS_SHORT[code].lower()}" for code in
             (RollupStatus.REACHED, RollupStatus.ON_TRACK, RollupStatus.AT_RISK, RollupStatus.OFF_TRACK,
              NOT_DUE, RollupStatus.NO_DATA) if counts.get(code)]
    return _("Trong %(n)s chỉ tiêu năm: %(parts)s.") % {"n": total, "parts": ", ".join(parts)} if parts else ""


def _chart(number: int, indicator: Indicator, target: Target, ytd: dict[int, Decimal | None],
           quarter: int, font_family: str) -> Chart:
    flow = indicator.time_aggregation == TimeAggregation.SUM
    start = Decimal(0) if flow or target.baseline is None else target.baseline
    line = [charts_svg.Point(x=0, y=start)] + [
        charts_svg.Point(x=q, y=expected_at(target=target.value, baseline=target.baseline, quarter=q, flow=flow))
        for q in (1, 2, 3, 4)]
    actual = [charts_svg.Point(x=q, y=value) for q in range(1, quarter + 1)
              if (value := ytd.get(q)) is not None]
    unit = "%" if indicator.is_percent else f" {indicator.unit_of_measure}"
    title = (f"Biểu đồ {number}. {indicator.short_name}: lũy kế thực hiện so với lộ trình đến chỉ tiêu "
             f"năm {target.year} ({figure_text(target.value, indicator)}{unit})")
    svg = charts_svg.line_chart(
        title=title, actual=actual, target_line=line, percent=indicator.is_percent,
        x_labels=["Đầu năm", "Quý I", "Quý II", "Quý III", "Quý IV"],
        fmt=lambda v: vn_number(v, indicator.decimals) + ("%" if indicator.is_percent else ""),
        actual_label="Thực hiện (lũy kế)", target_label="Lộ trình đến chỉ tiêu năm",
        font_family=font_family)
    return Chart(number=number, title=title, svg=svg)


def _figure_detail(row: CommuneRollup | None, indicator: Indicator) -> str:
    """"(90/200; 2/3 đơn vị báo cáo)": the counts a percentage is made of and how many of the
    units that owe the figure reported it; "" without a computed row."""
    if row is None:
        return ""
    units = _("%(reported)s/%(expected)s đơn vị báo cáo") % {"reported": row.units_reported,
                                                             "expected": row.units_expected}
    if indicator.is_percent and row.ytd_numerator is not None and row.ytd_denominator is not None:
        return f"({vn_number(row.ytd_numerator)}/{vn_number(row.ytd_denominator)}; {units})"
    return f"({units})"


def _task_status(counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return _("Chưa có báo cáo")
    if counts.get(TaskStatus.DELAYED):
        return str(TaskStatus.DELAYED.label)
    if counts.get(TaskStatus.DONE) and not any(counts.get(s) for s in (TaskStatus.IN_PROGRESS,
                                                                         TaskStatus.NOT_STARTED)):
        return str(TaskStatus.DONE.label)
    if counts.get(TaskStatus.IN_PROGRESS) or counts.get(TaskStatus.DONE):
        return str(TaskStatus.IN_PROGRESS.label)
    return str(TaskStatus.NOT_STARTED.label)


def commune_body_phrase(plan: Plan) -> str:
    """Who speaks in the report: "UBND phường Ba Ngòi" / "Ban Thường vụ Đảng ủy phường Hà Tu"."""
    if plan.issuer_kind == IssuerKind.DANG_UY:
        return f"Ban Thường vụ Đảng ủy {commune_phrase(plan.commune)}"
    return f"UBND {commune_phrase(plan.commune)}"


def commune_report_content(*, report: CommuneReport) -> CommuneReportContent:
    """The consolidated report as it reads, from the stored rollups and the accepted unit
    reports of its period (a fixed number of queries, about 20)."""
    period = report.period
    plan = period.plan
    commune = plan.commune
    year, quarter = period.year, period.quarter or 4
    targets = list(Target.objects.filter(plan=plan, year=year).select_related("indicator").order_by("order", "id"))
    rollups = list(judge_rows(list(CommuneRollup.objects.filter(plan=plan, year=year, quarter__lte=quarter)
                                   .select_related("indicator"))))
    this_quarter = {r.indicator_id: r for r in rollups if r.quarter == quarter}
    ytd_by_quarter: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for computed in rollups:
        ytd_by_quarter[computed.indicator_id][computed.quarter] = computed.ytd_value
    indicators: dict[int, Indicator] = {t.indicator_id: t.indicator for t in targets}
    target_of = {t.indicator_id: t for t in targets}
    for stored in this_quarter.values():
        indicators.setdefault(stored.indicator_id, stored.indicator)
    ordered = sorted(indicators.values(), key=lambda i: (
        target_of[i.pk].order if i.pk in target_of else 10**6, i.order, i.code))
    indicator_rows = []
    counts: dict[str, int] = defaultdict(int)
    for number, indicator in enumerate(ordered, start=1):
        row = this_quarter.get(indicator.pk)
        target = target_of.get(indicator.pk)
        status = row.status if row else (RollupStatus.NO_DATA if target else RollupStatus.NO_TARGET)
        counts[status] += 1
        indicator_rows.append(IndicatorRow(
            number=number, code=indicator.code, name=indicator.name, unit_of_measure=indicator.unit_of_measure,
            target=figure_text(target.value if target else None, indicator),
            quarter=figure_text(row.value if row else None, indicator),
            ytd=figure_text(row.ytd_value if row else None, indicator),
            achievement=percent_text(row.achievement if row else None), status=status,
            status_label=status_label(status),
            units=f"{row.units_reported}/{row.units_expected}" if row else "—",
            detail=_figure_detail(row, indicator)))
    # A chart only where there is a figure to draw: an indicator no unit has reported yet
    # would be an empty frame (its row in Phụ lục I says "—").
    charted = [t for t in targets if t.indicator.is_key
               and any(v is not None for v in ytd_by_quarter.get(t.indicator_id, {}).values())]
    charts = [
        _chart(n, target.indicator, target, ytd_by_quarter.get(target.indicator_id, {}), quarter,
               profile_for(plan.issuer_kind).font_family)
        for n, target in enumerate(charted, start=1)
    ]

    tasks = selectors.period_tasks(period=period)
    progress: dict[int, list[TaskProgress]] = defaultdict(list)
    for item in TaskProgress.objects.filter(report__period=period, report__state=ReportState.ACCEPTED):
        progress[item.task_id].append(item)
    task_rows = []
    overall: dict[str, int] = defaultdict(int)
    for number, task in enumerate(tasks, start=1):
        items = progress.get(task.pk, [])
        status_counts = {s: sum(1 for i in items if i.status == s) for s in TaskStatus.values}
        quantities = [i.output_quantity for i in items if i.output_quantity is not None]
        status = _task_status(status_counts)
        overall[status] += 1
        task_rows.append(TaskRow(
            number=number, title=task.title, lead=task.lead_display, timeframe=task.timeframe_text,
            deliverables=joined_items(d.text for d in task.deliverables.all()) or "—", reports=len(items),
            done=status_counts[TaskStatus.DONE], in_progress=status_counts[TaskStatus.IN_PROGRESS],
            delayed=status_counts[TaskStatus.DELAYED], not_started=status_counts[TaskStatus.NOT_STARTED],
            quantity=vn_number(sum(quantities, Decimal(0))) if quantities else "—", status=status))

    completeness = selectors.period_completeness(period=period)
    unit_rows = [
        UnitRow(number=n, unit=row.unit.name,
                state=str(row.report.get_state_display()) if row.report else _("Chưa mở báo cáo"),
                received=row.received, on_time=row.on_time, accepted=row.accepted)
        for n, row in enumerate(vi_sorted(completeness.rows, key=lambda r: r.unit.name), start=1)
    ]
    summary = CompletenessSummary(expected=completeness.expected, received=completeness.received,
                                  on_time=completeness.received_on_time, accepted=completeness.accepted)
    issuer_kind = plan.issuer_kind
    body = commune_body_phrase(plan)
    what = period_phrase(period)
    header = make_header(issuer_kind=issuer_kind, parent_body=plan.parent_body.upper(),
                         issuing_body=plan.issuing_body.upper(), number=report.number, symbol=report.symbol,
                         place=report.place, issue_date=report.issue_date, doc_type="BÁO CÁO", title=report.title)
    sections = [
        Section(heading="4. Kết quả nổi bật", level=2,
                paragraphs=paragraphs(report.highlights) or [_("Không có.")]),
        Section(heading="II. KHÓ KHĂN, VƯỚNG MẮC", paragraphs=paragraphs(report.difficulties) or [_("Không có.")]),
        Section(heading="III. ĐỀ XUẤT, KIẾN NGHỊ", paragraphs=paragraphs(report.proposals) or [_("Không có.")]),
        Section(heading="IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI",
                paragraphs=paragraphs(report.next_steps) or [_("Không có.")]),
    ]
    task_summary = _(
        "Trong %(what)s có %(n)s nhiệm vụ được triển khai. Theo báo cáo đã được chấp nhận của các đơn vị: "
        "%(done)s nhiệm vụ hoàn thành, %(progress)s đang triển khai, %(delayed)s chậm tiến độ, "
        "%(not_started)s chưa triển khai, %(none)s chưa có báo cáo (chi tiết tại Phụ lục II)."
    ) % {"what": what, "n": len(task_rows), "done": overall[str(TaskStatus.DONE.label)],
         "progress": overall[str(TaskStatus.IN_PROGRESS.label)], "delayed": overall[str(TaskStatus.DELAYED.label)],
         "not_started": overall[str(TaskStatus.NOT_STARTED.label)], "none": overall[_("Chưa có báo cáo")]}
    completeness_summary = _(
        "Có %(expected)s đơn vị phải báo cáo; đã nhận %(received)s báo cáo (%(received_pct)s), trong đó "
        "%(on_time)s báo cáo đúng hạn; %(accepted)s báo cáo đã được chấp nhận và được tổng hợp vào báo cáo "
        "này (chi tiết tại Phụ lục III)."
    ) % {"expected": summary.expected, "received": summary.received, "received_pct": summary.received_pct,
         "on_time": summary.on_time, "accepted": summary.accepted}
    indicator_summary = _status_counts_text(counts, len(indicator_rows))
    if indicator_rows:
        details = _("Chi tiết tại Phụ lục I.")
        indicator_summary = f"{indicator_summary} {details}".strip()
    else:
        indicator_summary = _("Kế hoạch chưa có chỉ tiêu cho năm %(year)s.") % {"year": year}
    when = dmy(report.issue_date)
    short_ref = header.reference.removeprefix("Số: ").removeprefix("Số ")
    return CommuneReportContent(
        report_id=report.pk, period_id=period.pk, commune_name=commune.official_name, period_title=period.title,
        year=year, quarter=quarter, quarter_roman=ROMAN[quarter], state=report.state, state_label=str(report.get_state_display()),
        header=header,
        intro=(f"Thực hiện {plan_reference_phrase(plan)} về {_lower_first(plan.title)}, {body} báo cáo kết "
               f"quả thực hiện {what} như sau:"),
        indicators=indicator_rows, indicator_summary=indicator_summary, tasks=task_rows,
        task_summary=task_summary, units=unit_rows, completeness=summary,
        completeness_summary=completeness_summary, charts=charts, sections=sections,
        closing=f"Trên đây là báo cáo kết quả thực hiện Phong trào “Bình dân học vụ số” {what} của {body}./.",
        recipients=list(report.recipients),
        signer=Signer(authority=report.signer_authority, deputy=report.signer_deputy,
                      position=report.signer_position, name=report.signer_name),
        appendix_reference=f"(Kèm theo Báo cáo số {short_ref} ngày {when} của {body})",
    )


# --- The province summary ------------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceQuarter:
    """The source of a province summary: one province, one quarter.

    ``pk`` is the RenderedDocument object id (one document per province and quarter).
    """

    province: Province
    year: int
    quarter: int

    @property
    def pk(self) -> int:
        return self.province.pk * 100_000 + self.year * 10 + self.quarter


@dataclass(frozen=True)
class SummaryIndicator:
    number: int
    code: str
    name: str
    short_name: str
    unit_of_measure: str
    ytd: str
    communes: str  # "12/15" communes with data out of those with a target
    at_risk: int


@dataclass(frozen=True)
class SummaryCell:
    ytd: str
    status: str
    status_label: str


@dataclass(frozen=True)
class SummaryCommune:
    number: int
    name: str
    cells: list[SummaryCell]
    expected: int
    received: int
    on_time: int
    accepted: int
    report_state: str  # the commune's consolidated report of the quarter
    at_risk: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProvinceSummaryContent:
    province_code: str
    province_name: str
    year: int
    quarter: int
    header: Header
    intro: str
    indicators: list[SummaryIndicator]
    communes: list[SummaryCommune]
    at_risk: list[SummaryCommune]
    completeness_summary: str
    closing: str
    recipients: list[str]
    signer: Signer
    appendix_reference: str


def province_quarter_completeness(plan_ids: list[int], year: int, quarter: int) -> dict[int, tuple[int, int, int, int]]:
    """Commune id → (expected, received, on time, accepted) unit reports of the quarter.

    The rule of selectors.expected_units (a target of the year reported, or a task of the period
    led or coordinated, by an active unit), evaluated for every commune at once (six queries).
    """
    periods = {p["pk"]: p for p in ReportingPeriod.objects.filter(
        plan_id__in=plan_ids, kind=PeriodKind.QUARTERLY, year=year, quarter=quarter).values(
        "pk", "plan_id", "unit_deadline")}
    expected: dict[int, set[int]] = defaultdict(set)  # plan id → unit ids
    # Straight from the target–unit link table, one row per (plan, unit): reading it through
    # Target would return one row per target and year (20 times as many at national scale).
    # The plan ids come from the caller's scope.
    links = (Target.reporting_units.through.objects.filter(target__plan_id__in=plan_ids, target__year=year)
             .values_list("target__plan_id", "unit_id").distinct().order_by())
    for plan_id, unit_id in links:
        expected[plan_id].add(unit_id)
    tasks = (Task.objects.filter(plan_id__in=plan_ids)
             .filter(Q(lead_unit__isnull=False) | Q(coordinators__unit__isnull=False)).distinct()
             .values_list("pk", "plan_id", "lead_unit_id", "timeframe_text"))
    covered = {pk: plan_id for pk, plan_id, _lead, text in tasks
               if parse_timeframe(text).covers_quarter(year, quarter) is not False}
    for pk, plan_id, lead, _text in tasks:
        if pk in covered and lead:
            expected[plan_id].add(lead)
    for task_id, unit_id in TaskCoordinator.objects.filter(task_id__in=list(covered), unit__isnull=False) \
            .values_list("task_id", "unit_id"):
        expected[covered[task_id]].add(unit_id)
    # Every active unit of the plans' communes (a superset of the expected ones, read by commune
    # instead of through a list of thousands of ids).
    active = dict(Unit.objects.filter(commune__plans__in=plan_ids, is_active=True).values_list("pk", "commune_id"))
    plan_of_period = {pk: p["plan_id"] for pk, p in periods.items()}
    # on_time() for thousands of reports: one bound per period, one comparison per report.
    on_time_before = {pk: day_end(p["unit_deadline"]) for pk, p in periods.items()}
    reports = UnitReport.objects.filter(period_id__in=list(periods)).values_list(
        "period_id", "unit_id", "state", "first_submitted_at")
    tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for units in expected.values():
        for unit_id in units:
            if unit_id in active:
                tallies[active[unit_id]][0] += 1
    for period_id, unit_id, state, first_submitted_at in reports:
        if unit_id not in active or unit_id not in expected[plan_of_period[period_id]]:
            continue
        tally = tallies[active[unit_id]]
        if first_submitted_at is not None:
            tally[1] += 1
            tally[2] += first_submitted_at < on_time_before[period_id]
        tally[3] += state == ReportState.ACCEPTED
    return {commune_id: (t[0], t[1], t[2], t[3]) for commune_id, t in tallies.items()}


def province_summary_symbol(province: Province) -> str:
    """"BC-SKHCN": the report's type and the reviewing agency's abbreviation."""
    abbreviation = "".join(province.agency_abbreviation.split())
    return f"BC-{abbreviation}" if abbreviation else "BC"


def province_signer_missing(province: Province) -> list[str]:
    """What the province summary cannot be issued without: its agency and that agency's signer."""
    missing = []
    if not province.agency_name.strip():
        missing.append(_("Chưa có tên cơ quan tổng hợp báo cáo của tỉnh (ví dụ Sở Khoa học và Công nghệ)."))
    if not province.agency_signer_position.strip() or not province.agency_signer_name.strip():
        missing.append(_("Chưa có chức vụ và họ tên người ký báo cáo tổng hợp của %(agency)s. Đề nghị quản "
                         "trị hệ thống cập nhật thông tin người ký của tỉnh trước khi ban hành báo cáo.")
                       % {"agency": province.agency_name.strip() or _("cơ quan tổng hợp")})
    return missing


def province_summary_content(*, source: ProvinceQuarter) -> ProvinceSummaryContent:
    """Communes × standard indicators, completeness per commune, communes at risk and the
    province totals of one quarter (about 15 queries, whatever the number of communes)."""
    province, year, quarter = source.province, source.year, source.quarter
    table = rollup_selectors.province_table(province=province, year=year, quarter=quarter)
    plan_ids = plans_for_year(commune_ids=[line.commune.pk for line in table.communes], year=year)
    completeness = province_quarter_completeness(plan_ids, year, quarter)
    states = dict(CommuneReport.objects.filter(
        period__plan_id__in=plan_ids, period__kind=PeriodKind.QUARTERLY, period__year=year,
        period__quarter=quarter).values_list("commune_id", "state"))
    # Counted from the communes' rows the appendix prints (a figure to date; a target; the
    # status shown), so the counts describe the figures beside them.
    indicators = [
        SummaryIndicator(
            number=n, code=i.code, name=i.name, short_name=i.short_name, unit_of_measure=i.unit_of_measure,
            ytd=figure_text(total.ytd_value if total else None, i),
            communes=f"{with_figure}/{with_target}" if total else "—", at_risk=lagging)
        for n, (i, total, with_figure, with_target, lagging) in enumerate(zip(
            table.indicators, table.totals, table.communes_with_figure, table.communes_with_target,
            table.communes_lagging, strict=True), start=1)
    ]
    communes = []
    for number, line in enumerate(table.communes, start=1):
        cells, risky = [], []
        for indicator, row in zip(table.indicators, line.cells, strict=True):
            status = row.status if row else RollupStatus.NO_DATA
            cells.append(SummaryCell(ytd=figure_text(row.ytd_value if row else None, indicator), status=status,
                                     status_label=STATUS_SHORT.get(status, status)))
            if row is not None and row.status in LAGGING:
                target = figure_text(row.target, indicator)
                unit = "%" if indicator.is_percent else f" {indicator.unit_of_measure}"
                risky.append(f"{indicator.short_name}: {figure_text(row.ytd_value, indicator)}{unit} "
                             f"(chỉ tiêu {target}{unit}, {status_label(row.status).lower()})")
        expected, received, timely, accepted = completeness.get(line.commune.pk, (0, 0, 0, 0))
        state = states.get(line.commune.pk)
        communes.append(SummaryCommune(
            number=number, name=line.commune.official_name, cells=cells, expected=expected, received=received,
            on_time=timely, accepted=accepted, at_risk=risky,
            report_state=str(CommuneReportState(state).label) if state else _("Chưa lập")))
    prefix = "Tỉnh" if province.kind == "tinh" else "Thành phố"
    what = f"quý {ROMAN[quarter]} năm {year}"
    issued = sum(1 for line in table.communes if states.get(line.commune.pk) in (
        CommuneReportState.ISSUED, CommuneReportState.ACKNOWLEDGED))
    completeness_summary = _(
        "Trên hệ thống có %(n)s xã, phường của %(place)s; %(issued)s xã, phường đã ban hành báo cáo tổng hợp %(what)s. "
        "Các đơn vị cấp xã phải báo cáo %(expected)s lượt, đã nhận %(received)s lượt, trong đó %(accepted)s "
        "lượt đã được xã, phường chấp nhận."
    ) % {"place": f"{prefix.lower()} {province.name}", "n": len(communes), "issued": issued, "what": what,
         "expected": sum(c.expected for c in communes), "received": sum(c.received for c in communes),
         "accepted": sum(c.accepted for c in communes)}
    agency = " ".join(province.agency_name.split())
    symbol = province_summary_symbol(province)
    return ProvinceSummaryContent(
        province_code=province.code, province_name=province.full_name, year=year, quarter=quarter,
        header=make_header(issuer_kind=IssuerKind.UBND, parent_body=f"UBND {province.full_name}".upper(),
                           issuing_body=agency.upper(), number="", symbol=symbol,
                           place=province.name, issue_date=None, doc_type="BÁO CÁO",
                           title=(f"Tổng hợp kết quả thực hiện Phong trào “Bình dân học vụ số” {what} "
                                  f"của các xã, phường trên địa bàn {prefix.lower()} {province.name}")),
        intro=(f"Căn cứ báo cáo của các xã, phường và số liệu tổng hợp trên Cổng theo dõi Phong trào "
               f"“Bình dân học vụ số”, {agency} báo cáo kết quả thực hiện {what} "
               f"trên địa bàn {prefix.lower()} {province.name} như sau:"),
        indicators=indicators, communes=communes, at_risk=[c for c in communes if c.at_risk],
        completeness_summary=completeness_summary,
        closing=f"Trên đây là báo cáo tổng hợp kết quả thực hiện Phong trào “Bình dân học vụ số” {what} "
                f"của {agency}./.",
        recipients=[f"UBND {prefix.lower()} (b/c);", "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới "
                    "sáng tạo và chuyển đổi số tỉnh (b/c);", "UBND các xã, phường;", "Lưu: VT, CĐS."],
        # The agency's signer as the province recorded them; a summary without one is not
        # issued (province_signer_missing).
        signer=Signer(deputy=province.agency_signer_deputy, position=province.agency_signer_position,
                      name=province.agency_signer_name),
        appendix_reference=f"(Kèm theo Báo cáo số \u2002\u2002\u2002/{symbol} ngày \u2002\u2002\u2002 của {agency})",
    )


# --- Lookups for the pages -----------------------------------------------------------------


def commune_report_get(*, pk: int) -> CommuneReport:
    """The report inside the active scope (a reviewer's province, a commune's own): 404 else."""
    return get_object_or_404(
        CommuneReport.objects.select_related("period", "period__plan", "period__plan__commune",
                                             "period__plan__commune__province", "commune", "issued_by"),
        pk=pk)


def commune_report_transitions(*, report: CommuneReport) -> list[CommuneReportTransition]:
    return list(report.transitions.select_related("actor").order_by("created_at", "id"))
