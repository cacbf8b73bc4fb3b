"""Reads for the plan pages: the plan as a document, its tasks, a unit's assignments.

Every query runs inside the caller's tenant scope, and every page reads a fixed number of
queries however many tasks, targets or units the plan has (prefetch, then work in Python).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Commune,
    IssuerKind,
    Plan,
    PlanAmendment,
    PlanSection,
    SectionKind,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    TasksLayout,
    TimeframeKind,
    Unit,
)
from portal.formats import vn_date_parts
from portal.text import vi_sorted
from targets.models import Indicator, Target

# --- Single objects -----------------------------------------------------------------------


def plan_get(*, pk: int) -> Plan:
    """A plan of the scope; anything else (another commune's, missing) is 404."""
    return get_object_or_404(Plan.objects.select_related("commune", "commune__province"), pk=pk)


def task_get(*, pk: int) -> Task:
    return get_object_or_404(
        Task.objects.select_related("plan", "plan__commune", "plan__commune__province", "lead_unit")
        .prefetch_related(_coordinators(), _deliverables()),
        pk=pk,
    )


def plan_list(*, commune: Commune) -> list[Plan]:
    return list(
        Plan.objects.filter(commune=commune)
        .annotate(task_count=Count("tasks", distinct=True, filter=Q(tasks__lead_unit__isnull=False)
                                     | ~Q(tasks__lead_text="")),
                  target_count=Count("targets", distinct=True))
        .order_by("-start_year", "-id")
    )


# --- Choices for the forms ----------------------------------------------------------------


def unit_choices(*, commune: Commune, include: Iterable[int] = ()) -> list[tuple[int, str]]:
    """Active units of the commune, plus any inactive one ``include`` names (kept on a row)."""
    units = Unit.objects.filter(Q(is_active=True) | Q(pk__in=list(include)), commune=commune)
    return [(u.pk, u.name) for u in vi_sorted(units, key=lambda u: u.name)]


def indicator_choices(*, commune: Commune, include: Iterable[int] = ()) -> list[tuple[int, str]]:
    """National indicators and the commune's own, as the targets grid offers them; an inactive
    one stays offered where a saved row still uses it (``include``)."""
    indicators = Indicator.objects.filter(
        Q(commune__isnull=True) | Q(commune=commune)
    ).filter(Q(is_active=True) | Q(pk__in=list(include))).order_by("commune_id", "order", "code")
    return [(i.pk, f"{i.short_name} ({i.unit_of_measure}) — {i.code}") for i in indicators]


def task_group_choices(*, plan: Plan, max_level: int = 1) -> list[tuple[int, str]]:
    """Groups of the task table ("I. TRUYỀN THÔNG…"), down to ``max_level``, in plan order."""
    groups = Task.objects.filter(plan=plan, level__lte=max_level).order_by("order")
    return [(t.pk, _group_label(t)) for t in groups]


def _group_label(task: Task) -> str:
    indent = "\u2003" * (task.level - 1)
    title = task.title if len(task.title) <= 90 else task.title[:88] + "…"
    return f"{indent}{task.number}. {title}" if task.number not in ("-", "+", "") else f"{indent}{task.number} {title}"


# --- The plan as a document ---------------------------------------------------------------


def _coordinators() -> Prefetch[Any]:
    return Prefetch("coordinators", queryset=TaskCoordinator.objects.select_related("unit"))


def _deliverables() -> Prefetch[Any]:
    return Prefetch("deliverables", queryset=TaskDeliverable.objects.select_related("indicator"))


def plan_tasks(*, plan: Plan) -> list[Task]:
    """Every row of the task table, in order, with what the table shows: three queries."""
    return list(
        Task.objects.filter(plan=plan).select_related("lead_unit")
        .prefetch_related(_coordinators(), _deliverables()).order_by("order")
    )


def plan_targets(*, plan: Plan) -> list[Target]:
    """The targets in plan order; ``reporting_unit_list`` holds their units in Vietnamese order."""
    targets = list(
        Target.objects.filter(plan=plan).select_related("indicator")
        .prefetch_related("reporting_units").order_by("order", "year", "id")
    )
    for target in targets:
        target.reporting_unit_list = vi_sorted(  # type: ignore[attr-defined]
            target.reporting_units.all(), key=lambda u: u.name)
    return targets


@dataclass
class SectionView:
    section: PlanSection
    targets: list[Target] = field(default_factory=list)
    show_years: bool = False
    tasks_inline: bool = False
    tasks_in_appendix: bool = False

    @property
    def heading_level(self) -> int:
        # h2 for "I.", h3 for "1.", h4 for "4.1." (the page title is the h1).
        return min(self.section.level + 1, 4)


@dataclass
class ChangeView:
    label: str
    old: str
    new: str


@dataclass
class AmendmentView:
    amendment: PlanAmendment
    action: str
    subject: str
    changes: list[ChangeView]


@dataclass
class PlanDocument:
    plan: Plan
    legal_bases: list[str]
    sections: list[SectionView]
    recipients: list[str]
    tasks: list[Task]
    targets: list[Target]
    amendments: list[AmendmentView]
    place_date: str
    tasks_in_appendix: bool
    unplaced_targets: list[Target] = field(default_factory=list)

    @property
    def is_party(self) -> bool:
        return self.plan.issuer_kind == IssuerKind.DANG_UY

    @property
    def task_count(self) -> int:
        return sum(1 for t in self.tasks if t.is_assignable)

    @property
    def task_rows(self) -> list[TaskRow]:
        return [TaskRow(task=t, is_match=True) for t in self.tasks]

    @property
    def appendix_reference(self) -> str:
        """"(Kèm theo Kế hoạch số 12/KH-UBND ngày 05/01/2026 của UBND phường Ba Ngòi)"."""
        plan = self.plan
        number = plan.reference.removeprefix("Số: ").removeprefix("Số ")
        if plan.issue_day and plan.issue_month and plan.issue_year:
            when = vn_date_parts(plan.issue_day, plan.issue_month, plan.issue_year)
        else:
            when = "…"
        body = "Đảng ủy" if self.is_party else "UBND"
        commune = plan.commune
        return (f"(Kèm theo Kế hoạch số {number} ngày {when} của {body} "
                f"{commune.get_kind_display().lower()} {commune.name})")


def _two(value: int | None, *, pad: bool = True) -> str:
    if value is None:
        return "\u2002\u2002\u2002"
    return f"{value:02d}" if pad and value < 10 else str(value)


def plan_place_date(plan: Plan) -> str:
    """"Ba Ngòi, ngày 05 tháng 01 năm 2026" (Nghị định 30/2020: day below 10 and months 1–2
    take a leading zero); blanks where a draft has no day yet."""
    month = plan.issue_month
    month_text = _two(month, pad=month is not None and month <= 2)
    year = str(plan.issue_year) if plan.issue_year else "\u2002\u2002\u2002\u2002"
    return f"{plan.place}, ngày {_two(plan.issue_day)} tháng {month_text} năm {year}"


def plan_document(*, plan: Plan) -> PlanDocument:
    """The whole plan as the paper document reads, in a constant number of queries."""
    sections = list(PlanSection.objects.filter(plan=plan).select_related("unit").order_by("order"))
    tasks = plan_tasks(plan=plan)
    targets = plan_targets(plan=plan)
    inline = plan.tasks_layout == TasksLayout.INLINE and any(
        s.kind == SectionKind.TASKS for s in sections)
    views = [SectionView(section=section) for section in sections]
    unplaced = _place_targets(views, targets)
    for view in views:
        if view.section.kind == SectionKind.TASKS and tasks:
            view.tasks_inline = inline
            view.tasks_in_appendix = not inline
    return PlanDocument(
        plan=plan,
        legal_bases=list(plan.legal_bases.order_by("order").values_list("text", flat=True)),
        sections=views,
        recipients=list(plan.recipients.order_by("order").values_list("text", flat=True)),
        tasks=tasks,
        targets=targets,
        amendments=plan_amendments(plan=plan, tasks=tasks, targets=targets),
        place_date=plan_place_date(plan),
        tasks_in_appendix=bool(tasks) and not inline,
        unplaced_targets=unplaced,
    )


def _place_targets(views: list[SectionView], targets: list[Target]) -> list[Target]:
    """Which targets section prints which targets, once each (DESIGN.md rule 8).

    A targets section with a written body prints its body: that text *is* its targets, and
    they are not printed again. A targets section without a body prints the targets of its
    year (a section for one year) or, for the last such section without a year, the targets
    no year section took. A plan with no targets section at all (written in the browser)
    returns its targets, for the document to print them under a heading it marks as composed.
    """
    target_views = [v for v in views if v.section.kind == SectionKind.TARGETS]
    if not target_views:
        return list(targets)
    empty = [v for v in target_views if not v.section.body.strip()]
    written_years = {v.section.year for v in target_views if v.section.year is not None}
    for view in empty:
        if view.section.year is not None:
            view.targets = [t for t in targets if t.year == view.section.year]
    open_views = [v for v in empty if v.section.year is None]
    has_text = any(v.section.body.strip() for v in target_views)
    if open_views and not has_text:
        view = open_views[-1]
        view.targets = [t for t in targets if t.year not in written_years]
        view.show_years = len({t.year for t in view.targets}) > 1
    return []


# --- Amendments ---------------------------------------------------------------------------

ACTION_LABELS = {
    "plan.update": _("Sửa thông tin chung"),
    "target.create": _("Thêm chỉ tiêu"),
    "target.update": _("Sửa chỉ tiêu"),
    "target.delete": _("Xóa chỉ tiêu"),
    "task.create": _("Thêm nhiệm vụ"),
    "task.update": _("Sửa nhiệm vụ"),
    "task.delete": _("Xóa nhiệm vụ"),
    "section.update": _("Sửa nội dung văn bản"),
}

FIELD_LABELS = {
    # targets
    "indicator_id": _("chỉ số"), "indicator": _("chỉ số"), "year": _("năm"),
    "value": _("chỉ tiêu"), "baseline": _("số liệu gốc"), "is_stretch": _("phấn đấu"),
    "statement": _("nội dung chỉ tiêu"), "reporting_units": _("đơn vị báo cáo"),
    # tasks
    "number": _("STT"), "description": _("mô tả"), "lead": _("cơ quan chủ trì"),
    "coordinating": _("cơ quan phối hợp"), "timeframe_text": _("thời gian thực hiện"),
    "deliverables": _("sản phẩm/kết quả"), "status": _("trạng thái"),
    # sections
    "body": _("nội dung"),
}


def _field_label(key: str, action: str) -> str:
    if action.startswith("task.") and key == "title":
        return str(_("nhiệm vụ, giải pháp"))
    if key in FIELD_LABELS and not action.startswith("plan."):
        return str(FIELD_LABELS[key])
    try:
        return str(getattr(Plan._meta.get_field(key), "verbose_name", key))
    except FieldDoesNotExist:  # an unknown key is shown as it is
        return str(FIELD_LABELS.get(key, key))


def _show(value: Any, indicator_codes: dict[str, str], key: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(_show(v, indicator_codes, key) for v in value)
    if key == "indicator_id":
        return indicator_codes.get(str(value), str(value))
    if value in ("True", True):
        return str(_("Có"))
    if value in ("False", False):
        return str(_("Không"))
    return str(value)


def plan_amendments(*, plan: Plan, tasks: Iterable[Task] = (), targets: Iterable[Target] = ()
                    ) -> list[AmendmentView]:
    """The amendment history, newest first, with field names and objects a reader knows."""
    amendments = list(PlanAmendment.objects.filter(plan=plan).select_related("actor")
                      .order_by("-number"))
    ids = {str(v) for a in amendments for key, pair in (a.changes.get("fields") or {}).items()
           if key == "indicator_id" for v in pair if v}
    codes = {str(pk): code for pk, code in Indicator.objects.filter(
        pk__in=[int(i) for i in ids if i.isdigit()]).values_list("pk", "code")} if ids else {}
    subjects = {f"task#{t.pk}": f"{t.number} {t.title[:80]}".strip() for t in tasks}
    subjects |= {f"target#{t.pk}": f"{t.indicator.code} — {t.year}" for t in targets}
    views = []
    for amendment in amendments:
        action = amendment.changes.get("action", "")
        fields = amendment.changes.get("fields") or {}
        subject = subjects.get(amendment.changes.get("target", ""), "")
        if not subject and action.startswith("task."):
            subject = " ".join(str(v) for v in (fields.get("number", [""])[0] or "",
                                                (fields.get("title", [""])[0] or "")[:80]) if v)
        views.append(AmendmentView(
            amendment=amendment,
            action=str(ACTION_LABELS.get(action, action)),
            subject=subject,
            changes=[ChangeView(label=_field_label(key, action),
                                old=_show(pair[0], codes, key), new=_show(pair[1], codes, key))
                     for key, pair in fields.items() if isinstance(pair, list) and len(pair) == 2],
        ))
    return views


# --- The task list with its filters -------------------------------------------------------

TIMEFRAME_FILTERS = [(k, label) for k, label in TimeframeKind.choices if k]


@dataclass
class TaskRow:
    task: Task
    is_match: bool
    role: str = ""  # "lead" / "coordinating" when filtered by a unit


@dataclass
class TaskListing:
    rows: list[TaskRow]
    match_count: int
    total: int
    filtered: bool


def _role(task: Task, unit_id: int) -> str:
    if task.lead_unit_id == unit_id:
        return "lead"
    if any(c.unit_id == unit_id for c in task.coordinators.all()):
        return "coordinating"
    return ""


def plan_task_listing(*, plan: Plan, unit_id: int | None = None, group_id: int | None = None,
                      kind: str | None = None) -> TaskListing:
    """The task table filtered by unit (lead or coordinating), level-1 group and timeframe kind.

    Matching rows keep their group headings around them (shown as context), so a filtered
    list still reads like the plan.
    """
    tasks = plan_tasks(plan=plan)
    by_id = {t.pk: t for t in tasks}
    in_group: set[int] | None = None
    if group_id is not None:
        in_group = set()
        inside = False
        for task in tasks:
            if task.level == 1:
                inside = task.pk == group_id
            if inside:
                in_group.add(task.pk)
    filtered = unit_id is not None or group_id is not None or bool(kind)
    matches: set[int] = set()
    roles: dict[int, str] = {}
    for task in tasks:
        if in_group is not None and task.pk not in in_group:
            continue
        if unit_id is not None:
            roles[task.pk] = _role(task, unit_id)
            if not roles[task.pk]:
                continue
        if kind and task.timeframe_kind != kind:
            continue
        if (unit_id is not None or kind) and not task.is_assignable:
            continue  # a heading matches a unit or a timeframe only through its tasks
        matches.add(task.pk)
    shown = set(matches)
    for pk in matches:
        parent_id = by_id[pk].parent_id
        while parent_id is not None and parent_id in by_id:
            shown.add(parent_id)
            parent_id = by_id[parent_id].parent_id
    rows = [TaskRow(task=t, is_match=t.pk in matches, role=roles.get(t.pk, ""))
            for t in tasks if not filtered or t.pk in shown]
    return TaskListing(rows=rows, match_count=len(matches) if filtered else len(tasks),
                       total=len(tasks), filtered=filtered)


# --- A unit's assignments -----------------------------------------------------------------


@dataclass
class UnitTask:
    task: Task
    role: str  # "lead" | "coordinating"


@dataclass
class PlanAssignments:
    plan: Plan
    tasks: list[UnitTask] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def unit_assignments(*, unit: Unit) -> list[PlanAssignments]:
    """The tasks a unit leads or coordinates and the targets it reports, grouped by plan."""
    tasks: QuerySet[Task] = (
        Task.objects.filter(Q(lead_unit=unit) | Q(coordinators__unit=unit)).distinct()
        .select_related("plan", "lead_unit").prefetch_related(_coordinators(), _deliverables())
        .order_by("plan_id", "order")
    )
    targets = (Target.objects.filter(reporting_units=unit).select_related("plan", "indicator")
               .order_by("plan_id", "order", "year", "id"))
    by_plan: dict[int, PlanAssignments] = {}
    for task in tasks:
        entry = by_plan.setdefault(task.plan_id, PlanAssignments(plan=task.plan))
        entry.tasks.append(UnitTask(task=task, role="lead" if task.lead_unit_id == unit.pk
                                    else "coordinating"))
    for target in targets:
        entry = by_plan.setdefault(target.plan_id, PlanAssignments(plan=target.plan))
        entry.targets.append(target)
    return sorted(by_plan.values(), key=lambda e: (-e.plan.start_year, -e.plan.pk))


# --- Who reports a target --------------------------------------------------------------------


def deliverable_indicator_ids(*, plan: Plan) -> set[int]:
    """Indicators a task deliverable of the plan counts towards (one query)."""
    return set(TaskDeliverable.objects.filter(task__plan=plan, indicator__isnull=False)
               .values_list("indicator_id", flat=True))


def target_has_reporter(*, unit_count: int, indicator_id: int, deliverable_indicator_ids: set[int]) -> bool:
    """A target gets figures only if a unit reports it (Target.reporting_units) or a task's
    deliverable counts towards its indicator; otherwise it stays without data whatever the
    units send, and the pages flag it ("Chưa giao đơn vị báo cáo")."""
    return unit_count > 0 or indicator_id in deliverable_indicator_ids


def unreported_target_ids(*, targets: Iterable[Target], tasks: Iterable[Task]) -> set[int]:
    """The targets no unit reports, from a plan's prefetched targets and tasks (no query)."""
    fed = {d.indicator_id for task in tasks for d in task.deliverables.all() if d.indicator_id is not None}
    return {t.pk for t in targets
            if not target_has_reporter(unit_count=len(t.reporting_units.all()), indicator_id=t.indicator_id,
                                       deliverable_indicator_ids=fed)}
