"""Rendered documents: a stored PDF, its checksum and the data version it was made from.
Models layer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import province_ids_of
from portal.scoping import CommuneScopedManager


class DocumentManager(CommuneScopedManager["RenderedDocument"]):
    """A commune's documents inside its scope; a province summary inside the scope of any of
    the province's communes (a reviewer's scope). Raises with no scope, like tenant managers."""

    def scope_filter(self, queryset: models.QuerySet[RenderedDocument],
                     commune_ids: list[int]) -> models.QuerySet[RenderedDocument]:
        return queryset.filter(Q(commune__in=commune_ids)
                               | Q(commune__isnull=True, province__in=province_ids_of(commune_ids)))


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("Kế hoạch")
    UNIT_REPORT = "unit_report", _("Báo cáo của đơn vị")
    COMMUNE_REPORT = "commune_report", _("Báo cáo tổng hợp của xã/phường")
    PROVINCE_SUMMARY = "province_summary", _("Báo cáo tổng hợp của tỉnh")


def document_upload_to(instance: RenderedDocument, filename: str) -> str:
    return f"documents/{instance.kind}/{instance.commune_id or 'province'}/{filename}"


class RenderedDocument(models.Model):
    """A stored PDF: its checksum and the data version it was made from.

    Stale is derived, never stored: a document is stale when the source's current data
    version differs from ``data_version``. A frozen document (an issued report) is kept as it
    was signed and is never re-rendered.
    """

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    commune = models.ForeignKey("campaigns.Commune", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="documents")
    province = models.ForeignKey("campaigns.Province", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="documents")
    file = models.FileField(upload_to=document_upload_to, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveIntegerField(default=0)
    data_version = models.CharField(max_length=64)
    is_frozen = models.BooleanField(default=False)
    rendered_at = models.DateTimeField()

    objects = DocumentManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_source"),
            models.CheckConstraint(name="document_owner",
                                   condition=Q(commune__isnull=False) | Q(province__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"
