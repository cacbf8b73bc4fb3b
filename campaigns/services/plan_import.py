"""Validate a plan document (PlanData) against a commune, and import it: a new plan, or the
whole content of a draft. Layer: services (writes: validated, transactional, audited).

The Excel workbook (campaigns/workbook/) and the JSON seed files both come here, so a bad
workbook and a bad JSON file are refused by the same rules; the target and task rules are the
ones the plan pages use (targets/rules.py, campaigns/rules.py). See docs/plan-data.md.

Problems are reported against a *path* into PlanData ("targets.3.value"); the reader that
produced the PlanData maps paths to places a person can find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.models import (
    Commune,
    IssuerKind,
    Plan,
    PlanLegalBasis,
    PlanRecipient,
    PlanSection,
    SectionKind,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    TasksLayout,
    Unit,
    UnitKind,
)
from campaigns.plan_data import PlanData, PlanImportError, Problem, TaskData
from campaigns.rules import (
    deliverable_problems,
    is_collective_phrase,
    number_clash,
    sibling_clashes,
    task_level,
    task_parents,
    task_problems,
)
from campaigns.services.audit import audit_record
from campaigns.services.organisation import unit_upsert
from campaigns.services.plans import plan_periods_sync, plan_rollups_inputs_changed
from campaigns.timeframes import parse_timeframe
from targets.models import Indicator, Target
from targets.rules import TargetFigures, targets_check


def _limit(model: type[Any], field_name: str) -> int:
    return int(model._meta.get_field(field_name).max_length)


# Column lengths, read from the models, so a long text is a clear error and never a database
# error. Keys are PlanData paths with the list indexes left out.
TEXT_LIMITS: dict[str, int] = {
    **{name: _limit(Plan, name) for name in ("number", "symbol", "place", "parent_body", "issuing_body")},
    "signer.authority": _limit(Plan, "signer_authority"), "signer.deputy": _limit(Plan, "signer_deputy"),
    "signer.position": _limit(Plan, "signer_position"), "signer.name": _limit(Plan, "signer_name"),
    "recipients": _limit(PlanRecipient, "text"), "units.name": _limit(Unit, "name"),
    "sections.number": _limit(PlanSection, "number"), "sections.unit": _limit(Unit, "name"),
    "targets.indicator": _limit(Indicator, "code"), "targets.reporting_units": _limit(Unit, "name"),
    "tasks.number": _limit(Task, "number"), "tasks.lead": _limit(Task, "lead_text"),
    "tasks.coordinating": _limit(TaskCoordinator, "text"), "tasks.timeframe": _limit(Task, "timeframe_text"),
    "tasks.deliverables.indicator": _limit(Indicator, "code"),
}


def _text_paths(data: PlanData) -> list[tuple[str, str, str]]:
    """(path, limit key, text) for every bounded text of the document."""
    items = [(name, name, getattr(data, name)) for name in ("number", "symbol", "place", "parent_body", "issuing_body")]
    items += [(f"signer.{k}", f"signer.{k}", getattr(data.signer, k)) for k in ("authority", "deputy", "position", "name")]
    items += [(f"recipients.{i}", "recipients", t) for i, t in enumerate(data.recipients)]
    items += [(f"units.{i}.name", "units.name", u.name) for i, u in enumerate(data.units)]
    for i, section in enumerate(data.sections):
        items += [(f"sections.{i}.number", "sections.number", section.number),
                  (f"sections.{i}.unit", "sections.unit", section.unit or "")]
    for i, target in enumerate(data.targets):
        items.append((f"targets.{i}.indicator", "targets.indicator", target.indicator))
        items += [(f"targets.{i}.reporting_units.{j}", "targets.reporting_units", u)
                  for j, u in enumerate(target.reporting_units)]
    for i, task in enumerate(data.tasks):
        items += [(f"tasks.{i}.number", "tasks.number", task.number), (f"tasks.{i}.lead", "tasks.lead", task.lead),
                  (f"tasks.{i}.timeframe", "tasks.timeframe", task.timeframe)]
        items += [(f"tasks.{i}.coordinating.{j}", "tasks.coordinating", c) for j, c in enumerate(task.coordinating)]
        items += [(f"tasks.{i}.deliverables.{j}.indicator", "tasks.deliverables.indicator", d.indicator or "")
                  for j, d in enumerate(task.deliverables)]
    return items


@dataclass
class Resolved:
    """What validation looked up, handed to the writer so it does not look again."""

    units: dict[str, Unit]
    new_units: dict[str, str]
    indicators: dict[str, Indicator]


@dataclass
class _Check:
    """One validation run: the problems found so far and what the checks looked up."""

    commune: Commune
    create_units: bool
    existing: dict[str, Unit]  # the commune's units by name
    problems: list[Problem] = field(default_factory=list)
    known_units: dict[str, Unit] = field(default_factory=dict)
    new_units: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def unknown_unit(self, path: str, name: str) -> None:
        self.bad(path, _("Đơn vị “%(name)s” chưa có trong danh sách đơn vị của %(commune)s.")
                 % {"name": name, "commune": self.commune.official_name})

    def unit_ref(self, path: str, name: str, *, allow_phrase: bool) -> None:
        """A unit named in a section, a target or a task: known, to be created, or a phrase."""
        if not name or name in self.known_units or name in self.new_units or name in self.existing:
            if name in self.existing:
                self.known_units.setdefault(name, self.existing[name])
            return
        if allow_phrase and is_collective_phrase(name):
            return
        if self.create_units:
            self.new_units[name] = UnitKind.OTHER
            return
        self.unknown_unit(path, name)


def plan_data_validate(data: PlanData, *, commune: Commune, create_units: bool = False) -> Resolved:
    """Check everything; raise PlanImportError listing every problem, or return lookups."""
    check = _Check(commune=commune, create_units=create_units,
                   existing={u.name: u for u in Unit.objects.filter(commune=commune)})
    _check_text_lengths(data, check)
    _check_header(data, check)
    _check_units(data, check)
    _check_sections(data, check)
    check.indicators = _indicators(data, commune)
    _check_targets(data, check)
    _check_tasks(data, check)
    if check.problems:
        raise PlanImportError(check.problems)
    return Resolved(units=check.known_units, new_units=check.new_units, indicators=check.indicators)


def _check_text_lengths(data: PlanData, check: _Check) -> None:
    for path, key, text in _text_paths(data):
        if len(text) > TEXT_LIMITS[key]:
            check.bad(path, _("Dài %(length)s ký tự, vượt giới hạn %(max)s ký tự.")
                      % {"length": len(text), "max": TEXT_LIMITS[key]})


def _check_header(data: PlanData, check: _Check) -> None:
    if data.issuer_kind not in IssuerKind.values:
        check.bad("issuer_kind", _("Cơ quan ban hành phải là “ubnd” hoặc “dang_uy”."))
    for name in ("issuing_body", "title", "place", "symbol"):
        if not getattr(data, name):
            check.bad(name, _("Không được để trống."))
    if not (2020 <= data.start_year <= 2100) or not (2020 <= data.end_year <= 2100):
        check.bad("start_year", _("Năm phải trong khoảng 2020–2100."))
    elif data.start_year > data.end_year:
        check.bad("end_year", _("Năm kết thúc phải không nhỏ hơn năm bắt đầu."))
    _check_date(data, check)
    if data.tasks_layout not in TasksLayout.values:
        check.bad("tasks_layout", _("Cách trình bày nhiệm vụ không hợp lệ."))


def _check_date(data: PlanData, check: _Check) -> None:
    day, month, year = data.issue_day, data.issue_month, data.issue_year
    if month is not None and not (1 <= month <= 12):
        check.bad("issue_month", _("Tháng phải từ 1 đến 12."))
        return
    if day is not None:
        if month is None or year is None:
            check.bad("issue_day", _("Có ngày thì phải có cả tháng và năm."))
            return
        try:
            date(year, month, day)
        except ValueError:
            check.bad("issue_day", _("Ngày %(d)s/%(m)s/%(y)s không tồn tại.") % {"d": day, "m": month, "y": year})


def _check_units(data: PlanData, check: _Check) -> None:
    seen_names: set[str] = set()
    for i, unit in enumerate(data.units):
        if not unit.name:
            check.bad(f"units.{i}.name", _("Tên đơn vị không được để trống."))
            continue
        if unit.name in seen_names:
            check.bad(f"units.{i}.name", _("Đơn vị “%(name)s” bị lặp.") % {"name": unit.name})
        seen_names.add(unit.name)
        if unit.kind not in UnitKind.values:
            check.bad(f"units.{i}.kind", _("Loại đơn vị “%(kind)s” không hợp lệ.") % {"kind": unit.kind})
        if unit.name in check.existing:
            check.known_units[unit.name] = check.existing[unit.name]
        elif check.create_units:
            check.new_units[unit.name] = unit.kind
        else:
            check.unknown_unit(f"units.{i}.name", unit.name)


def _check_sections(data: PlanData, check: _Check) -> None:
    for i, section in enumerate(data.sections):
        if section.level not in (1, 2, 3):
            check.bad(f"sections.{i}.level", _("Cấp của mục phải là 1, 2 hoặc 3."))
        if section.kind not in SectionKind.values:
            check.bad(f"sections.{i}.kind", _("Loại mục “%(kind)s” không hợp lệ.") % {"kind": section.kind})
        if section.unit:
            check.unit_ref(f"sections.{i}.unit", section.unit, allow_phrase=False)
        if section.year is not None and not (data.start_year <= section.year <= data.end_year):
            check.bad(f"sections.{i}.year", _("Năm phải nằm trong thời gian của kế hoạch."))


def _indicators(data: PlanData, commune: Commune) -> dict[str, Indicator]:
    """The indicators the document names, by code: the national library and the commune's own."""
    codes = {t.indicator for t in data.targets} | {
        d.indicator for t in data.tasks for d in t.deliverables if d.indicator
    }
    return {i.code: i for i in Indicator.objects.filter(code__in=codes).filter(
        Q(commune__isnull=True) | Q(commune=commune))}


def _unknown_indicator(code: str) -> str:
    return _("Không có chỉ số mã “%(code)s” trong thư viện chỉ số.") % {"code": code}


def _check_targets(data: PlanData, check: _Check) -> None:
    figures = []
    for target in data.targets:
        indicator = check.indicators.get(target.indicator)
        figures.append(TargetFigures(
            indicator=target.indicator, code=target.indicator, year=target.year, value=target.value,
            measure=indicator.measure if indicator is not None else None, baseline=target.baseline,
            per_period_quantity=target.per_period_quantity, per_period=target.per_period))
    found = targets_check(figures, start_year=data.start_year, end_year=data.end_year)
    for i, (target, problems) in enumerate(zip(data.targets, found, strict=True)):
        if target.indicator not in check.indicators:
            check.bad(f"targets.{i}.indicator", _unknown_indicator(target.indicator))
        for problem in problems:
            check.bad(f"targets.{i}.{problem.field}", problem.listed)
        for j, name in enumerate(target.reporting_units):
            check.unit_ref(f"targets.{i}.reporting_units.{j}", name, allow_phrase=False)


def _clashing_numbers(tasks: list[TaskData], levels: list[int | None]) -> set[int]:
    """Tasks that repeat the number of an earlier sibling; a task the numbering cannot place
    (level None) is left out of the tree."""
    placed = [i for i, level in enumerate(levels) if level is not None]
    groups = sibling_clashes([tasks[i].number for i in placed], [levels[i] or 0 for i in placed])
    return {placed[k] for group in groups for k in group[1:]}


def _check_tasks(data: PlanData, check: _Check) -> None:
    levels = [task_level(task.number) for task in data.tasks]
    clashing = _clashing_numbers(data.tasks, levels)
    for i, task in enumerate(data.tasks):
        own = task_problems(number=task.number, title=task.title)
        if levels[i] is None:
            # A number the numbering does not know is all that is said of the task: without a
            # level it has no place among its siblings.
            check.bad(f"tasks.{i}.number", own[0].message)
            continue
        for problem in own:
            check.bad(f"tasks.{i}.{problem.field}", problem.message)
        if i in clashing:
            check.bad(f"tasks.{i}.number", number_clash(task.number).message)
        if task.lead:
            check.unit_ref(f"tasks.{i}.lead", task.lead, allow_phrase=True)
        for j, name in enumerate(task.coordinating):
            check.unit_ref(f"tasks.{i}.coordinating.{j}", name, allow_phrase=True)
        for j, deliverable in enumerate(task.deliverables):
            path = f"tasks.{i}.deliverables.{j}"
            for problem in deliverable_problems(text=deliverable.text, quantity=deliverable.quantity,
                                                per_period=deliverable.per_period):
                check.bad(f"{path}.{problem.field}", problem.message)
            if deliverable.indicator and deliverable.indicator not in check.indicators:
                check.bad(f"{path}.indicator", _unknown_indicator(deliverable.indicator))


# --- Writing ------------------------------------------------------------------------------


def _header(data: PlanData) -> dict[str, Any]:
    return {
        "issuer_kind": data.issuer_kind, "parent_body": data.parent_body,
        "issuing_body": data.issuing_body, "number": data.number, "symbol": data.symbol,
        "place": data.place, "issue_day": data.issue_day, "issue_month": data.issue_month,
        "issue_year": data.issue_year, "title": data.title, "start_year": data.start_year,
        "end_year": data.end_year, "preamble": data.preamble, "closing": data.closing,
        "reporting_duty": data.reporting_duty, "signer_authority": data.signer.authority,
        "signer_deputy": data.signer.deputy, "signer_position": data.signer.position,
        "signer_name": data.signer.name, "tasks_layout": data.tasks_layout,
        "appendix_title": data.appendix_title, "appendix_reference": data.appendix_reference,
        "recipients_note": data.recipients_note, "source_gaps": data.source_gaps,
    }


def _replace_content(*, into: Plan, commune: Commune, header: dict[str, Any]) -> Plan:
    # Lock the row: the plan cannot be issued while its content is being replaced, and an
    # issued plan changes only through recorded amendments, never by a re-import.
    plan = Plan.objects.select_for_update().get(pk=into.pk)
    if plan.is_issued or plan.commune_id != commune.pk:
        raise PlanImportError([Problem("status", _(
            "Kế hoạch đã ban hành: không nhập đè được, mọi thay đổi phải qua sửa đổi có ghi lý do."))])
    for key, value in header.items():
        setattr(plan, key, value)
    plan.version += 1
    plan.save()
    for related in (plan.legal_bases, plan.sections, plan.recipients, plan.targets):
        related.all().delete()
    plan.tasks.all().delete()
    return plan


@transaction.atomic
def plan_import(*, data: PlanData, commune: Commune, actor: Any = None, create_units: bool = False,
                into: Plan | None = None) -> Plan:
    """Validate, then save the whole plan in one transaction (all or nothing).

    ``into`` replaces the content of an existing draft plan instead of creating a new one.
    """
    resolved = plan_data_validate(data, commune=commune, create_units=create_units)
    units = dict(resolved.units)
    for name, kind in resolved.new_units.items():
        units[name] = unit_upsert(commune=commune, name=name, kind=kind, actor=actor)

    if into is None:
        plan = Plan.objects.create(commune=commune, **_header(data))
        action = "plan.import"
    else:
        plan = _replace_content(into=into, commune=commune, header=_header(data))
        action = "plan.reimport"
    _write_parts(plan, data, units, resolved.indicators)
    plan_periods_sync(plan)
    # Its targets and units are the figures' inputs (a re-import replaces them all).
    plan_rollups_inputs_changed(plan=plan, years=plan.years)
    audit_record(commune=commune, actor=actor, action=action, target=plan,
                 changes={"title": [None, plan.title], "tasks": [None, len(data.tasks)],
                          "targets": [None, len(data.targets)]})
    return plan


def _write_parts(plan: Plan, data: PlanData, units: dict[str, Unit],
                 indicators: dict[str, Indicator]) -> None:
    PlanLegalBasis.objects.bulk_create(
        PlanLegalBasis(plan=plan, order=i, text=t) for i, t in enumerate(data.legal_bases, 1))
    PlanRecipient.objects.bulk_create(
        PlanRecipient(plan=plan, order=i, text=t) for i, t in enumerate(data.recipients, 1))
    PlanSection.objects.bulk_create(
        PlanSection(plan=plan, order=i, number=s.number, level=s.level, heading=s.heading,
                    kind=s.kind, body=s.body, unit=units.get(s.unit) if s.unit else None, year=s.year,
                    run_in=s.run_in)
        for i, s in enumerate(data.sections, 1))
    for i, t in enumerate(data.targets, 1):
        target = Target.objects.create(
            plan=plan, indicator=indicators[t.indicator], year=t.year, order=i, value=t.value,
            baseline=t.baseline, is_stretch=t.stretch, per_period_quantity=t.per_period_quantity,
            per_period=t.per_period or "", statement=t.statement)
        target.reporting_units.set([units[name] for name in t.reporting_units])
    _write_tasks(plan, data.tasks, units, indicators)


def _write_tasks(plan: Plan, tasks: list[TaskData], units: dict[str, Unit],
                 indicators: dict[str, Indicator]) -> None:
    levels = [task_level(t.number) or 3 for t in tasks]
    created: list[Task] = []
    for i, (t, level, parent) in enumerate(zip(tasks, levels, task_parents(levels), strict=True), 1):
        timeframe = parse_timeframe(t.timeframe)
        lead_unit = units.get(t.lead) if t.lead and not is_collective_phrase(t.lead) else None
        task = Task.objects.create(
            plan=plan, order=i, parent=created[parent] if parent is not None else None, number=t.number,
            level=level, title=t.title, description=t.description, lead_unit=lead_unit,
            lead_text="" if lead_unit else t.lead, timeframe_text=timeframe.text,
            timeframe_kind=timeframe.kind, recurrence=timeframe.recurrence,
            date_start=timeframe.date_start, date_end=timeframe.date_end, quarters=timeframe.quarters)
        created.append(task)
        TaskCoordinator.objects.bulk_create(
            TaskCoordinator(task=task, order=j,
                            unit=None if is_collective_phrase(name) else units.get(name),
                            text=name if is_collective_phrase(name) or name not in units else "")
            for j, name in enumerate(t.coordinating, 1))
        TaskDeliverable.objects.bulk_create(
            TaskDeliverable(task=task, order=j, text=d.text, quantity=d.quantity,
                            per_period=d.per_period or "",
                            indicator=indicators.get(d.indicator) if d.indicator else None)
            for j, d in enumerate(t.deliverables, 1))
