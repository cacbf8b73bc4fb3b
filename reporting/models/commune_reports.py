"""The commune's consolidated quarterly report and the trail of its workflow with the
province. Models layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.scoping import TenantManager
from reporting.models.periods import ReportingPeriod


class CommuneReportState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")
    ACKNOWLEDGED = "acknowledged", _("Tỉnh đã tiếp nhận")
    RETURNED = "returned", _("Tỉnh trả lại")


class CommuneReport(models.Model):
    """The commune's consolidated quarterly report (BÁO CÁO kết quả thực hiện Phong trào …).

    draft → issued (PDF rendered and frozen, signer recorded) → acknowledged | returned by the
    province (reason required) → (returned) draft …
    """

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="commune_reports")
    commune = models.ForeignKey("campaigns.Commune", on_delete=models.CASCADE, related_name="commune_reports")
    state = models.CharField(_("trạng thái"), max_length=12, choices=CommuneReportState.choices,
                             default=CommuneReportState.DRAFT)
    version = models.PositiveIntegerField(default=1)
    number = models.CharField(_("số"), max_length=20, blank=True)
    symbol = models.CharField(_("ký hiệu"), max_length=40, default="BC-UBND")
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    issue_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    title = models.TextField(_("trích yếu"), blank=True)
    highlights = models.TextField(_("kết quả nổi bật"), blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    next_steps = models.TextField(_("nhiệm vụ trọng tâm thời gian tới"), blank=True)
    recipients = models.JSONField(_("nơi nhận"), default=list, blank=True)
    signer_authority = models.CharField(_("thẩm quyền ký"), max_length=100, blank=True)
    signer_deputy = models.CharField(_("ký thay"), max_length=100, blank=True)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=100, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager("commune")

    class Meta:
        verbose_name = _("báo cáo tổng hợp của xã/phường")
        verbose_name_plural = _("báo cáo tổng hợp của xã/phường")
        constraints = [
            models.UniqueConstraint(fields=["period"], name="commune_report_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} — {self.period}"


class CommuneReportTransition(models.Model):
    report = models.ForeignKey(CommuneReport, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=CommuneReportState.choices)
    to_state = models.CharField(max_length=12, choices=CommuneReportState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    reason = models.TextField(_("lý do"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("report__commune")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
