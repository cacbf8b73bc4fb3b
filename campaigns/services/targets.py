"""Writes of a plan's targets (the targets grid of the plan page): keyword-only, validated,
transactional, audited. Layer: services. The rules a target obeys are targets/rules.py, the
same the plan import applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import (
    Plan,
    PlanSection,
    Unit,
)
from campaigns.selectors.plan_text import target_statement_problem
from campaigns.services.plans import (
    TARGET_ROLLUP_FIELDS,
    plan_lock,
    plan_record,
    plan_rollups_inputs_changed,
)
from portal.text import nfc
from targets.models import Indicator, Target
from targets.rules import TargetFigures, targets_check


def _statement_kept(target: Any, row: TargetRow) -> bool:
    """A row whose figure and sentence are both as saved is not refused for their agreement:
    only a change is (the plan page already flags what an import brought in)."""
    return target is not None and target.value == row.value and target.statement == nfc(row.statement)


def _sentence_follows(*, plan: Plan, actor: Any, old: str, new: str, reason: str) -> None:
    """A target's sentence rewritten in the grid is rewritten where the document writes it, in
    the same amendment: the plan never says 70% in its text and 75 in its table."""
    for section in PlanSection.objects.filter(plan=plan):
        if old in section.body:
            body = section.body.replace(old, new)
            plan_record(plan=plan, actor=actor, action="section.update", target=section,
                         changes={"body": [section.body, body]}, reason=reason)
            section.body = body
            section.save(update_fields=["body"])


@dataclass
class TargetRow:
    """One row of the targets grid; ``target_id`` None adds a target."""

    indicator_id: int
    year: int
    value: Decimal | None
    baseline: Decimal | None = None
    is_stretch: bool = False
    statement: str = ""
    reporting_unit_ids: list[int] = field(default_factory=list)
    target_id: int | None = None
    delete: bool = False


def _statement_problem(row: TargetRow, saved: Target | None) -> str | None:
    """The sentence's disagreement with the figure, unless both are as saved."""
    if row.value is None:
        return None
    problem = target_statement_problem(
        value=row.value, per_period_quantity=saved.per_period_quantity if saved else None,
        statement=nfc(row.statement))
    return None if _statement_kept(saved, row) else problem


def _grid_errors(*, plan: Plan, rows: list[TargetRow], indicators: dict[int, Indicator],
                 units: dict[int, Unit], existing: dict[int, Target]) -> dict[str, list[str]]:
    """Every row's problems under "row-N": the target rules (targets.rules), then what only the
    grid can get wrong (an indicator, a unit or a target that is not there)."""
    messages: dict[int, list[str]] = {}
    checked: list[int] = []
    figures: list[TargetFigures] = []
    for index, row in enumerate(rows):
        if row.delete:
            continue
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            messages[index] = [_("Chỉ số không hợp lệ.")]
            continue
        checked.append(index)
        figures.append(TargetFigures(
            indicator=row.indicator_id, code=indicator.code, year=row.year, value=row.value,
            measure=indicator.measure, baseline=row.baseline,
            statement_problem=_statement_problem(row, existing.get(row.target_id or 0))))
    found = targets_check(figures, start_year=plan.start_year, end_year=plan.end_year)
    for index, problems in zip(checked, found, strict=True):
        row = rows[index]
        messages[index] = [problem.message for problem in problems]
        if any(uid not in units for uid in row.reporting_unit_ids):
            messages[index].append(_("Đơn vị báo cáo không thuộc xã/phường."))
        if row.target_id is not None and row.target_id not in existing:
            messages[index].append(_("Chỉ tiêu không tồn tại."))
    return {f"row-{index}": messages[index] for index in sorted(messages) if messages[index]}


@transaction.atomic
def plan_targets_save(*, plan: Plan, actor: Any, version: int | None, rows: list[TargetRow],
                      reason: str = "") -> Plan:
    """Save the targets grid in one go: every row is checked before anything is written."""
    locked = plan_lock(plan=plan, version=version)
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=[r.indicator_id for r in rows])}
    units = {u.pk: u for u in Unit.objects.filter(commune=locked.commune)}
    existing = {t.pk: t for t in locked.targets.select_related("indicator").prefetch_related("reporting_units")}
    errors = _grid_errors(plan=locked, rows=rows, indicators=indicators, units=units, existing=existing)
    if errors:
        raise ValidationError(errors)

    write = _GridWrite(plan=locked, actor=actor, reason=reason, units=units,
                       order=max((t.order for t in existing.values()), default=0))
    for row in rows:
        target = existing.get(row.target_id) if row.target_id else None
        if row.delete:
            if target is not None:
                write.delete(target)
        elif target is None:
            write.create(row)
        else:
            write.update(target, row)
    plan_rollups_inputs_changed(plan=locked, years=write.changed_years)
    locked.refresh_from_db()
    return locked


@dataclass
class _GridWrite:
    """The writes of one save of the grid, each audited; the years whose figures they move."""

    plan: Plan
    actor: Any
    reason: str
    units: dict[int, Unit]
    order: int
    changed_years: set[int] = field(default_factory=set)

    def record(self, action: str, target: Target, changes: dict[str, Any]) -> None:
        plan_record(plan=self.plan, actor=self.actor, action=action, target=target, changes=changes,
                    reason=self.reason)

    def delete(self, target: Target) -> None:
        snapshot = {"indicator": target.indicator.code, "year": target.year, "value": str(target.value)}
        self.record("target.delete", target, {k: [v, None] for k, v in snapshot.items()})
        self.changed_years.add(target.year)
        target.delete()

    def create(self, row: TargetRow) -> None:
        values = _values(row)
        self.order += 1
        target = Target.objects.create(plan=self.plan, order=self.order, **values)
        target.reporting_units.set(row.reporting_unit_ids)
        self.changed_years.add(target.year)
        self.record("target.create", target,
                    {k: [None, str(v)] for k, v in values.items() if v not in (None, "")})

    def update(self, target: Target, row: TargetRow) -> None:
        values = _values(row)
        old = {k: getattr(target, k) for k in values}
        old_units = sorted(u.pk for u in target.reporting_units.all())
        changes: dict[str, list[Any]] = {
            k: [str(old[k]) if old[k] is not None else None, str(v) if v is not None else None]
            for k, v in values.items() if old[k] != v}
        if old_units != sorted(row.reporting_unit_ids):
            changes["reporting_units"] = [
                [self.units[u].name for u in old_units],
                [self.units[u].name for u in sorted(row.reporting_unit_ids)]]
        if not changes:
            return
        if changes.keys() & TARGET_ROLLUP_FIELDS:
            self.changed_years.update({old["year"], row.year})
        for key, value in values.items():
            setattr(target, key, value)
        target.save()
        target.reporting_units.set(row.reporting_unit_ids)
        self.record("target.update", target, changes)
        if "statement" in changes and old["statement"]:
            _sentence_follows(plan=self.plan, actor=self.actor, old=old["statement"], new=values["statement"],
                              reason=self.reason)


def _values(row: TargetRow) -> dict[str, Any]:
    return {"indicator_id": row.indicator_id, "year": row.year, "value": row.value,
            "baseline": row.baseline, "is_stretch": row.is_stretch, "statement": nfc(row.statement)}
