"""What a commune's consolidated quarterly report says (documents layer, read-only like a
selector): the indicators against their targets, the tasks, the units' reports, the charts and
the narrative, from the stored rollups and the accepted unit reports of its period. The report's
page and its PDF read this same content, and the page's lookups live at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from campaigns.models import IssuerKind, Plan, Task
from portal.formats import DASH, quarter_roman, vn_date, vn_number, vn_percent
from portal.text import vi_sorted
from reporting.documents import charts as charts_svg
from reporting.documents.content.common import (
    STATUS_SHORT,
    Header,
    Section,
    Signer,
    commune_phrase,
    figure_text,
    figure_with_unit,
    lower_first,
    make_header,
    paragraphs,
    period_phrase,
    plan_reference_phrase,
)
from reporting.documents.formatting import joined_items
from reporting.documents.profiles import profile_for
from reporting.models import (
    CommuneReport,
    CommuneReportTransition,
    CommuneRollup,
    ReportingPeriod,
    ReportState,
    TaskProgress,
    TaskStatus,
)
from reporting.selectors import reports as selectors
from reporting.selectors.rollups import judge_rows
from targets.models import Indicator, Target, TimeAggregation
from targets.status import STATUS_ORDER, RollupStatus, status_label


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

    def _share(self, part: int) -> str:
        return vn_percent(Decimal(part * 100) / self.expected if self.expected else None)

    @property
    def received_pct(self) -> str:
        return self._share(self.received)

    @property
    def on_time_pct(self) -> str:
        return self._share(self.on_time)

    @property
    def accepted_pct(self) -> str:
        return self._share(self.accepted)


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


# --- Indicators and charts -------------------------------------------------------------------


def _status_counts_text(counts: dict[str, int], total: int) -> str:
    parts = [f"{counts.get(code, 0)} {STATUS_SHORT[code].lower()}" for code in STATUS_ORDER if counts.get(code)]
    return _("Trong %(n)s chỉ tiêu năm: %(parts)s.") % {"n": total, "parts": ", ".join(parts)} if parts else ""


def _chart(number: int, indicator: Indicator, target: Target, ytd: dict[int, Decimal | None],
           quarter: int, font_family: str) -> Chart:
    title = (f"Biểu đồ {number}. {indicator.short_name}: lũy kế thực hiện so với lộ trình đến chỉ tiêu "
             f"năm {target.year} ({figure_with_unit(target.value, indicator)})")
    drawn = charts_svg.progress_chart(
        title=title, ytd={q: ytd.get(q) for q in range(1, quarter + 1)}, target=target.value,
        baseline=target.baseline, flow=indicator.time_aggregation == TimeAggregation.SUM,
        percent=indicator.is_percent, decimals=indicator.decimals,
        x_labels=["Đầu năm", "Quý I", "Quý II", "Quý III", "Quý IV"],
        actual_label="Thực hiện (lũy kế)", target_label="Lộ trình đến chỉ tiêu năm", font_family=font_family)
    return Chart(number=number, title=title, svg=drawn.svg)


def _figure_detail(row: CommuneRollup | None, indicator: Indicator) -> str:
    """"(90/200; 2/3 đơn vị báo cáo)": the counts a percentage is made of and how many of the
    units that owe the figure reported it; "" without a computed row."""
    if row is None:
        return ""
    units = _("%(reported)s/%(expected)s đơn vị báo cáo") % {"reported": row.units_reported,
                                                             "expected": row.units_expected}
    if indicator.is_percent and row.ytd_numerator is not None and row.ytd_denominator is not None:
        return f"({vn_number(row.ytd_numerator, 0)}/{vn_number(row.ytd_denominator, 0)}; {units})"
    return f"({units})"


def _indicator_row(number: int, indicator: Indicator, target: Target | None, row: CommuneRollup | None) -> IndicatorRow:
    status = row.status if row else (RollupStatus.NO_DATA if target else RollupStatus.NO_TARGET)
    return IndicatorRow(
        number=number, code=indicator.code, name=indicator.name, unit_of_measure=indicator.unit_of_measure,
        target=figure_text(target.value if target else None, indicator),
        quarter=figure_text(row.value if row else None, indicator),
        ytd=figure_text(row.ytd_value if row else None, indicator),
        achievement=vn_percent(row.achievement if row else None), status=status,
        status_label=status_label(status),
        units=f"{row.units_reported}/{row.units_expected}" if row else DASH,
        detail=_figure_detail(row, indicator))


def _indicators(plan: Plan, year: int, quarter: int) -> tuple[list[IndicatorRow], list[Chart]]:
    """The indicator table (targets first in their order, then indicators rolled up without a
    target) and a chart per key indicator with a figure to draw."""
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
    rows = [_indicator_row(number, indicator, target_of.get(indicator.pk), this_quarter.get(indicator.pk))
            for number, indicator in enumerate(ordered, start=1)]
    # A chart only where there is a figure to draw: an indicator no unit has reported yet
    # would be an empty frame (its row in Phụ lục I says "—").
    charted = [t for t in targets if t.indicator.is_key
               and any(v is not None for v in ytd_by_quarter.get(t.indicator_id, {}).values())]
    font_family = profile_for(plan.issuer_kind).font_family
    charts = [_chart(n, target.indicator, target, ytd_by_quarter.get(target.indicator_id, {}), quarter, font_family)
              for n, target in enumerate(charted, start=1)]
    return rows, charts


def _indicator_summary(rows: list[IndicatorRow], year: int) -> str:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    if not rows:
        return _("Kế hoạch chưa có chỉ tiêu cho năm %(year)s.") % {"year": year}
    details = _("Chi tiết tại Phụ lục I.")
    return f"{_status_counts_text(counts, len(rows))} {details}".strip()


# --- Tasks and units -------------------------------------------------------------------------


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


def _task_row(number: int, task: Task, items: list[TaskProgress]) -> TaskRow:
    status_counts = {s: sum(1 for i in items if i.status == s) for s in TaskStatus.values}
    quantities = [i.output_quantity for i in items if i.output_quantity is not None]
    return TaskRow(
        number=number, title=task.title, lead=task.lead_display, timeframe=task.timeframe_text,
        deliverables=joined_items(d.text for d in task.deliverables.all()) or DASH, reports=len(items),
        done=status_counts[TaskStatus.DONE], in_progress=status_counts[TaskStatus.IN_PROGRESS],
        delayed=status_counts[TaskStatus.DELAYED], not_started=status_counts[TaskStatus.NOT_STARTED],
        quantity=vn_number(sum(quantities, Decimal(0)), 0) if quantities else DASH,
        status=_task_status(status_counts))


def _tasks(period: ReportingPeriod) -> tuple[list[TaskRow], str]:
    """The period's tasks as the accepted unit reports speak of them, and their summary."""
    tasks = selectors.period_tasks(period=period)
    progress: dict[int, list[TaskProgress]] = defaultdict(list)
    for item in TaskProgress.objects.filter(report__period=period, report__state=ReportState.ACCEPTED):
        progress[item.task_id].append(item)
    rows = [_task_row(number, task, progress.get(task.pk, [])) for number, task in enumerate(tasks, start=1)]
    overall: dict[str, int] = defaultdict(int)
    for row in rows:
        overall[row.status] += 1
    summary = _(
        "Trong %(what)s có %(n)s nhiệm vụ được triển khai. Theo báo cáo đã được chấp nhận của các đơn vị: "
        "%(done)s nhiệm vụ hoàn thành, %(progress)s đang triển khai, %(delayed)s chậm tiến độ, "
        "%(not_started)s chưa triển khai, %(none)s chưa có báo cáo (chi tiết tại Phụ lục II)."
    ) % {"what": period_phrase(period), "n": len(rows), "done": overall[str(TaskStatus.DONE.label)],
         "progress": overall[str(TaskStatus.IN_PROGRESS.label)], "delayed": overall[str(TaskStatus.DELAYED.label)],
         "not_started": overall[str(TaskStatus.NOT_STARTED.label)], "none": overall[_("Chưa có báo cáo")]}
    return rows, summary


def _units(period: ReportingPeriod) -> tuple[list[UnitRow], CompletenessSummary, str]:
    """The units owing a report (in Vietnamese order), the counts and their summary."""
    completeness = selectors.period_completeness(period=period)
    rows = [
        UnitRow(number=n, unit=row.unit.name,
                state=str(row.report.get_state_display()) if row.report else _("Chưa mở báo cáo"),
                received=row.received, on_time=row.on_time, accepted=row.accepted)
        for n, row in enumerate(vi_sorted(completeness.rows, key=lambda r: r.unit.name), start=1)
    ]
    summary = CompletenessSummary(expected=completeness.expected, received=completeness.received,
                                  on_time=completeness.received_on_time, accepted=completeness.accepted)
    text = _(
        "Có %(expected)s đơn vị phải báo cáo; đã nhận %(received)s báo cáo (%(received_pct)s), trong đó "
        "%(on_time)s báo cáo đúng hạn; %(accepted)s báo cáo đã được chấp nhận và được tổng hợp vào báo cáo "
        "này (chi tiết tại Phụ lục III)."
    ) % {"expected": summary.expected, "received": summary.received, "received_pct": summary.received_pct,
         "on_time": summary.on_time, "accepted": summary.accepted}
    return rows, summary, text


# --- The report ------------------------------------------------------------------------------


def commune_body_phrase(plan: Plan) -> str:
    """Who speaks in the report: "UBND phường Ba Ngòi" / "Ban Thường vụ Đảng ủy phường Hà Tu"."""
    if plan.issuer_kind == IssuerKind.DANG_UY:
        return f"Ban Thường vụ Đảng ủy {commune_phrase(plan.commune)}"
    return f"UBND {commune_phrase(plan.commune)}"


def _sections(report: CommuneReport) -> list[Section]:
    return [
        Section(heading="4. Kết quả nổi bật", level=2,
                paragraphs=paragraphs(report.highlights) or [_("Không có.")]),
        Section(heading="II. KHÓ KHĂN, VƯỚNG MẮC", paragraphs=paragraphs(report.difficulties) or [_("Không có.")]),
        Section(heading="III. ĐỀ XUẤT, KIẾN NGHỊ", paragraphs=paragraphs(report.proposals) or [_("Không có.")]),
        Section(heading="IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI",
                paragraphs=paragraphs(report.next_steps) or [_("Không có.")]),
    ]


def commune_report_content(*, report: CommuneReport) -> CommuneReportContent:
    """The consolidated report as it reads, from the stored rollups and the accepted unit
    reports of its period (a fixed number of queries, about 20)."""
    period = report.period
    plan = period.plan
    year, quarter = period.year, period.quarter or 4
    indicator_rows, charts = _indicators(plan, year, quarter)
    task_rows, task_summary = _tasks(period)
    unit_rows, summary, completeness_summary = _units(period)
    body = commune_body_phrase(plan)
    what = period_phrase(period)
    header = make_header(issuer_kind=plan.issuer_kind, parent_body=plan.parent_body.upper(),
                         issuing_body=plan.issuing_body.upper(), number=report.number, symbol=report.symbol,
                         place=report.place, issue_date=report.issue_date, doc_type="BÁO CÁO", title=report.title)
    short_ref = header.reference.removeprefix("Số: ").removeprefix("Số ")
    return CommuneReportContent(
        report_id=report.pk, period_id=period.pk, commune_name=plan.commune.official_name,
        period_title=period.title, year=year, quarter=quarter, quarter_roman=quarter_roman(quarter),
        state=report.state, state_label=str(report.get_state_display()), header=header,
        intro=(f"Thực hiện {plan_reference_phrase(plan)} về {lower_first(plan.title)}, {body} báo cáo kết "
               f"quả thực hiện {what} như sau:"),
        indicators=indicator_rows, indicator_summary=_indicator_summary(indicator_rows, year), tasks=task_rows,
        task_summary=task_summary, units=unit_rows, completeness=summary,
        completeness_summary=completeness_summary, charts=charts, sections=_sections(report),
        closing=f"Trên đây là báo cáo kết quả thực hiện Phong trào “Bình dân học vụ số” {what} của {body}./.",
        recipients=list(report.recipients),
        signer=Signer(authority=report.signer_authority, deputy=report.signer_deputy,
                      position=report.signer_position, name=report.signer_name),
        appendix_reference=f"(Kèm theo Báo cáo số {short_ref} ngày {vn_date(report.issue_date, empty='…')} của {body})",
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
