"""Writes for the organisation: keyword-only, validated, transactional, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import AuditEntry, Commune, Membership, Province, Role, Unit, diff_fields
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
