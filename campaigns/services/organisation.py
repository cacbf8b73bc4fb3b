"""Writes for the organisation: keyword-only, validated, transactional, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import (
    Commune,
    Membership,
    Province,
    Unit,
    diff_fields,
)
from campaigns.services.audit import audit_record
from portal.access import Role
from portal.text import nfc


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
