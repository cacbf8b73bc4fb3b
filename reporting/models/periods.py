"""Reporting periods (a plan's quarters and ad-hoc requests, with their dates) and the lock
exceptions that let one unit keep entering data after a period locked. Models layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Unit
from campaigns.models.plans import Plan
from portal.scoping import TenantManager


class PeriodKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Báo cáo quý")
    ADHOC = "adhoc", _("Báo cáo đột xuất")


class ReportingPeriod(models.Model):
    """A quarter of a plan (or an ad-hoc request) with its dates, in Asia/Ho_Chi_Minh days."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(_("loại"), max_length=10, choices=PeriodKind.choices,
                            default=PeriodKind.QUARTERLY)
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), null=True, blank=True)
    title = models.CharField(_("tên kỳ báo cáo"), max_length=200)
    opens_on = models.DateField(_("mở nhập liệu từ"))
    unit_deadline = models.DateField(_("hạn đơn vị nộp"))
    commune_deadline = models.DateField(_("hạn báo cáo tổng hợp"))
    locks_on = models.DateField(_("khóa nhập liệu sau ngày"))

    objects = TenantManager("plan__commune")

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["year", "quarter", "unit_deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "quarter"],
                                    condition=Q(kind="quarterly"), name="period_one_per_quarter"),
            models.CheckConstraint(name="period_quarter_shape",
                                   condition=(Q(kind="quarterly", quarter__gte=1, quarter__lte=4)
                                              | Q(kind="adhoc", quarter__isnull=True))),
            models.CheckConstraint(name="period_dates_ordered",
                                   condition=Q(opens_on__lte=models.F("unit_deadline"),
                                               unit_deadline__lte=models.F("locks_on"))),
        ]

    def __str__(self) -> str:
        return self.title


class LockException(models.Model):
    """Lets one unit keep entering data for a period after it locked, until a date."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="lock_exceptions")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="lock_exceptions")
    until = models.DateField(_("gia hạn đến ngày"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("unit__commune")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.until}"
