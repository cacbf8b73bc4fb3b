"""Writes for a plan's tasks: keyword-only, validated, transactional, audited.

Tasks go through the same edit mechanism as the rest of the plan (services.plan_lock and
services.plan_record): the plan row is locked and its version checked, every change is
audited, and a change to an issued plan needs a reason and becomes a PlanAmendment. The rules
a task obeys (numbering, tree, fields, deliverables) are campaigns/rules.py, the same the plan
import applies. Layer: services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.models import Plan, Task, TaskCoordinator, TaskDeliverable, Unit
from campaigns.rules import (
    deliverable_problems,
    lead_problems,
    number_clash,
    sibling_clashes,
    task_level,
    task_parents,
    task_problems,
)
from campaigns.services.plans import plan_lock, plan_record
from campaigns.timeframes import parse_timeframe
from portal.text import nfc
from targets.models import Indicator


@dataclass
class DeliverableInput:
    text: str
    quantity: Decimal | None = None
    per_period: str = ""
    indicator_id: int | None = None


@dataclass
class TaskInput:
    """What a person typed for one task; ``place_under_id`` only matters for a new task."""

    number: str
    title: str
    description: str = ""
    lead_unit_id: int | None = None
    lead_text: str = ""
    coordinator_unit_ids: list[int] = field(default_factory=list)
    coordinator_texts: list[str] = field(default_factory=list)
    timeframe_text: str = ""
    deliverables: list[DeliverableInput] = field(default_factory=list)
    place_under_id: int | None = None


def _lines(value: str) -> str:
    """Multi-paragraph text: NFC per line, blank lines dropped (as the plan document does)."""
    return "\n".join(line for line in (nfc(part) for part in value.splitlines()) if line)


def _quantity(value: Decimal | None) -> str:
    if value is None:
        return ""
    normalised = value.normalize()
    return str(int(normalised)) if normalised == normalised.to_integral() else str(normalised)


def _deliverable_label(text: str, quantity: Decimal | None, per_period: str,
                       indicator_code: str | None) -> str:
    extras = [part for part in (_quantity(quantity), per_period, indicator_code or "") if part]
    return f"{text} ({' | '.join(extras)})" if extras else text


def _snapshot(task: Task) -> dict[str, Any]:
    """The task as the audit trail shows it (names, not ids)."""
    return {
        "number": task.number,
        "title": task.title,
        "description": task.description,
        "lead": task.lead_display,
        "coordinating": [c.display for c in task.coordinators.all()],
        "timeframe_text": task.timeframe_text,
        "deliverables": [
            _deliverable_label(d.text, d.quantity, d.per_period,
                               d.indicator.code if d.indicator else None)
            for d in task.deliverables.all()
        ],
    }


def _clean(data: TaskInput, *, plan: Plan) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalise the input and check every field against the task rules (campaigns.rules) and
    the plan's units and indicators; returns the clean values and the errors."""
    errors: dict[str, list[str]] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    number = nfc(data.number)
    title = _lines(data.title)
    lead_text = nfc(data.lead_text)
    for problem in [*task_problems(number=number, title=title),
                    *lead_problems(has_unit=bool(data.lead_unit_id), text=lead_text)]:
        bad(problem.field, problem.message)
    lead_unit, coordinators = _clean_units(data, plan=plan, bad=bad)
    timeframe = parse_timeframe(data.timeframe_text)
    values = {
        "number": number, "level": task_level(number), "title": title, "description": _lines(data.description),
        "lead_unit": lead_unit, "lead_text": "" if lead_unit else lead_text,
        "timeframe_text": timeframe.text, "timeframe_kind": timeframe.kind,
        "recurrence": timeframe.recurrence, "date_start": timeframe.date_start,
        "date_end": timeframe.date_end, "quarters": timeframe.quarters,
        "coordinators": coordinators,
        "deliverables": _clean_deliverables(data.deliverables, plan=plan, bad=bad),
    }
    return values, errors


def _clean_units(data: TaskInput, *, plan: Plan,
                 bad: Callable[[str, str], None]) -> tuple[Unit | None, list[Unit | str]]:
    """The lead unit and the coordinators (units of the commune first, then phrases), deduplicated."""
    unit_ids = {pk for pk in (data.lead_unit_id, *data.coordinator_unit_ids) if pk is not None}
    units = {u.pk: u for u in Unit.objects.filter(commune=plan.commune, pk__in=unit_ids)}
    lead_unit = units.get(data.lead_unit_id) if data.lead_unit_id else None
    if data.lead_unit_id and lead_unit is None:
        bad("lead_unit", _("Đơn vị không thuộc xã/phường."))
    coordinator_unit_ids: list[int] = []
    for unit_id in data.coordinator_unit_ids:
        if unit_id not in units:
            bad("coordinator_units", _("Đơn vị không thuộc xã/phường."))
        elif unit_id not in coordinator_unit_ids:
            coordinator_unit_ids.append(unit_id)
    coordinator_texts: list[str] = []
    for text in data.coordinator_texts:
        text = nfc(text)
        if len(text) > 300:
            bad("coordinator_texts", _("Mỗi cụm từ tối đa 300 ký tự."))
        elif text and text not in coordinator_texts:
            coordinator_texts.append(text)
    return lead_unit, [units[pk] for pk in coordinator_unit_ids] + coordinator_texts


def _clean_deliverables(items: list[DeliverableInput], *, plan: Plan,
                        bad: Callable[[str, str], None]) -> list[dict[str, Any]]:
    """Each deliverable checked by the deliverable rules, its indicator among the plan's."""
    codes = {d.indicator_id for d in items if d.indicator_id is not None}
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=codes).filter(
        Q(commune__isnull=True) | Q(commune=plan.commune))}
    deliverables: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        key = f"deliverable-{index}"
        text = _lines(item.text)
        for problem in deliverable_problems(text=text, quantity=item.quantity, per_period=item.per_period):
            bad(key, problem.message)
        if item.indicator_id and item.indicator_id not in indicators:
            bad(key, _("Chỉ số không hợp lệ."))
        deliverables.append({
            "text": text, "quantity": item.quantity, "per_period": item.per_period or "",
            "indicator": indicators.get(item.indicator_id) if item.indicator_id else None,
        })
    return deliverables


def _subtree_end(tasks: list[Task], index: int) -> int:
    """The list index just after the last descendant of tasks[index]."""
    end = index + 1
    while end < len(tasks) and tasks[end].level > tasks[index].level:
        end += 1
    return end


def _shift_orders(plan: Plan, *, from_order: int) -> None:
    """Make room at ``from_order``: every task at or after it moves down by one.

    (plan, order) is unique and checked row by row, so a single ``order + 1`` could collide
    half-way; moving the block out of range first and back second never does. The plan row
    lock held by the caller keeps other writers out meanwhile.
    """
    rows = Task.objects.filter(plan=plan, order__gte=from_order)
    offset = (Task.objects.filter(plan=plan).aggregate(m=models.Max("order"))["m"] or 0) + 1
    rows.update(order=models.F("order") + offset)
    Task.objects.filter(plan=plan, order__gte=from_order + offset).update(
        order=models.F("order") - offset + 1)


def _rebuild_tree(plan: Plan) -> None:
    """Recompute every task's level and parent from the numbers, in order."""
    tasks = list(Task.objects.filter(plan=plan).order_by("order"))
    levels = [task_level(t.number) or 3 for t in tasks]
    changed: list[Task] = []
    for task, level, parent in zip(tasks, levels, task_parents(levels), strict=True):
        parent_id = tasks[parent].pk if parent is not None else None
        if task.level != level or task.parent_id != parent_id:
            task.level, task.parent_id = level, parent_id
            changed.append(task)
    if changed:
        # Parents first would not matter: parent is a plain nullable FK, not a constraint on order.
        Task.objects.bulk_update(changed, ["level", "parent"])


@transaction.atomic
def task_save(*, plan: Plan, actor: Any, version: int | None, task: Task | None = None,
              data: TaskInput, reason: str = "") -> Task:
    """Create a task at the end of its group, or update one in place.

    Raises ConflictError when the plan changed since ``version``, ValidationError (keys:
    number, title, lead_unit, lead_text, coordinator_units, coordinator_texts,
    place_under, deliverable-N, reason) when the input is wrong; nothing is saved then.
    """
    locked = plan_lock(plan=plan, version=version)
    if task is not None and task.plan_id != locked.pk:
        raise ValidationError(_("Nhiệm vụ không thuộc kế hoạch này."))
    values, errors = _clean(data, plan=locked)
    tasks = list(Task.objects.filter(plan=locked).order_by("order"))
    level = values["level"] or 3
    if task is None:
        position = _insert_position(tasks, data.place_under_id, values, errors)
        rows: list[Task | None] = [*tasks[:position], None, *tasks[position:]]
    else:
        position = next(i for i, t in enumerate(tasks) if t.pk == task.pk)
        rows = [None if t.pk == task.pk else t for t in tasks]
    levels = [level if row is None else row.level for row in rows]
    numbers = [values["number"] if row is None else row.number for row in rows]
    if any(position in group for group in sibling_clashes(numbers, levels)):
        problem = number_clash(values["number"])
        errors.setdefault(problem.field, []).append(problem.message)
    if errors:
        raise ValidationError(errors)

    fields = {k: values[k] for k in (
        "number", "title", "description", "lead_unit", "lead_text", "timeframe_text",
        "timeframe_kind", "recurrence", "date_start", "date_end", "quarters")}
    fields["level"] = level
    if task is None:
        return _task_create(locked, actor=actor, tasks=tasks, position=position, fields=fields,
                            values=values, reason=reason)
    return _task_update(locked, actor=actor, task=task, fields=fields, values=values, reason=reason)


def _insert_position(tasks: list[Task], place_under_id: int | None, values: dict[str, Any],
                     errors: dict[str, list[str]]) -> int:
    """Where a new task goes: at the end, or at the end of the group it is placed under."""
    if place_under_id is None:
        return len(tasks)
    index = next((i for i, t in enumerate(tasks) if t.pk == place_under_id), None)
    if index is None:
        errors.setdefault("place_under", []).append(_("Mục không tồn tại."))
    elif values["level"] is not None and tasks[index].level >= values["level"]:
        errors.setdefault("place_under", []).append(
            _("STT “%(number)s” không thể nằm trong mục “%(parent)s”: hãy chọn mục cấp cao hơn hoặc sửa STT.")
            % {"number": values["number"] or "-", "parent": tasks[index].number})
    else:
        return _subtree_end(tasks, index)
    return len(tasks)


def _task_create(plan: Plan, *, actor: Any, tasks: list[Task], position: int, fields: dict[str, Any],
                 values: dict[str, Any], reason: str) -> Task:
    if position < len(tasks):
        order = tasks[position].order
        _shift_orders(plan, from_order=order)
    else:
        order = (tasks[-1].order if tasks else 0) + 1
    saved = Task.objects.create(plan=plan, order=order, **fields)
    _write_children(saved, values)
    _rebuild_tree(plan)
    saved.refresh_from_db()
    changes = {k: [None, v] for k, v in _snapshot_of(values).items() if v not in ("", [], None)}
    plan_record(plan=plan, actor=actor, action="task.create", target=saved, changes=changes, reason=reason)
    return saved


def _task_update(plan: Plan, *, actor: Any, task: Task, fields: dict[str, Any], values: dict[str, Any],
                 reason: str) -> Task:
    current = _reload(task)
    before = _snapshot(current)
    wanted = _snapshot_of(values)
    changes = {k: [before[k], v] for k, v in wanted.items() if before[k] != v}
    if not changes:
        # Nothing changed: no audit row, no amendment, no new version.
        return current
    for key, value in fields.items():
        setattr(current, key, value)
    current.save()
    if "coordinating" in changes or "deliverables" in changes:
        current.coordinators.all().delete()
        current.deliverables.all().delete()
        _write_children(current, values)
    _rebuild_tree(plan)
    plan_record(plan=plan, actor=actor, action="task.update", target=current, changes=changes, reason=reason)
    current.refresh_from_db()
    return current


def _snapshot_of(values: dict[str, Any]) -> dict[str, Any]:
    """The snapshot the cleaned input will have once saved (compared before writing)."""
    lead = values["lead_unit"].name if values["lead_unit"] else values["lead_text"]
    return {
        "number": values["number"],
        "title": values["title"],
        "description": values["description"],
        "lead": lead,
        "coordinating": [c.name if isinstance(c, Unit) else c for c in values["coordinators"]],
        "timeframe_text": values["timeframe_text"],
        "deliverables": [
            _deliverable_label(d["text"], d["quantity"], d["per_period"],
                               d["indicator"].code if d["indicator"] else None)
            for d in values["deliverables"]
        ],
    }


def _reload(task: Task) -> Task:
    return (Task.objects.select_related("lead_unit")
            .prefetch_related("coordinators__unit", "deliverables__indicator").get(pk=task.pk))


def _write_children(task: Task, values: dict[str, Any]) -> None:
    TaskCoordinator.objects.bulk_create(
        TaskCoordinator(task=task, order=i, unit=c if isinstance(c, Unit) else None,
                        text="" if isinstance(c, Unit) else c)
        for i, c in enumerate(values["coordinators"], 1))
    TaskDeliverable.objects.bulk_create(
        TaskDeliverable(task=task, order=i, text=d["text"], quantity=d["quantity"],
                        per_period=d["per_period"], indicator=d["indicator"])
        for i, d in enumerate(values["deliverables"], 1))


@transaction.atomic
def task_delete(*, task: Task, actor: Any, version: int | None, reason: str = "") -> None:
    """Delete one task; a group with tasks under it, or a task already reported on, stays."""
    locked = plan_lock(plan=task.plan, version=version)
    current = _reload(task)
    children = Task.objects.filter(parent=current).count()
    if children:
        raise ValidationError(
            _("Mục này còn %(n)s nhiệm vụ con: hãy xóa các nhiệm vụ con trước.") % {"n": children})
    progress = getattr(current, "progress", None)
    if progress is not None and progress.exists():
        raise ValidationError(_("Nhiệm vụ đã có báo cáo tiến độ của đơn vị nên không thể xóa."))
    before = _snapshot(current)
    # Record first: the audit row needs the task's primary key, which delete() clears.
    plan_record(plan=locked, actor=actor, action="task.delete", target=current,
                 changes={k: [v, None] for k, v in before.items() if v not in ("", [], None)},
                 reason=reason)
    current.delete()
    _rebuild_tree(locked)
