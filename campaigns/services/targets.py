"""Writes for the organisation: keyword-only, validated, transactional, audited."""

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
from targets.models import Indicator, Measure, Target


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


@transaction.atomic
def plan_targets_save(*, plan: Plan, actor: Any, version: int | None, rows: list[TargetRow],
                      reason: str = "") -> Plan:
    """Save the targets grid in one go: every row is checked before anything is written."""
    locked = plan_lock(plan=plan, version=version)
    errors: dict[str, list[str]] = {}
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=[r.indicator_id for r in rows])}
    units = {u.pk: u for u in Unit.objects.filter(commune=locked.commune)}
    existing = {t.pk: t for t in locked.targets.select_related("indicator").prefetch_related("reporting_units")}
    seen: set[tuple[int, int]] = set()
    for index, row in enumerate(rows):
        key = f"row-{index}"
        if row.delete:
            continue
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            errors.setdefault(key, []).append(_("Chỉ số không hợp lệ."))
            continue
        if row.year not in locked.years:
            errors.setdefault(key, []).append(_("Năm nằm ngoài thời gian của kế hoạch."))
        if (row.indicator_id, row.year) in seen:
            errors.setdefault(key, []).append(_("Chỉ tiêu bị lặp (cùng chỉ số, cùng năm)."))
        seen.add((row.indicator_id, row.year))
        if row.value is None:
            errors.setdefault(key, []).append(_("Chưa nhập giá trị chỉ tiêu."))
        elif row.value < 0:
            errors.setdefault(key, []).append(_("Chỉ tiêu không được âm."))
        elif indicator.measure == Measure.PERCENT and row.value > 100:
            errors.setdefault(key, []).append(_("Chỉ tiêu phần trăm không được lớn hơn 100."))
        else:
            saved = existing.get(row.target_id or 0)
            problem = target_statement_problem(
                value=row.value, per_period_quantity=saved.per_period_quantity if saved else None,
                statement=nfc(row.statement))
            if problem and not _statement_kept(saved, row):
                errors.setdefault(key, []).append(problem)
        if row.baseline is not None and row.baseline < 0:
            errors.setdefault(key, []).append(_("Số liệu gốc không được âm."))
        if any(uid not in units for uid in row.reporting_unit_ids):
            errors.setdefault(key, []).append(_("Đơn vị báo cáo không thuộc xã/phường."))
        if row.target_id is not None and row.target_id not in existing:
            errors.setdefault(key, []).append(_("Chỉ tiêu không tồn tại."))
    if errors:
        raise ValidationError(errors)

    order = max((t.order for t in existing.values()), default=0)
    changed_years: set[int] = set()
    for row in rows:
        target = existing.get(row.target_id) if row.target_id else None
        if row.delete:
            if target is not None:
                snapshot = {"indicator": target.indicator.code, "year": target.year, "value": str(target.value)}
                plan_record(plan=locked, actor=actor, action="target.delete", target=target,
                             changes={k: [v, None] for k, v in snapshot.items()}, reason=reason)
                changed_years.add(target.year)
                target.delete()
            continue
        values = {"indicator_id": row.indicator_id, "year": row.year, "value": row.value,
                  "baseline": row.baseline, "is_stretch": row.is_stretch, "statement": nfc(row.statement)}
        if target is None:
            order += 1
            target = Target.objects.create(plan=locked, order=order, **values)
            target.reporting_units.set(row.reporting_unit_ids)
            changed_years.add(target.year)
            plan_record(plan=locked, actor=actor, action="target.create", target=target,
                         changes={k: [None, str(v)] for k, v in values.items() if v not in (None, "")},
                         reason=reason)
            continue
        old = {k: getattr(target, k) for k in values}
        old_units = sorted(u.pk for u in target.reporting_units.all())
        changes = {k: [str(old[k]) if old[k] is not None else None, str(v) if v is not None else None]
                   for k, v in values.items() if old[k] != v}
        if old_units != sorted(row.reporting_unit_ids):
            changes["reporting_units"] = [
                [units[u].name for u in old_units], [units[u].name for u in sorted(row.reporting_unit_ids)]]
        if not changes:
            continue
        if changes.keys() & TARGET_ROLLUP_FIELDS:
            changed_years.update({old["year"], row.year})
        for key, value in values.items():
            setattr(target, key, value)
        target.save()
        target.reporting_units.set(row.reporting_unit_ids)
        plan_record(plan=locked, actor=actor, action="target.update", target=target,
                     changes=changes, reason=reason)
        if "statement" in changes and old["statement"]:
            _sentence_follows(plan=locked, actor=actor, old=old["statement"], new=values["statement"],
                              reason=reason)
    plan_rollups_inputs_changed(plan=locked, years=changed_years)
    locked.refresh_from_db()
    return locked
