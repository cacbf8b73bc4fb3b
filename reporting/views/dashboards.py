"""Dashboards: the landing page of each role.

- A commune's campaign at a glance (commune admins and viewers land here; reviewers drill in).
- A province's communes × standard indicators as a heat table (reviewers land here).
- A unit's home: what is due, by when, one click into the report (reporters land here).

Thin views over reporting.selectors.dashboards: they choose the quarter, sort and filter from the
query string (so every view works without JavaScript and can be bookmarked), and turn the stored
figures into Vietnamese text with portal.formats, as the progress pages and the PDFs do. A status
is always a word and a mark beside its colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns.selectors import organisation as campaign_selectors
from portal.access import ALL_ROLES, COMMUNE_READERS, Role, request_access, role_required
from portal.formats import DASH, ROMAN_QUARTERS, quarter_roman, vn_percent
from portal.text import vi_sorted
from reporting.deadlines import local_today
from reporting.documents import charts as charts_svg
from reporting.documents.content.common import figure_with_unit
from reporting.models import CommuneReportState, CommuneRollup, ReportState
from reporting.selectors import rollups as rollup_selectors
from reporting.selectors.dashboards import commune as commune_dashboards
from reporting.selectors.dashboards import province as province_dashboards
from reporting.selectors.dashboards import unit as unit_dashboards
from reporting.selectors.dashboards.common import QUARTERS, UPCOMING_DAYS, TaskDue
from reporting.selectors.dashboards.commune import IndicatorProgress
from reporting.selectors.dashboards.province import HeatFilter
from reporting.views.rollups import Completeness
from targets.models import Indicator, Target, TimeAggregation
from targets.status import LAGGING, RollupStatus, Status, status_legend, status_of

# The chart's labels in the page's own type (the PDF passes Liberation Serif). Unquoted family
# names: charts_svg writes the list into an SVG attribute as it is.
WEB_FONT_FAMILY = "Segoe UI, Roboto, Noto Sans, Helvetica Neue, Arial, sans-serif"
TASKS_SHOWN = 8


# --- Shared pieces ---------------------------------------------------------------------------


def days_text(days: int) -> str:
    """"còn 5 ngày", "hạn hôm nay", "quá hạn 3 ngày"."""
    if days < 0:
        return ngettext("quá hạn %(n)s ngày", "quá hạn %(n)s ngày", -days) % {"n": -days}
    if days == 0:
        return _("hạn hôm nay")
    return ngettext("còn %(n)s ngày", "còn %(n)s ngày", days) % {"n": days}


def _int_param(data: QueryDict, name: str, low: int, high: int) -> int | None:
    value = data.get(name, "")
    if not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _clamp(value: Decimal | None) -> int:
    if value is None:
        return 0
    return int(max(Decimal(0), min(Decimal(100), value)))


# --- The commune dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCard:
    indicator: Indicator
    status: Status
    target: str
    ytd: str
    achievement: str
    bar: int  # width of the bar, percent of the year's target (0–100)
    expected: str
    marker: int | None  # where the trajectory stands, percent of the target (None: no target)
    units: Completeness | None
    unreported: bool = False  # no unit reports the target


def _card(line: IndicatorProgress) -> IndicatorCard:
    row, indicator = line.row, line.indicator
    target = line.target.value if line.target is not None else (row.target if row else None)
    marker = None
    if row is not None and row.expected is not None and target:
        marker = _clamp(row.expected / target * 100)
    return IndicatorCard(
        indicator=indicator, status=status_of(line.status), target=figure_with_unit(target, indicator),
        ytd=figure_with_unit(row.ytd_value if row else None, indicator),
        achievement=vn_percent(row.achievement if row else None),
        bar=_clamp(row.achievement if row else None),
        expected=figure_with_unit(row.expected if row else None, indicator), marker=marker,
        units=Completeness(row.units_reported, row.units_expected) if row else None,
        unreported=line.unreported,
    )


@dataclass(frozen=True)
class ChartPoint:
    label: str
    actual: str
    trajectory: str


@dataclass(frozen=True)
class Chart:
    indicator: Indicator
    title: str
    svg: str
    points: list[ChartPoint]


def quarter_labels() -> list[str]:
    return [_("Đầu năm")] + [_("Quý %(q)s") % {"q": quarter_roman(q)} for q in QUARTERS]


def chart(line: IndicatorProgress, target: Target, year: int) -> Chart:
    """The consolidated report's chart of a key indicator (charts_svg.progress_chart, as in
    reporting.documents.content.commune_report): the year-to-date figure of each quarter against
    the straight line to the year's target, from the same rollup rows, with the page's language
    and type."""
    indicator = line.indicator
    title = _("%(name)s: lũy kế thực hiện so với lộ trình đến chỉ tiêu năm %(year)s (%(target)s)") % {
        "name": indicator.short_name, "year": year, "target": figure_with_unit(target.value, indicator)}
    labels = quarter_labels()
    drawn = charts_svg.progress_chart(
        title=title, ytd=line.ytd_by_quarter, target=target.value, baseline=target.baseline,
        flow=indicator.time_aggregation == TimeAggregation.SUM, percent=indicator.is_percent,
        decimals=indicator.decimals, x_labels=labels, actual_label=_("Thực hiện (lũy kế)"),
        target_label=_("Lộ trình đến chỉ tiêu năm"), font_family=WEB_FONT_FAMILY)
    by_x = {p.x: p.y for p in drawn.actual}
    points = [ChartPoint(label=labels[p.x], actual=figure_with_unit(by_x.get(p.x), indicator) if p.x else DASH,
                         trajectory=figure_with_unit(p.y, indicator)) for p in drawn.trajectory]
    return Chart(indicator=indicator, title=title, svg=drawn.svg, points=points)


@dataclass(frozen=True)
class UnitLine:
    """A unit's report of the listed quarter: its state (or "missing") and where to open it."""

    unit: Any
    state: str  # a ReportState value, or "missing"
    label: str
    late: bool
    report_id: int | None


def _unit_lines(completeness: Any) -> list[UnitLine]:
    lines = []
    for row in vi_sorted(completeness.rows, key=lambda r: r.unit.name):
        report = row.report
        if report is None:
            lines.append(UnitLine(row.unit, "missing", _("Chưa mở báo cáo"), row.late, None))
        else:
            lines.append(UnitLine(row.unit, report.state, str(report.get_state_display()), row.late, report.pk))
    return lines


def _state_counts(lines: list[UnitLine]) -> list[tuple[str, str, int]]:
    order = [(ReportState.ACCEPTED, str(ReportState.ACCEPTED.label)),
             (ReportState.SUBMITTED, str(ReportState.SUBMITTED.label)),
             (ReportState.RETURNED, str(ReportState.RETURNED.label)),
             (ReportState.DRAFT, str(ReportState.DRAFT.label)), ("missing", _("Chưa mở báo cáo"))]
    return [(code, label, sum(1 for line in lines if line.state == code)) for code, label in order]


@role_required(*COMMUNE_READERS)
def commune_dashboard(request: HttpRequest, commune_code: str) -> HttpResponse:
    commune = campaign_selectors.commune_get(code=commune_code)
    today = local_today()
    data = commune_dashboards.commune_dashboard(
        commune=commune, today=today, year=_int_param(request.GET, "year", 2000, 2100),
        quarter=_int_param(request.GET, "quarter", 1, 4))
    units = _unit_lines(data.completeness) if data.completeness else []
    cards = [_card(line) for line in data.indicators]
    counts = data.status_counts
    return render(request, "dashboards/commune.html", {
        "commune": commune, "data": data, "plan": data.plan, "today": today,
        "quarter_roman": quarter_roman(data.quarter or 0),
        "period_roman": quarter_roman(data.period.quarter or 0) if data.period else "",
        "cards": cards, "status_summary": [(status, counts.get(status.code, 0)) for status in status_legend()],
        "lagging": sum(counts.get(code, 0) for code in LAGGING),
        "charts": [chart(line, line.target, data.year) for line in data.key_indicators
                   if data.has_figures and line.target is not None],
        "units": units, "unit_counts": _state_counts(units),
        "late_units": sum(1 for line in units if line.late),
        "overdue": task_lines(data.tasks.overdue[:TASKS_SHOWN]),
        "overdue_more": max(len(data.tasks.overdue) - TASKS_SHOWN, 0),
        "upcoming": task_lines(data.tasks.upcoming[:TASKS_SHOWN]),
        "upcoming_more": max(len(data.tasks.upcoming) - TASKS_SHOWN, 0),
        "deadlines": [(deadline, _deadline_label(deadline), days_text(deadline.days_left))
                      for deadline in data.deadlines],
        "quarters": [(q, quarter_roman(q)) for q in data.quarters], "legend": status_legend(),
        "is_admin": request_access(request).is_commune_admin, "is_reviewer": request_access(request).is_reviewer,
        "upcoming_days": UPCOMING_DAYS,
        "rollups_pending": rollup_selectors.rollups_pending(commune_ids=[commune.pk], year=data.year),
    })


def _deadline_label(deadline: commune_dashboards.Deadline) -> str:
    if deadline.kind == "unit":
        return _("Đơn vị nộp báo cáo: %(p)s") % {"p": deadline.period.title}
    return _("Xã/phường gửi báo cáo tổng hợp: %(p)s") % {"p": deadline.period.title}


def task_lines(items: list[TaskDue]) -> list[tuple[TaskDue, str]]:
    return [(item, days_text(item.days_left)) for item in items]


# --- The province dashboard ------------------------------------------------------------------


class HeatFilterForm(forms.Form):
    """The heat table's quarter, search and filters (GET: the page works without JavaScript)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Năm"), coerce=int)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quý"), coerce=int)
    q = forms.CharField(label=gettext_lazy("Tìm xã, phường"), required=False, max_length=100,
                        help_text=gettext_lazy("Gõ có dấu hoặc không dấu, ví dụ: “Hòa An” hoặc “hoa an”."))
    status = forms.ChoiceField(label=gettext_lazy("Có chỉ số ở trạng thái"), required=False)
    lagging = forms.BooleanField(label=gettext_lazy("Chỉ xã/phường có chỉ số chậm hoặc có nguy cơ chậm"),
                                 required=False)
    incomplete = forms.BooleanField(label=gettext_lazy("Chỉ xã/phường còn đơn vị chưa gửi báo cáo"),
                                    required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (q, _("Quý %(q)s") % {"q": roman}) for q, roman in ROMAN_QUARTERS.items()]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("— Mọi trạng thái —")), *((s.code, s.label) for s in status_legend())]
        self.fields["q"].widget.attrs.update({"aria-describedby": "id_q_helptext", "autocomplete": "off"})
        for name in ("year", "quarter", "status"):
            self.fields[name].error_messages["invalid_choice"] = _("Chọn một giá trị trong danh sách.")


@dataclass(frozen=True)
class HeatCell:
    indicator: Indicator
    status: Status
    achievement: str
    ytd: str
    target: str
    empty: bool


@dataclass(frozen=True)
class TotalHeatCell:
    """The province row of an indicator column: the province figure (the column's kind of
    number) and the communes with a figure to date out of those with a target."""

    indicator: Indicator
    ytd: str
    communes: Completeness
    empty: bool


def _heat_cell(row: CommuneRollup | None, indicator: Indicator) -> HeatCell:
    if row is None:
        return HeatCell(indicator, status_of(RollupStatus.NO_TARGET), DASH, DASH, DASH, True)
    return HeatCell(indicator, status_of(row.status), vn_percent(row.achievement),
                    figure_with_unit(row.ytd_value, indicator), figure_with_unit(row.target, indicator), False)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    url: str
    sort: str  # "ascending" | "descending" | "" (aria-sort)
    indicator: Indicator | None = None


SORT_DEFAULT_DESC = {"lagging", "completeness", "report"}


def _columns(indicators: list[Indicator], params: dict[str, Any], sort: str, descending: bool) -> list[Column]:
    names = [("name", _("Xã, phường")), ("completeness", _("Đơn vị đã gửi báo cáo")),
             ("report", _("Báo cáo tổng hợp")), ("lagging", _("Số chỉ số chậm"))]
    columns = []
    for key, label, indicator in [(k, v, None) for k, v in names] + [(i.code, i.short_name, i) for i in indicators]:
        # A column sorts first the way a reader looks at it (names A→Z, figures high→low); its
        # header then flips the direction.
        flip = not descending if key == sort else key in SORT_DEFAULT_DESC or indicator is not None
        url = "?" + urlencode({**params, "sort": key, "dir": "desc" if flip else "asc"})
        state = ("descending" if descending else "ascending") if key == sort else ""
        columns.append(Column(key=key, label=label, url=url, sort=state, indicator=indicator))
    return columns


@dataclass(frozen=True)
class HeatLine:
    row: province_dashboards.HeatRow
    cells: list[HeatCell]
    completeness: Completeness
    completeness_text: str
    report_label: str


def _report_label(state: str | None) -> str:
    return str(CommuneReportState(state).label) if state in CommuneReportState.values else _("Chưa lập")


@role_required(Role.PROVINCE_REVIEWER)
def province_dashboard(request: HttpRequest, province_code: str) -> HttpResponse:
    province = campaign_selectors.province_get(access=request_access(request), code=province_code)
    today = local_today()
    choices = rollup_selectors.province_quarters(province=province)
    plan_years = province_dashboards.province_plan_years(province=province)
    due = rollup_selectors.province_due_quarter(province=province, today=today)
    year, quarter = province_dashboards.default_quarter(due=due, plan_years=plan_years, today=today)
    years = sorted({c.year for c in choices} | set(plan_years) | {today.year, year}, reverse=True)
    asked = None
    if any(k in request.GET for k in HeatFilterForm.base_fields):
        # A search or a filter without a quarter keeps the default quarter.
        asked = request.GET.copy()
        asked.setdefault("year", str(year))
        asked.setdefault("quarter", str(quarter))
    form = HeatFilterForm(asked, years=years, initial={"year": year, "quarter": quarter})
    keep = HeatFilter()
    if asked is not None and form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        keep = HeatFilter(search=form.cleaned_data["q"], status=form.cleaned_data["status"],
                          lagging_only=form.cleaned_data["lagging"], incomplete_only=form.cleaned_data["incomplete"])
    data = province_dashboards.province_dashboard(province=province, year=year, quarter=quarter, choices=choices, today=today)
    indicators = data.table.indicators
    keys = {"name", "completeness", "report", "lagging"} | {i.code for i in indicators}
    sort = request.GET.get("sort", "name")
    sort = sort if sort in keys else "name"
    descending = request.GET.get("dir") == "desc"
    rows = province_dashboards.heat_rows(data.rows, indicators=indicators, keep=keep, sort=sort, descending=descending)
    params: dict[str, Any] = {"year": year, "quarter": quarter}
    if keep.search:
        params["q"] = keep.search
    if keep.status:
        params["status"] = keep.status
    if keep.lagging_only:
        params["lagging"] = "on"
    if keep.incomplete_only:
        params["incomplete"] = "on"
    lines = [HeatLine(row=row, cells=[_heat_cell(cell, i) for cell, i in zip(row.cells, indicators, strict=True)],
                      completeness=Completeness(row.received, row.expected),
                      completeness_text=vn_percent(row.completeness), report_label=_report_label(row.report_state))
             for row in rows]
    table = data.table
    totals = [TotalHeatCell(indicator=indicator, ytd=figure_with_unit(total.ytd_value if total else None, indicator),
                            communes=Completeness(with_figure, with_target), empty=total is None)
              for indicator, total, with_figure, with_target in zip(
                  indicators, table.totals, table.communes_with_figure, table.communes_with_target, strict=True)]
    return render(request, "dashboards/province.html", {
        "province": province, "data": data, "form": form, "lines": lines, "totals": totals,
        "columns": _columns(indicators, params, sort, descending), "sort": sort, "descending": descending,
        "filtered": keep != HeatFilter(), "year": year, "quarter": quarter, "quarter_roman": quarter_roman(quarter),
        # A quarter chosen past the latest one due: some units may still be within their deadline.
        "not_due": due is None or (year, quarter) > due,
        "legend": status_legend(), "drill": urlencode({"year": year, "quarter": quarter}),
        "province_units": Completeness(data.received, data.expected),
        "province_lagging": sum(row.lagging for row in data.rows),
        "province_completeness": vn_percent(
            Decimal(data.received) / Decimal(data.expected) * 100 if data.expected else None),
    })


# --- A unit's home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueLine:
    line: unit_dashboards.UnitPeriod
    days: str
    action: str


def _action(line: unit_dashboards.UnitPeriod) -> str:
    report = line.report
    if report is None:
        return _("Bắt đầu điền báo cáo")
    if report.state == ReportState.RETURNED:
        return _("Sửa và gửi lại")
    return _("Tiếp tục điền báo cáo")


@role_required(*ALL_ROLES)
def unit_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = campaign_selectors.unit_get(access=request_access(request), pk=unit_pk)
    today: date = local_today()
    home = unit_dashboards.unit_home(unit=unit, today=today)
    return render(request, "dashboards/unit.html", {
        "unit": unit, "commune": unit.commune, "home": home, "today": today,
        "due": [DueLine(line, days_text(line.days_left), _action(line)) for line in home.due],
        "upcoming": [DueLine(line, days_text(line.days_left), "") for line in home.upcoming[:3]],
        "past_unsent": sum(1 for line in home.past if not line.received),
        "overdue": task_lines(home.tasks.overdue[:TASKS_SHOWN]),
        "task_upcoming": task_lines(home.tasks.upcoming[:TASKS_SHOWN]),
        "can_open": request_access(request).is_reporter and request_access(request).can_see_unit(unit),
        "upcoming_days": UPCOMING_DAYS,
    })


urlpatterns: list[URLPattern] = [
    path("communes/<slug:commune_code>/dashboard/", commune_dashboard, name="commune_dashboard"),
    path("provinces/<str:province_code>/dashboard/", province_dashboard, name="province_dashboard"),
    path("units/<int:unit_pk>/dashboard/", unit_dashboard, name="unit_dashboard"),
]
