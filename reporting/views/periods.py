"""Reporting periods' pages (reporting, views layer): a period's completeness with its lock
exceptions, a plan's reporting calendar and its ad-hoc requests.

Thin views: fetch through the tenant scope (404 for anything outside it), parse the input
with a form, call a selector or a service, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from campaigns.models import Plan, Unit
from campaigns.selectors import organisation as campaign_selectors
from campaigns.selectors import plans as plan_selectors
from portal.access import COMMUNE_READERS, Role, not_post, post_only, request_access, role_required
from portal.formats import vn_date
from portal.text import vi_sorted
from reporting.deadlines import entry_state, local_today
from reporting.forms import AdhocPeriodForm, LockExceptionForm
from reporting.models import ReportingPeriod
from reporting.selectors import reports as selectors
from reporting.services import periods
from reporting.services import unit_reports as services

# --- Period page and lock exceptions ------------------------------------------------------


@role_required(*COMMUNE_READERS)
def period_detail(request: HttpRequest, period_pk: int) -> HttpResponse:
    return _period_page(request, selectors.period_get(pk=period_pk))


def _period_page(request: HttpRequest, period: ReportingPeriod, *, lock_form: LockExceptionForm | None = None,
                 status: int = 200) -> HttpResponse:
    today = local_today()
    completeness = selectors.period_completeness(period=period, today=today)
    rows = vi_sorted(completeness.rows, key=lambda row: row.unit.name)
    if request_access(request).is_commune_admin and lock_form is None and rows:
        lock_form = LockExceptionForm(units=_period_units(rows))
    if lock_form is not None:
        lock_form.describe()
    return render(request, "reporting/period_detail.html", {
        "period": period, "plan": period.plan, "commune": period.plan.commune,
        "entry": entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today,
                             exception_until=None),
        "completeness": completeness, "rows": rows, "late_count": sum(r.late for r in rows),
        "lock_form": lock_form,
        "exceptions": selectors.period_lock_exceptions(period=period),
    }, status=status)


def _period_units(rows: list[selectors.UnitCompleteness]) -> Any:
    return Unit.objects.filter(pk__in=[row.unit.pk for row in rows]).order_by("name")


@post_only
@role_required(Role.COMMUNE_ADMIN)
def lock_exception_grant(request: HttpRequest, period_pk: int) -> HttpResponse:
    period = selectors.period_get(pk=period_pk)
    if (refused := not_post(request)) is not None:
        return refused
    units = campaign_selectors.active_unit_list(commune=period.plan.commune)
    form = LockExceptionForm(request.POST, units=units)
    if form.is_valid():
        try:
            exception = services.lock_exception_grant(
                period=period, unit=form.cleaned_data["unit"], actor=request.user,
                until=form.cleaned_data["until"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("Đã gia hạn nhập liệu cho %(unit)s đến hết ngày %(d)s.")
                             % {"unit": exception.unit.name, "d": vn_date(exception.until)})
            return redirect("period_detail", period_pk=period.pk)
    form.fields["unit"].queryset = units  # type: ignore[attr-defined]
    return _period_page(request, period, lock_form=form)


# --- A plan's reporting calendar and ad-hoc requests ---------------------------------------


@dataclass
class PeriodLine:
    period: ReportingPeriod
    completeness: selectors.Completeness
    entry: str


@role_required(*COMMUNE_READERS)
def plan_reporting(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    form = AdhocPeriodForm() if request_access(request).is_commune_admin else None
    return _plan_page(request, plan, adhoc_form=form)


def _plan_page(request: HttpRequest, plan: Plan, *, adhoc_form: AdhocPeriodForm | None,
               status: int = 200) -> HttpResponse:
    today = local_today()
    # One completeness per period: a plan has four periods a year plus its ad-hoc requests.
    lines = [
        PeriodLine(period=period, completeness=selectors.period_completeness(period=period, today=today),
                   entry=entry_state(opens_on=period.opens_on, locks_on=period.locks_on, today=today,
                                     exception_until=None))
        for period in selectors.plan_periods(plan=plan)
    ]
    if adhoc_form is not None:
        adhoc_form.describe()
    return render(request, "reporting/plan_reporting.html", {
        "plan": plan, "commune": plan.commune, "lines": lines, "adhoc_form": adhoc_form,
    }, status=status)


@role_required(Role.COMMUNE_ADMIN)
def adhoc_period_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    if request.method != "POST":
        form = AdhocPeriodForm()
        form.describe()
        return render(request, "reporting/adhoc_form.html", {"plan": plan, "commune": plan.commune, "form": form})
    form = AdhocPeriodForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = periods.adhoc_period_create(
                plan=plan, actor=request.user, title=data["title"], year=data["year"],
                opens_on=data["opens_on"], deadline=data["deadline"], locks_on=data.get("locks_on"))
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("Đã tạo yêu cầu báo cáo đột xuất “%(t)s”.") % {"t": period.title})
            return redirect("period_detail", period_pk=period.pk)
    form.describe()
    return render(request, "reporting/adhoc_form.html", {"plan": plan, "commune": plan.commune, "form": form})


urlpatterns: list[URLPattern] = [
    path("periods/<int:period_pk>/", period_detail, name="period_detail"),
    path("periods/<int:period_pk>/lock-exceptions/", lock_exception_grant, name="lock_exception_grant"),
    path("plans/<int:plan_pk>/reporting/", plan_reporting, name="plan_reporting"),
    path("plans/<int:plan_pk>/reporting/adhoc/", adhoc_period_create, name="adhoc_period_create"),
]
