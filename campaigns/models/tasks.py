"""A plan's task table: groups, items and assignable tasks, their coordinators and
deliverables. Models layer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Unit
from campaigns.models.plans import Plan
from portal.scoping import TenantManager
from targets.models import Period


class Recurrence(models.TextChoices):
    CONTINUOUS = "continuous", _("Thường xuyên")
    DAILY = "daily", _("Hàng ngày")
    WEEKLY = "weekly", _("Hàng tuần")
    MONTHLY = "monthly", _("Hàng tháng")
    QUARTERLY = "quarterly", _("Hàng quý")
    YEARLY = "yearly", _("Hàng năm")


class TimeframeKind(models.TextChoices):
    RECURRING = "recurring", _("Định kỳ")
    DATE = "date", _("Ngày cụ thể")
    QUARTERS = "quarters", _("Theo quý")
    RANGE = "range", _("Khoảng thời gian")
    EXTERNAL = "external", _("Theo lịch bên ngoài")
    NONE = "", _("Không ghi")


class Task(models.Model):
    """A row of the task table: a group (I), an item (1) or an assignable task (-, +)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveIntegerField()
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children")
    number = models.CharField(_("STT"), max_length=10, blank=True)
    level = models.PositiveSmallIntegerField(_("cấp"), default=3)
    title = models.TextField(_("nhiệm vụ, giải pháp"))
    description = models.TextField(_("mô tả"), blank=True)
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="led_tasks", verbose_name=_("cơ quan chủ trì"))
    lead_text = models.CharField(_("cơ quan chủ trì (cụm từ)"), max_length=300, blank=True)
    timeframe_text = models.CharField(_("thời gian thực hiện"), max_length=300, blank=True)
    timeframe_kind = models.CharField(max_length=10, choices=TimeframeKind.choices, blank=True)
    recurrence = models.CharField(max_length=12, choices=Recurrence.choices, blank=True)
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    quarters = models.JSONField(default=list, blank=True)  # ["2025-Q4", "2026-Q1"]

    objects = TenantManager("plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="task_order")]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:60]}"

    @property
    def lead_display(self) -> str:
        unit = self.lead_unit  # no query when there is no lead unit
        return unit.name if unit is not None else self.lead_text

    @property
    def is_assignable(self) -> bool:
        return bool(self.lead_unit_id or self.lead_text)


class TaskCoordinator(models.Model):
    """A coordinating unit of a task, or a collective phrase ("Các cơ quan, đơn vị"), in order."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="coordinators")
    order = models.PositiveIntegerField()
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="coordinated_tasks")
    text = models.CharField(max_length=300, blank=True)

    objects = TenantManager("task__plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "order"], name="coordinator_order"),
            models.CheckConstraint(name="coordinator_unit_or_text",
                                   condition=Q(unit__isnull=False) | ~Q(text="")),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        unit = self.unit  # no query when the coordinator is a phrase
        return unit.name if unit is not None else self.text


class TaskDeliverable(models.Model):
    """A product or result of a task; a quantity may count towards an output indicator."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="deliverables")
    order = models.PositiveIntegerField()
    text = models.TextField(_("sản phẩm/kết quả"))
    quantity = models.DecimalField(_("số lượng"), max_digits=12, decimal_places=2, null=True,
                                   blank=True)
    per_period = models.CharField(_("mỗi"), max_length=10, choices=Period.choices, blank=True)
    indicator = models.ForeignKey("targets.Indicator", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="deliverables")

    objects = TenantManager("task__plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["task", "order"], name="deliverable_order")]

    def __str__(self) -> str:
        return self.text[:60]
