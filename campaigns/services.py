"""Writes for the organisation: keyword-only, validated, transactional, audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    AuditEntry,
    Commune,
    Membership,
    Plan,
    PlanAmendment,
    PlanSection,
    PlanStatus,
    Province,
    Role,
    Unit,
    diff_fields,
)
from campaigns.plan_selectors import plan_document
from campaigns.plan_text import plan_issue_missing, target_statement_problem
from campaigns.text import nfc

User = get_user_model()


def audit_record(
    *,
    commune: Commune,
    actor: Any,
    action: str,
    target: Any,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        commune=commune,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        changes=changes or {},
        reason=nfc(reason),
    )


@transaction.atomic
def unit_upsert(*, commune: Commune, name: str, kind: str, actor: Any = None) -> Unit:
    """Create the unit, or update its kind; names compare after NFC normalisation."""
    name = nfc(name)
    if not name:
        raise ValidationError({"name": _("Tên đơn vị không được để trống.")})
    unit, created = Unit.objects.get_or_create(commune=commune, name=name, defaults={"kind": kind})
    if created:
        audit_record(commune=commune, actor=actor, action="unit.create", target=unit,
                     changes={"name": [None, name], "kind": [None, kind]})
    elif unit.kind != kind:
        changes = diff_fields({"kind": unit.kind}, {"kind": kind})
        unit.kind = kind
        unit.save(update_fields=["kind"])
        audit_record(commune=commune, actor=actor, action="unit.update", target=unit, changes=changes)
    return unit


UNIT_DETAIL_FIELDS = ("abbreviation", "head_position", "head_name")


@transaction.atomic
def unit_details_set(*, unit: Unit, actor: Any = None, abbreviation: str, head_position: str,
                     head_name: str) -> Unit:
    """What the unit's report prints of it: the abbreviation of its symbols ("VHXH" in
    "Số: 03/BC-VHXH") and its head, who signs it. Stored NFC, audited old → new."""
    new = {"abbreviation": nfc(abbreviation).upper().replace(" ", ""), "head_position": nfc(head_position),
           "head_name": nfc(head_name)}
    errors = {}
    for name, value in new.items():
        limit = getattr(Unit._meta.get_field(name), "max_length", None) or 0
        if len(value) > limit:
            errors[name] = _("Dài tối đa %(n)s ký tự.") % {"n": limit}
    if errors:
        raise ValidationError(errors)
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    changes = diff_fields({name: getattr(locked, name) for name in UNIT_DETAIL_FIELDS}, new)
    if changes:
        for name, value in new.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(new))
        audit_record(commune=locked.commune, actor=actor, action="unit.update", target=locked, changes=changes)
    return locked


@transaction.atomic
def membership_set(
    *,
    user: Any,
    role: str,
    commune: Commune | None = None,
    unit: Unit | None = None,
    province: Province | None = None,
) -> Membership:
    """Give ``user`` exactly one role; the shape of the role is checked before writing."""
    if role == Role.PROVINCE_REVIEWER:
        if province is None or commune is not None or unit is not None:
            raise ValidationError(_("Chuyên viên tỉnh phải gắn với một tỉnh."))
    elif role == Role.UNIT_REPORTER:
        if unit is None:
            raise ValidationError(_("Báo cáo viên phải gắn với một đơn vị."))
        commune = unit.commune
    elif role in (Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER):
        if commune is None or unit is not None:
            raise ValidationError(_("Vai trò này phải gắn với một xã/phường."))
    else:
        raise ValidationError(_("Vai trò không hợp lệ."))
    membership, _created = Membership.objects.update_or_create(
        user=user,
        defaults={"role": role, "commune": commune, "unit": unit,
                  "province": province if role == Role.PROVINCE_REVIEWER else None},
    )
    return membership


# --- Plans --------------------------------------------------------------------------------


class ConflictError(Exception):
    """Someone else saved the same plan or report first; the user must reload (HTTP 409)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Dữ liệu vừa được người khác cập nhật. Vui lòng tải lại trang rồi sửa lại."))


PLAN_RULE_FIELDS = (
    "unit_deadline_day", "unit_deadline_month_offset", "commune_deadline_day",
    "commune_deadline_month_offset", "entry_opens_days_before", "lock_after_days",
    "remind_days_before", "progress_margin",
)
PLAN_HEADER_FIELDS = PLAN_RULE_FIELDS + (
    "issuer_kind", "parent_body", "issuing_body", "number", "symbol", "place", "issue_day",
    "issue_month", "issue_year", "title", "start_year", "end_year", "preamble", "closing",
    "reporting_duty", "signer_authority", "signer_deputy", "signer_position", "signer_name",
    "tasks_layout", "appendix_title",
)


# Fields whose change moves the reporting periods' dates.
PLAN_PERIOD_FIELDS = {
    "start_year", "end_year", "unit_deadline_day", "unit_deadline_month_offset",
    "commune_deadline_day", "commune_deadline_month_offset", "entry_opens_days_before",
    "lock_after_days",
}


def plan_periods_sync(plan: Plan) -> None:
    # Reporting builds on campaigns; import at call time to keep the dependency one-way.
    from reporting.services import reporting_periods_sync

    reporting_periods_sync(plan=plan)


# Plan fields the rollups read: the margin sets the status; the years say which plan carries a
# commune's year (reporting.rollups.plans_for_year).
PLAN_ROLLUP_FIELDS = {"progress_margin", "start_year", "end_year"}
# Target fields the rollups read (the target, its line from the baseline, its units).
TARGET_ROLLUP_FIELDS = {"indicator_id", "year", "value", "baseline", "reporting_units"}


def plan_rollups_inputs_changed(*, plan: Plan, years: Iterable[int]) -> None:
    """The plan's figures of these years have a changed input: marked pending now, recomputed
    after commit (DESIGN.md rule 9).

    Imported at call time: reporting builds on campaigns, and a module-level import of
    reporting here would close the campaigns ↔ reporting cycle (issue 14 replaces this with a
    hook registry). Every write path of campaigns that changes a rollup input calls this one
    function, so the rule lives in one place: reporting.rollup_inputs.
    """
    from reporting.rollup_inputs import rollups_inputs_changed

    for year in sorted(set(years)):
        rollups_inputs_changed(plan_ids=[plan.pk], year=year)


def _clean_value(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


def _plan_lock(*, plan: Plan, version: int | None) -> Plan:
    """Lock the plan row and check the version the user edited (lost-update guard)."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if version is not None and locked.version != version:
        raise ConflictError()
    return locked


def _plan_record(*, plan: Plan, actor: Any, action: str, target: Any, changes: dict[str, Any],
                 reason: str) -> None:
    """Audit every change; an issued plan changes only through a recorded amendment."""
    reason = nfc(reason or "")
    if plan.is_issued:
        if not reason:
            raise ValidationError({"reason": _("Kế hoạch đã ban hành: phải ghi lý do sửa đổi.")})
        number = (plan.amendments.aggregate(models.Max("number"))["number__max"] or 0) + 1
        PlanAmendment.objects.create(
            plan=plan, number=number, actor=actor if getattr(actor, "is_authenticated", False) else None,
            reason=reason, changes={"action": action, "target": f"{target._meta.model_name}#{target.pk}",
                                    "fields": changes})
    audit_record(commune=plan.commune, actor=actor, action=action, target=target,
                 changes=changes, reason=reason)
    Plan.objects.filter(pk=plan.pk).update(version=models.F("version") + 1)


@transaction.atomic
def plan_create(*, commune: Commune, actor: Any, fields: dict[str, Any]) -> Plan:
    data = {k: _clean_value(v) for k, v in fields.items() if k in PLAN_HEADER_FIELDS}
    plan = Plan(commune=commune, **data)
    plan.full_clean()
    plan.save()
    plan_periods_sync(plan)
    audit_record(commune=commune, actor=actor, action="plan.create", target=plan,
                 changes={k: [None, str(v)] for k, v in data.items() if v not in ("", None)})
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, actor: Any, version: int | None, fields: dict[str, Any],
                reason: str = "") -> Plan:
    locked = _plan_lock(plan=plan, version=version)
    new = {k: _clean_value(v) for k, v in fields.items() if k in PLAN_HEADER_FIELDS}
    old = {k: getattr(locked, k) for k in new}
    changes = {k: [str(old[k]) if old[k] is not None else None, str(v) if v is not None else None]
               for k, v in new.items() if old[k] != v}
    if not changes:
        return locked
    old_years = locked.years
    for key, value in new.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save()
    if changes.keys() & PLAN_PERIOD_FIELDS:
        plan_periods_sync(locked)
    if changes.keys() & PLAN_ROLLUP_FIELDS:
        plan_rollups_inputs_changed(plan=locked, years={*old_years, *locked.years})
    _plan_record(plan=locked, actor=actor, action="plan.update", target=locked, changes=changes,
                 reason=reason)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def plan_issue(*, plan: Plan, actor: Any, version: int | None) -> Plan:
    """draft → issued: the number, the full date and the signer must be there, nothing the
    source document lacks may be left open, and every target's sentence must agree with its
    figure (campaigns.plan_text.plan_issue_missing, which the plan page shows first)."""
    locked = _plan_lock(plan=plan, version=version)
    if locked.is_issued:
        raise ValidationError(_("Kế hoạch đã được ban hành."))
    missing = plan_issue_missing(plan_document(plan=locked))
    if missing:
        raise ValidationError(_("Chưa thể ban hành, còn thiếu: %(fields)s.") % {"fields": ", ".join(str(m) for m in missing)})
    locked.status = PlanStatus.ISSUED
    locked.issued_at = timezone.now()
    locked.save(update_fields=["status", "issued_at"])
    audit_record(commune=locked.commune, actor=actor, action="plan.issue", target=locked,
                 changes={"status": [PlanStatus.DRAFT, PlanStatus.ISSUED]})
    # An issued plan carries its commune's years before a draft one (plans_for_year).
    plan_rollups_inputs_changed(plan=locked, years=locked.years)
    Plan.objects.filter(pk=locked.pk).update(version=models.F("version") + 1)
    locked.refresh_from_db()
    return locked


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
            _plan_record(plan=plan, actor=actor, action="section.update", target=section,
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
    from targets.models import Indicator, Measure, Target

    locked = _plan_lock(plan=plan, version=version)
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
                _plan_record(plan=locked, actor=actor, action="target.delete", target=target,
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
            _plan_record(plan=locked, actor=actor, action="target.create", target=target,
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
        _plan_record(plan=locked, actor=actor, action="target.update", target=target,
                     changes=changes, reason=reason)
        if "statement" in changes and old["statement"]:
            _sentence_follows(plan=locked, actor=actor, old=old["statement"], new=values["statement"],
                              reason=reason)
    plan_rollups_inputs_changed(plan=locked, years=changed_years)
    locked.refresh_from_db()
    return locked
