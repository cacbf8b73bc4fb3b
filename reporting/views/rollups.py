"""Progress pages: a plan's indicators quarter by quarter, and a province's communes side by side,
each with a "Tính lại" button that enqueues the rollup tasks.

The figures are the stored rollups (reporting.rollup_selectors); these views only choose what
to show and write them as portal.formats writes figures (figure_with_unit: the indicator's
decimals, "%" or its unit of measure, a decimal comma). A status is always a word beside its
colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Plan, Province
from campaigns.selectors import organisation as campaign_selectors
from campaigns.selectors import plans as plan_selectors
from portal.access import COMMUNE_READERS, Role, post_only, request_access, role_required
from portal.formats import ROMAN_QUARTERS, quarter_roman, vn_percent
from reporting.deadlines import local_today
from reporting.documents.content.common import figure_with_unit
from reporting.models import CommuneRollup, ProvinceRollup
from reporting.selectors import rollups as rollup_selectors
from reporting.selectors.dashboards import jobs
from reporting.selectors.rollups import QuarterChoice
from reporting.services.rollup_inputs import plan_rollups_recompute, province_rollups_recompute
from targets.models import Indicator
from targets.status import LAGGING, Status, status_legend, status_of


@dataclass(frozen=True)
class Completeness:
    """Units (or communes) that reported out of those expected, as words and as a class."""

    reported: int
    expected: int

    @property
    def state(self) -> str:
        if self.expected <= 0:
            return "none-expected"
        if self.reported >= self.expected:
            return "complete"
        return "partial" if self.reported > 0 else "missing"

    @property
    def missing(self) -> int:
        return max(self.expected - self.reported, 0)


@dataclass(frozen=True)
class Cell:
    """One rollup row as the pages show it."""

    value: str
    ytd: str
    achievement: str
    status: Status
    units: Completeness


def _cell(row: CommuneRollup, indicator: Indicator) -> Cell:
    return Cell(value=figure_with_unit(row.value, indicator), ytd=figure_with_unit(row.ytd_value, indicator),
                achievement=vn_percent(row.achievement), status=status_of(row.status),
                units=Completeness(row.units_reported, row.units_expected))


@dataclass(frozen=True)
class TotalCell:
    ytd: str
    value: str
    communes: Completeness
    at_risk: int


def _total(row: ProvinceRollup, indicator: Indicator, *, with_figure: int, with_target: int,
           lagging: int) -> TotalCell:
    """The province row: its figure, and counts of the communes the table shows (those with a
    figure to date out of those with a target; those lagging as their cells say)."""
    return TotalCell(ytd=figure_with_unit(row.ytd_value, indicator), value=figure_with_unit(row.value, indicator),
                     communes=Completeness(with_figure, with_target), at_risk=lagging)


# --- A plan's progress ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterCell:
    quarter: int
    cell: Cell | None


@dataclass(frozen=True)
class Line:
    indicator: Indicator
    target: str
    quarters: list[QuarterCell]


@dataclass(frozen=True)
class YearTable:
    year: int
    lines: list[Line]


def _year_tables(progress: rollup_selectors.PlanProgress) -> list[YearTable]:
    tables = []
    for year in progress.years:
        lines = [
            Line(indicator=line.indicator, target=figure_with_unit(line.target, line.indicator),
                 quarters=[QuarterCell(quarter=q, cell=_cell(row, line.indicator) if row else None)
                           for q, row in line.cells])
            for line in year.lines
        ]
        tables.append(YearTable(year=year.year, lines=lines))
    return tables


def _plan_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    progress = rollup_selectors.plan_progress(plan=plan, today=local_today())
    return {
        "plan": plan, "commune": plan.commune, "years": _year_tables(progress),
        "computed_at": progress.computed_at, "quarters": ROMAN_QUARTERS, "legend": status_legend(),
        "can_recompute": request_access(request).is_commune_admin,
        "job_url": reverse("plan_progress_status", kwargs={"plan_pk": plan.pk}),
        "body_template": "reporting/_plan_progress_body.html", "job_steps": "quarters",
        "updated_at": progress.computed_at, "updated_none": _("Chưa có số liệu tổng hợp."),
        "rollups_pending": rollup_selectors.plan_rollups_pending(plan=plan),
    }


@role_required(*COMMUNE_READERS)
def plan_progress(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)  # 404 outside the user's scope
    context = _plan_context(request, plan)
    context["job"] = _plan_job(request, plan)
    return render(request, "reporting/rollup_plan_progress.html", context)


# --- Recompute progress: the page polls a small status (htmx), and reloads itself without JS --


def _job_key(kind: str, pk: int) -> str:
    return f"jobs:{kind}:{pk}"


def _job_since(job: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(job["since"])


def _plan_job(request: HttpRequest, plan: Plan) -> jobs.JobProgress | None:
    """The recompute this user asked for on this plan, if any; forgotten once it is over
    (shown once more as finished or timed out)."""
    job = request.session.get(_job_key("plan-rollup", plan.pk))
    if not isinstance(job, dict):
        return None
    try:
        found = jobs.plan_rollup_progress(plan=plan, year=int(job["year"]), quarters=[int(q) for q in job["quarters"]],
                                          since=_job_since(job), now=timezone.now())
    except (KeyError, TypeError, ValueError):
        found = None
    if found is None or not found.running:
        request.session.pop(_job_key("plan-rollup", plan.pk), None)
    return found


def _job_response(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = render(request, "reporting/_rollup_job.html", {**context, "oob": True})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*COMMUNE_READERS)
@require_GET
def plan_progress_status(request: HttpRequest, plan_pk: int) -> HttpResponse:
    """The plan page's recompute status (polled every 2 s); once done, the fresh tables too."""
    plan = plan_selectors.plan_get(pk=plan_pk)
    context = _plan_context(request, plan)
    context["job"] = _plan_job(request, plan)
    return _job_response(request, context)


def _quarter_list(quarters: list[int]) -> str:
    return ", ".join(quarter_roman(q) for q in quarters)


@post_only
@role_required(Role.COMMUNE_ADMIN)
@require_POST
def plan_progress_recompute(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    today = local_today()
    year = rollup_selectors.plan_current_year(plan=plan, today=today)
    quarters = rollup_selectors.plan_due_quarters(plan=plan, year=year, today=today)
    if not quarters:
        messages.warning(request, _("Năm %(year)s chưa có kỳ báo cáo quý nào mở nhập liệu, chưa có gì để tính.")
                         % {"year": year})
    else:
        request.session[_job_key("plan-rollup", plan.pk)] = {
            "since": timezone.now().isoformat(), "year": year, "quarters": quarters}
        plan_rollups_recompute(plan=plan, year=year, quarters=quarters)
        messages.success(request, _("Đã yêu cầu tính lại số liệu năm %(year)s (quý %(quarters)s). "
                                    "Số liệu trên trang sẽ cập nhật sau ít phút.")
                         % {"year": year, "quarters": _quarter_list(quarters)})
    return redirect("plan_progress", plan_pk=plan.pk)


# The isolation matrix requests this route with POST (GET answers 405).


# --- A province's table ---------------------------------------------------------------------


class QuarterForm(forms.Form):
    """Which quarter the province table shows (GET) or recomputes (POST)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Năm"), coerce=int)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quý"), coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (q, _("Quý %(q)s") % {"q": roman}) for q, roman in ROMAN_QUARTERS.items()]
        for name in ("year", "quarter"):
            self.fields[name].error_messages["invalid_choice"] = _("Chọn một giá trị trong danh sách.")
            self.fields[name].error_messages["required"] = _("Chọn năm và quý.")


@dataclass
class ProvincePeriod:
    year: int
    quarter: int
    form: QuarterForm
    choices: list[QuarterChoice]


def _province_period(province: Province, data: Any) -> ProvincePeriod:
    """The quarter asked for, or the latest past its unit deadline when none (or a wrong one)
    is asked."""
    today = local_today()
    choices = rollup_selectors.province_quarters(province=province)
    year, quarter = rollup_selectors.province_default_quarter(
        due=rollup_selectors.province_due_quarter(province=province, today=today), today=today)
    years = sorted({c.year for c in choices} | {today.year, year}, reverse=True)
    asked = data if data and ("year" in data or "quarter" in data) else None
    form = QuarterForm(asked, years=years, initial={"year": year, "quarter": quarter})
    if asked is not None and form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    return ProvincePeriod(year=year, quarter=quarter, form=form, choices=choices)


@dataclass(frozen=True)
class CommuneRow:
    line: rollup_selectors.CommuneLine
    cells: list[tuple[Indicator, Cell | None]]

    @property
    def lagging(self) -> bool:
        return any(cell is not None and cell.status.code in LAGGING for _indicator, cell in self.cells)


def _province_context(request: HttpRequest, province: Province) -> dict[str, Any]:
    period = _province_period(province, request.GET)
    table = rollup_selectors.province_table(province=province, year=period.year, quarter=period.quarter,
                                            today=local_today())
    rows = [CommuneRow(line=line, cells=[(indicator, _cell(row, indicator) if row else None)
                                         for row, indicator in zip(line.cells, table.indicators, strict=True)])
            for line in table.communes]
    counts = zip(table.communes_with_figure, table.communes_with_target, table.communes_lagging, strict=True)
    totals = [(indicator, _total(row, indicator, with_figure=figure, with_target=target, lagging=lagging)
               if row else None)
              for row, indicator, (figure, target, lagging) in zip(table.totals, table.indicators, counts, strict=True)]
    return {
        "province": province, "table": table, "rows": rows, "totals": totals, "form": period.form,
        "year": period.year, "quarter": period.quarter, "quarter_roman": quarter_roman(period.quarter),
        "legend": status_legend(), "can_recompute": request_access(request).is_reviewer,
        "lagging_communes": sum(row.lagging for row in rows),
        "job_url": f"{reverse('province_progress_status', kwargs={'province_code': province.code})}?"
                   f"{urlencode({'year': period.year, 'quarter': period.quarter})}",
        "body_template": "reporting/_province_progress_body.html", "job_steps": "communes",
        "updated_at": table.computed_at, "updated_none": _("Chưa có số liệu tổng hợp cho quý này."),
        "rollups_pending": rollup_selectors.rollups_pending(
            commune_ids=[line.commune.pk for line in table.communes], year=period.year, quarter=period.quarter),
        "job": _province_job(request, province, period.year, period.quarter),
    }


def _province_job(request: HttpRequest, province: Province, year: int, quarter: int) -> jobs.JobProgress | None:
    """The recompute this user asked for on this quarter of the province, if any."""
    key = _job_key("province-rollup", province.pk)
    job = request.session.get(key)
    if not isinstance(job, dict) or (job.get("year"), job.get("quarter")) != (year, quarter):
        return None
    try:
        found = jobs.province_rollup_progress(province=province, year=year, quarter=quarter,
                                              since=_job_since(job), now=timezone.now())
    except (KeyError, TypeError, ValueError):
        found = None
    if found is None or not found.running:
        request.session.pop(key, None)
    return found


@role_required(Role.PROVINCE_REVIEWER)
def province_progress(request: HttpRequest, province_code: str) -> HttpResponse:
    province = campaign_selectors.province_get(access=request_access(request), code=province_code)
    return render(request, "reporting/rollup_province_progress.html", _province_context(request, province))


@role_required(Role.PROVINCE_REVIEWER)
@require_GET
def province_progress_status(request: HttpRequest, province_code: str) -> HttpResponse:
    """The province page's recompute status (polled every 2 s); once done, the fresh table too."""
    province = campaign_selectors.province_get(access=request_access(request), code=province_code)
    return _job_response(request, _province_context(request, province))


def _province_url(province: Province, year: int, quarter: int) -> str:
    url = reverse("province_progress", kwargs={"province_code": province.code})
    return f"{url}?{urlencode({'year': year, 'quarter': quarter})}"


@post_only
@role_required(Role.PROVINCE_REVIEWER)
@require_POST
def province_progress_recompute(request: HttpRequest, province_code: str) -> HttpResponse:
    province = campaign_selectors.province_get(access=request_access(request), code=province_code)
    period = _province_period(province, request.POST)
    if not period.form.is_bound or not period.form.is_valid():
        messages.error(request, _("Không tính lại được: chọn năm và quý trong danh sách rồi bấm “Tính lại”."))
        return HttpResponseRedirect(reverse("province_progress", kwargs={"province_code": province.code}))
    province_id, year, quarter = province.pk, period.year, period.quarter
    request.session[_job_key("province-rollup", province.pk)] = {
        "since": timezone.now().isoformat(), "year": year, "quarter": quarter}
    province_rollups_recompute(province_id=province_id, year=year, quarter=quarter)
    messages.success(request, _("Đã yêu cầu tính lại số liệu quý %(q)s/%(year)s của các xã, phường trong tỉnh. "
                                "Bảng sẽ cập nhật sau ít phút.") % {"q": quarter_roman(quarter), "year": year})
    return HttpResponseRedirect(_province_url(province, year, quarter))


urlpatterns: list[URLPattern] = [
    path("plans/<int:plan_pk>/progress/", plan_progress, name="plan_progress"),
    path("plans/<int:plan_pk>/progress/recompute/", plan_progress_recompute, name="plan_progress_recompute"),
    path("plans/<int:plan_pk>/progress/status/", plan_progress_status, name="plan_progress_status"),
    path("provinces/<str:province_code>/progress/", province_progress, name="province_progress"),
    path("provinces/<str:province_code>/progress/recompute/", province_progress_recompute,
         name="province_progress_recompute"),
    path("provinces/<str:province_code>/progress/status/", province_progress_status,
         name="province_progress_status"),
]
