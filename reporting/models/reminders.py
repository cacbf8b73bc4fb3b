"""The reminder log: one row per report and reason, so a reminder never goes out twice.
Models layer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Unit
from portal.scoping import TenantManager
from reporting.models.periods import ReportingPeriod


class ReminderReason(models.TextChoices):
    BEFORE_DEADLINE = "before_deadline", _("Sắp đến hạn")
    ON_DEADLINE = "on_deadline", _("Đến hạn hôm nay")
    OVERDUE = "overdue", _("Quá hạn")
    RETURNED = "returned", _("Báo cáo bị trả lại")
    ACCEPTED = "accepted", _("Báo cáo được chấp nhận")


class Reminder(models.Model):
    """The log that keeps a reminder from going out twice for the same report and reason."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reminders")
    reason = models.CharField(_("lý do"), max_length=20, choices=ReminderReason.choices)
    # Distinguishes events of one reason: the transition id for returned/accepted, "" otherwise.
    event_key = models.CharField(max_length=40, blank=True, default="")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("unit__commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "reason", "event_key"],
                                    name="reminder_once_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.reason}"
