"""Organisation pages (campaigns, views layer): the landing redirect by role, a commune with its
units and members, a unit (and its signer details), a province, and the health check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from campaigns.forms import UnitDetailsForm, apply_service_errors
from campaigns.models import Unit
from campaigns.selectors import organisation as selectors
from campaigns.services import organisation as services
from campaigns.services.organisation import UNIT_DETAIL_FIELDS
from portal.access import ALL_ROLES, Role, not_post, post_only, request_access, role_required

UNPROCESSABLE = 422


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's landing page: the dashboard of their commune, province
    or unit (reporting.views.dashboards)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next=/")
    access = request.access  # type: ignore[attr-defined]
    if access.role in (Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER):
        return redirect("commune_dashboard", commune_code=access.commune.code)
    if access.role == Role.UNIT_REPORTER:
        return redirect("unit_dashboard", unit_pk=access.unit.pk)
    if access.role == Role.PROVINCE_REVIEWER:
        return redirect("province_dashboard", province_code=access.province.code)
    if request.user.is_superuser:
        return redirect("admin:index")
    return render(request, "campaigns/no_membership.html", status=403)


@role_required(Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER)
def commune_detail(request: HttpRequest, commune_code: str) -> HttpResponse:
    commune = selectors.commune_get(code=commune_code)
    context = {
        "commune": commune,
        "units": selectors.unit_list(commune=commune),
        "members": selectors.commune_member_list(commune=commune),
    }
    return render(request, "campaigns/commune_detail.html", context)


@role_required(*ALL_ROLES)
def unit_detail(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = selectors.unit_get(access=request.access, pk=unit_pk)  # type: ignore[attr-defined]
    return _unit_page(request, unit)


def _unit_page(request: HttpRequest, unit: Unit, form: UnitDetailsForm | None = None,
               status: int = 200) -> HttpResponse:
    if form is None and request_access(request).is_commune_admin:
        form = UnitDetailsForm(initial={name: getattr(unit, name) for name in UNIT_DETAIL_FIELDS})
    return render(request, "campaigns/unit_detail.html", {"unit": unit, "commune": unit.commune, "form": form},
                  status=status)


@post_only
@role_required(Role.COMMUNE_ADMIN)
def unit_details_edit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The commune admin records the unit's abbreviation and head (who signs its reports)."""
    unit = selectors.unit_get(access=request_access(request), pk=unit_pk)
    if (refused := not_post(request)) is not None:
        return refused
    form = UnitDetailsForm(request.POST)
    if form.is_valid():
        try:
            services.unit_details_set(unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu thông tin người ký báo cáo của đơn vị."))
            return redirect("unit_detail", unit_pk=unit.pk)
    return _unit_page(request, unit, form, status=UNPROCESSABLE)


@role_required(Role.PROVINCE_REVIEWER)
def province_detail(request: HttpRequest, province_code: str) -> HttpResponse:
    province = selectors.province_get(access=request.access, code=province_code)  # type: ignore[attr-defined]
    communes = selectors.province_commune_list(province=province)
    return render(request, "campaigns/province_detail.html", {"province": province, "communes": communes})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", home, name="home"),
    path("communes/<slug:commune_code>/", commune_detail, name="commune_detail"),
    path("units/<int:unit_pk>/", unit_detail, name="unit_detail"),
    path("units/<int:unit_pk>/details/", unit_details_edit, name="unit_details_edit"),
    path("provinces/<str:province_code>/", province_detail, name="province_detail"),
]
