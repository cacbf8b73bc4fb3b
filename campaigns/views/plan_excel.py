"""Pages for the Excel round trip of a plan: download the workbook, upload one (docs/plan-workbook.md).

Thin views: the writing lives in campaigns/workbook/write.py, the reading, checking and
importing in campaigns/workbook/read.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Commune, Plan
from campaigns.plan_data import PlanImportError, Problem
from campaigns.selectors import organisation as selectors
from campaigns.selectors.plans import plan_get
from campaigns.workbook.read import plan_workbook_import
from campaigns.workbook.write import plan_workbook_export, plan_workbook_filename
from portal.access import Role, role_required
from portal.xlsx import XLSX_CONTENT_TYPE

TEMPLATE = "campaigns/plan_import.html"


class PlanWorkbookForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx)"))
    create_units = forms.BooleanField(label=gettext_lazy("Tạo đơn vị mới nếu chưa có"), required=False)


@role_required(Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER)
@require_GET
def plan_export_xlsx(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_get(pk=plan_pk)
    response = HttpResponse(plan_workbook_export(plan=plan), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=plan_workbook_filename(plan=plan))
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.COMMUNE_ADMIN)
@require_http_methods(["GET", "POST"])
def plan_import_xlsx(request: HttpRequest, commune_code: str) -> HttpResponse:
    commune = selectors.commune_get(code=commune_code)
    if commune.pk != request.access.commune.pk:  # type: ignore[attr-defined]
        raise Http404
    return _upload(request, commune=commune, plan=None)


@role_required(Role.COMMUNE_ADMIN)
@require_http_methods(["GET", "POST"])
def plan_reimport_xlsx(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_get(pk=plan_pk)
    if plan.commune_id != request.access.commune.pk:  # type: ignore[attr-defined]
        raise Http404
    return _upload(request, commune=plan.commune, plan=plan)


def _upload(request: HttpRequest, *, commune: Commune, plan: Plan | None) -> HttpResponse:
    """The form, and on POST the import: a redirect on success, the problems at 400 otherwise."""
    problems: list[Problem] = []
    if request.method == "POST":
        form = PlanWorkbookForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                imported = plan_workbook_import(
                    file=form.cleaned_data["file"], commune=commune, actor=request.user,
                    create_units=form.cleaned_data["create_units"], into=plan)
            except PlanImportError as exc:
                problems = exc.problems
            else:
                messages.success(request, _("Đã nhập kế hoạch từ tệp Excel.") if plan is None
                                 else _("Đã thay nội dung dự thảo bằng tệp Excel."))
                return redirect(_plan_url(imported))
    else:
        form = PlanWorkbookForm()
    context = {"commune": commune, "plan": plan, "form": form, "problems": problems,
               "refused": plan is not None and plan.is_issued}
    return render(request, TEMPLATE, context, status=400 if request.method == "POST" else 200)


def _plan_url(plan: Plan) -> str:
    # The plan page belongs to campaigns.views.plans; until it exists, land on the commune page.
    try:
        return reverse("plan_detail", kwargs={"plan_pk": plan.pk})
    except NoReverseMatch:
        return reverse("commune_detail", kwargs={"commune_code": plan.commune.code})


urlpatterns = [
    path("plans/<int:plan_pk>/export.xlsx", plan_export_xlsx, name="plan_export_xlsx"),
    path("plans/<int:plan_pk>/import/", plan_reimport_xlsx, name="plan_reimport_xlsx"),
    path("communes/<slug:commune_code>/plans/import/", plan_import_xlsx, name="plan_import_xlsx"),
]
