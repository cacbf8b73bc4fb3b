"""Writes for the organisation: keyword-only, validated, transactional, audited."""

from __future__ import annotations

from typing import Any

from campaigns.models import (
    AuditEntry,
    Commune,
)
from portal.text import nfc


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
