"""Writes of a plan: create, update, issue; the plan lock and the plan record every plan
write goes through. Keyword-only, validated, transactional, audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import hooks
from campaigns.models import (
    Commune,
    Plan,
    PlanAmendment,
    PlanStatus,
)
from campaigns.selectors.plan_text import plan_issue_missing
from campaigns.selectors.plans import plan_document
from campaigns.services.audit import audit_record
from portal.errors import ConflictError
from portal.text import nfc

User = get_user_model()


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
    """The plan's reporting periods follow its years and deadline rules (campaigns.hooks)."""
    hooks.plan_schedule_changed.send(sender=Plan, plan=plan)


# Plan fields the rollups read: the margin sets the status; the years say which plan carries a
# commune's year (reporting.rollups.compute.plans_for_year).
PLAN_ROLLUP_FIELDS = {"progress_margin", "start_year", "end_year"}
# Target fields the rollups read (the target, its line from the baseline, its units).
TARGET_ROLLUP_FIELDS = {"indicator_id", "year", "value", "baseline", "reporting_units"}


def plan_rollups_inputs_changed(*, plan: Plan, years: Iterable[int]) -> None:
    """The plan's figures of these years have a changed input (campaigns.hooks): every write
    path of campaigns that changes a rollup input calls this one function."""
    hooks.plan_figures_changed.send(sender=Plan, plan=plan, years=sorted(set(years)))


def _clean_value(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


def plan_lock(*, plan: Plan, version: int | None) -> Plan:
    """Lock the plan row and check the version the user edited (lost-update guard)."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if version is not None and locked.version != version:
        raise ConflictError()
    return locked


def plan_record(*, plan: Plan, actor: Any, action: str, target: Any, changes: dict[str, Any],
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
    locked = plan_lock(plan=plan, version=version)
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
    plan_record(plan=locked, actor=actor, action="plan.update", target=locked, changes=changes,
                 reason=reason)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def plan_issue(*, plan: Plan, actor: Any, version: int | None) -> Plan:
    """draft → issued: the number, the full date and the signer must be there, nothing the
    source document lacks may be left open, and every target's sentence must agree with its
    figure (campaigns.plan_text.plan_issue_missing, which the plan page shows first)."""
    locked = plan_lock(plan=plan, version=version)
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








