"""The audit trail: who changed what (old → new), when and why. Models layer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Commune
from portal.scoping import TenantManager


class AuditEntry(models.Model):
    """Who changed what (old → new), when and why: one row per write or transition."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("xã/phường")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("hành động"), max_length=60)
    target_type = models.CharField(_("đối tượng"), max_length=60)
    target_id = models.BigIntegerField(_("mã đối tượng"))
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)

    objects = TenantManager("commune")

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


def diff_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}
