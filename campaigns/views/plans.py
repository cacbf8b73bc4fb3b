"""Plan pages: the list, the document, the header form, issuing, the targets grid and tasks.

Thin views: fetch through the tenant scope (404 for anything outside it), parse the input
with a form, call a selector or a service, render. Writes answer 409 on a lost update.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.forms import (
    DeliverableFormSet,
    PlanChangeForm,
    PlanHeaderEditForm,
    PlanHeaderForm,
    TargetFormSet,
    TaskFilterForm,
    TaskForm,
    apply_service_errors,
    deliverable_initial,
    target_initial,
    task_initial,
)
from campaigns.models import IssuerKind, Plan
from campaigns.selectors import organisation as selectors
from campaigns.selectors import plans as plan_selectors
from campaigns.selectors.plan_text import (
    paragraphs,
    plan_blocks,
    plan_issue_missing,
    recipient_lines,
    target_text_problems,
)
from campaigns.services import plans as services
from campaigns.services import tasks as task_services
from campaigns.services.targets import TargetRow, plan_targets_save
from campaigns.timeframes import parse_timeframe
from portal.access import COMMUNE_READERS, Role, not_post, post_only, role_required
from portal.errors import ConflictError

ADMIN = (Role.COMMUNE_ADMIN,)
PLAN_READERS = (*COMMUNE_READERS, Role.UNIT_REPORTER)
CONFLICT = 409




def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _conflict_message() -> str:
    return str(ConflictError())


# --- Plan list and creation ---------------------------------------------------------------


@role_required(*COMMUNE_READERS)
def plan_list(request: HttpRequest, commune_code: str) -> HttpResponse:
    commune = selectors.commune_get(code=commune_code)
    return render(request, "campaigns/plan_list.html", {
        "commune": commune, "plans": plan_selectors.plan_list(commune=commune)})


@role_required(*ADMIN)
def plan_create(request: HttpRequest, commune_code: str) -> HttpResponse:
    commune = selectors.commune_get(code=commune_code)
    instance = Plan(commune=commune)
    if request.method == "POST":
        form = PlanHeaderForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                plan = services.plan_create(commune=commune, actor=request.user,
                                            fields=form.header_fields())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Đã tạo kế hoạch. Tiếp theo: nhập chỉ tiêu và nhiệm vụ."))
                return redirect("plan_detail", plan_pk=plan.pk)
    else:
        year = _current_year()
        form = PlanHeaderForm(instance=instance, initial={
            "issuing_body": f"ỦY BAN NHÂN DÂN {commune.official_name.upper()}",
            "place": commune.name, "issuer_kind": IssuerKind.UBND, "symbol": "KH-UBND",
            "start_year": year, "end_year": year, "issue_year": year,
            "signer_authority": "TM. ỦY BAN NHÂN DÂN",
        })
    return render(request, "campaigns/plan_form.html", {
        "commune": commune, "form": form, "plan": None})


def _current_year() -> int:
    return timezone.localdate().year


# --- The plan document --------------------------------------------------------------------


@role_required(*PLAN_READERS)
def plan_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    document = plan_selectors.plan_document(plan=plan)
    problems = target_text_problems(document)
    return render(request, "campaigns/plan_detail.html", {
        "plan": plan, "commune": plan.commune, "doc": document, "blocks": plan_blocks(document),
        "recipient_lines": recipient_lines(document.recipients),
        "issue_missing": plan_issue_missing(document, problems=problems),
        "source_gaps": paragraphs(plan.source_gaps), "text_problems": problems,
        "unreported": plan_selectors.unreported_target_ids(targets=document.targets, tasks=document.tasks)})


@role_required(*ADMIN)
def plan_edit(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    # The form works on a copy, so the page around it keeps showing what is saved.
    draft = copy.copy(plan)
    status = 200
    current: list[tuple[str, str, str]] = []
    if request.method == "POST":
        form = PlanHeaderEditForm(request.POST, instance=draft, issued=plan.is_issued)
        if form.is_valid():
            try:
                services.plan_update(plan=plan, actor=request.user,
                                     version=form.cleaned_data["version"],
                                     fields=form.header_fields(),
                                     reason=form.cleaned_data.get("reason", ""))
            except ConflictError as exc:
                form.add_error(None, str(exc))
                status = CONFLICT
                current = _header_differences(plan, form)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu thông tin chung của kế hoạch."))
                return redirect("plan_detail", plan_pk=plan.pk)
    else:
        form = PlanHeaderEditForm(instance=draft, issued=plan.is_issued,
                                  initial={"version": plan.version})
    return render(request, "campaigns/plan_form.html", {
        "commune": plan.commune, "plan": plan, "form": form, "current": current}, status=status)


def _header_differences(plan: Plan, form: PlanHeaderForm) -> list[tuple[str, str, str]]:
    """(label, what is saved now, what the user typed) where the two differ after a conflict."""
    saved = Plan.objects.get(pk=plan.pk)
    rows = []
    for name, typed in form.header_fields().items():
        now = getattr(saved, name)
        if (now or "") != (typed or ""):
            rows.append((str(form.fields[name].label), "" if now is None else str(now),
                         "" if typed is None else str(typed)))
    return rows


@post_only
@role_required(*ADMIN)
def plan_issue(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    if (refused := not_post(request)) is not None:
        return refused
    version = _posted_version(request)
    if version is None:
        messages.error(request, _conflict_message())
        return redirect("plan_detail", plan_pk=plan.pk)
    try:
        services.plan_issue(plan=plan, actor=request.user, version=version)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Đã ban hành kế hoạch. Từ nay mọi thay đổi phải ghi lý do sửa đổi."))
    return redirect("plan_detail", plan_pk=plan.pk)


# --- Targets grid -------------------------------------------------------------------------


@role_required(*ADMIN)
def plan_targets(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    targets = plan_selectors.plan_targets(plan=plan)
    choices = {
        "indicator_choices": plan_selectors.indicator_choices(
            commune=plan.commune, include=[t.indicator_id for t in targets]),
        "year_choices": plan.years,
        "unit_choices": plan_selectors.unit_choices(
            commune=plan.commune, include=[u.pk for t in targets for u in t.reporting_units.all()]),
    }
    initial = target_initial(targets)
    status = 200
    if request.method == "POST":
        formset = TargetFormSet(request.POST, initial=initial, choices=choices, prefix="t")
        change = PlanChangeForm(request.POST, issued=plan.is_issued)
        if formset.is_valid() and change.is_valid():
            rows, row_forms = _target_rows(formset)
            try:
                plan_targets_save(plan=plan, actor=request.user,
                                           version=change.cleaned_data["version"], rows=rows,
                                           reason=change.cleaned_data.get("reason", ""))
            except ConflictError as exc:
                change.add_error(None, str(exc))
                status = CONFLICT
            except ValidationError as exc:
                apply_service_errors(change, exc, rows=row_forms)
            else:
                messages.success(request, _("Đã lưu chỉ tiêu của kế hoạch."))
                return redirect("plan_detail", plan_pk=plan.pk)
    else:
        formset = TargetFormSet(initial=initial, choices=choices, prefix="t")
        change = PlanChangeForm(issued=plan.is_issued, initial={"version": plan.version})
    has_errors = bool(change.errors) or any(f.errors for f in formset.forms) or bool(
        formset.non_form_errors())
    return render(request, "campaigns/target_grid.html", {
        "plan": plan, "commune": plan.commune, "formset": formset, "change": change,
        "has_errors": has_errors and request.method == "POST"}, status=status)


def _target_rows(formset: Any) -> tuple[list[TargetRow], dict[str, Any]]:
    """The grid as the service takes it, and which form each "row-N" of its errors means."""
    rows: list[TargetRow] = []
    row_forms: dict[str, Any] = {}
    for form in formset.forms:
        data = getattr(form, "cleaned_data", {})
        target_id = form.initial.get("target_id")
        if not data or (not target_id and (data.get("delete") or not form.has_changed())):
            continue  # an untouched or discarded empty row
        row_forms[f"row-{len(rows)}"] = form
        if data.get("delete"):
            rows.append(TargetRow(indicator_id=form.initial["indicator"], year=form.initial["year"],
                                  value=None, target_id=target_id, delete=True))
            continue
        rows.append(TargetRow(
            indicator_id=data["indicator"], year=data["year"], value=data["value"],
            baseline=data.get("baseline"), is_stretch=bool(data.get("is_stretch")),
            statement=data.get("statement", ""), reporting_unit_ids=list(data["reporting_units"]),
            target_id=target_id,
        ))
    return rows, row_forms


# --- Tasks --------------------------------------------------------------------------------


@role_required(*PLAN_READERS)
def plan_tasks(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(pk=plan_pk)
    filters = TaskFilterForm(
        request.GET or None,
        unit_choices=plan_selectors.unit_choices(commune=plan.commune),
        group_choices=plan_selectors.task_group_choices(plan=plan),
    )
    listing = plan_selectors.plan_task_listing(plan=plan, **filters.filters())
    return render(request, "campaigns/task_list.html", {
        "plan": plan, "commune": plan.commune, "filters": filters, "listing": listing})


def _task_form_page(request: HttpRequest, plan: Plan, task: Any = None) -> HttpResponse:
    used_units: list[int] = []
    used_indicators: list[int] = []
    if task is not None:
        used_units = [pk for pk in (task.lead_unit_id, *(c.unit_id for c in task.coordinators.all()))
                      if pk is not None]
        used_indicators = [d.indicator_id for d in task.deliverables.all() if d.indicator_id]
    unit_choices = plan_selectors.unit_choices(commune=plan.commune, include=used_units)
    indicator_choices = plan_selectors.indicator_choices(commune=plan.commune, include=used_indicators)
    group_choices = plan_selectors.task_group_choices(plan=plan, max_level=3) if task is None else None
    form_kwargs: dict[str, Any] = {"unit_choices": unit_choices, "group_choices": group_choices,
                   "issued": plan.is_issued}
    status = 200
    if request.method == "POST":
        form = TaskForm(request.POST, **form_kwargs)
        deliverables = DeliverableFormSet(request.POST, prefix="d",
                                          indicator_choices=indicator_choices)
        if form.is_valid() and deliverables.is_valid():
            items, row_forms = deliverables.deliverables()
            try:
                saved = task_services.task_save(
                    plan=plan, actor=request.user, version=form.cleaned_data["version"], task=task,
                    data=form.task_input(items), reason=form.cleaned_data.get("reason", ""))
            except ConflictError as exc:
                form.add_error(None, str(exc))
                status = CONFLICT
            except ValidationError as exc:
                apply_service_errors(form, exc, rows=row_forms)
            else:
                messages.success(request, _("Đã lưu nhiệm vụ “%(title)s”.") % {"title": saved.title[:80]})
                return redirect(f"{reverse('plan_tasks', kwargs={'plan_pk': plan.pk})}#task-{saved.pk}")
    else:
        initial: dict[str, Any] = {"version": plan.version}
        if task is not None:
            initial |= task_initial(task)
        else:
            initial["number"] = "-"
        form = TaskForm(initial=initial, **form_kwargs)
        deliverables = DeliverableFormSet(
            prefix="d", indicator_choices=indicator_choices,
            initial=deliverable_initial(task) if task is not None else None)
    timeframe = parse_timeframe(task.timeframe_text) if task is not None else None
    delete_form = PlanChangeForm(issued=plan.is_issued, initial={"version": plan.version},
                                 prefix="del") if task is not None else None
    return render(request, "campaigns/task_form.html", {
        "plan": plan, "commune": plan.commune, "task": task, "form": form,
        "deliverables": deliverables, "timeframe": timeframe, "delete_form": delete_form,
    }, status=status)


@role_required(*ADMIN)
def task_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    return _task_form_page(request, plan_selectors.plan_get(pk=plan_pk))


@role_required(*ADMIN)
def task_edit(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = plan_selectors.task_get(pk=task_pk)
    return _task_form_page(request, task.plan, task)


@post_only
@role_required(*ADMIN)
def task_delete(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = plan_selectors.task_get(pk=task_pk)
    if (refused := not_post(request)) is not None:
        return refused
    plan = task.plan
    form = PlanChangeForm(request.POST, issued=plan.is_issued, prefix="del")
    if not form.is_valid():
        messages.error(request, _conflict_message())
        return redirect("task_edit", task_pk=task.pk)
    try:
        task_services.task_delete(task=task, actor=request.user, version=form.cleaned_data["version"],
                                  reason=form.cleaned_data.get("reason", ""))
    except ConflictError as exc:
        messages.error(request, str(exc))
        return redirect("task_edit", task_pk=task.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("task_edit", task_pk=task.pk)
    messages.success(request, _("Đã xóa nhiệm vụ."))
    return redirect("plan_tasks", plan_pk=plan.pk)


urlpatterns = [
    path("communes/<slug:commune_code>/plans/", plan_list, name="plan_list"),
    path("communes/<slug:commune_code>/plans/new/", plan_create, name="plan_create"),
    path("plans/<int:plan_pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:plan_pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:plan_pk>/issue/", plan_issue, name="plan_issue"),
    path("plans/<int:plan_pk>/targets/", plan_targets, name="plan_targets"),
    path("plans/<int:plan_pk>/tasks/", plan_tasks, name="plan_tasks"),
    path("plans/<int:plan_pk>/tasks/new/", task_create, name="task_create"),
    path("tasks/<int:task_pk>/edit/", task_edit, name="task_edit"),
    path("tasks/<int:task_pk>/delete/", task_delete, name="task_delete"),
]
