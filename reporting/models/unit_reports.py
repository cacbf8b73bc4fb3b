"""A unit's report of a period: its indicator values, task progress, narrative, evidence and
the trail of its review workflow. Models layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Unit
from campaigns.models.tasks import Task
from portal.scoping import TenantManager
from reporting.models.periods import ReportingPeriod
from targets.models import Indicator


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    RETURNED = "returned", _("Trả lại để sửa")


class UnitReport(models.Model):
    """One unit's report for one period: values, task progress, narrative and evidence."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reports")
    state = models.CharField(_("trạng thái"), max_length=10, choices=ReportState.choices,
                             default=ReportState.DRAFT, db_index=True)
    # Optimistic lock: a save carries the version it was edited from (lost-update guard).
    version = models.PositiveIntegerField(default=1)
    highlights = models.TextField(_("kết quả nổi bật"), blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    first_submitted_at = models.DateTimeField(_("gửi lần đầu"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("chấp nhận lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager("unit__commune")

    class Meta:
        verbose_name = _("báo cáo đơn vị")
        verbose_name_plural = _("báo cáo đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="report_one_per_unit_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.period}"

    @property
    def is_editable_state(self) -> bool:
        return self.state in (ReportState.DRAFT, ReportState.RETURNED)


class IndicatorValue(models.Model):
    """A unit's figure for one indicator in one report: counts for percentages (rule 2)."""

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    numerator = models.DecimalField(_("tử số"), max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=14, decimal_places=2, null=True,
                                      blank=True)
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("ghi chú"), blank=True)
    source = models.CharField(_("nguồn số liệu"), max_length=300, blank=True)

    objects = TenantManager("report__unit__commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="value_one_per_indicator"),
            models.CheckConstraint(name="value_not_negative",
                                   condition=(Q(numerator__isnull=True) | Q(numerator__gte=0))
                                   & (Q(denominator__isnull=True) | Q(denominator__gte=0))
                                   & (Q(value__isnull=True) | Q(value__gte=0))),
            models.CheckConstraint(name="value_numerator_within_denominator",
                                   condition=(Q(numerator__isnull=True) | Q(denominator__isnull=True)
                                              | Q(numerator__lte=models.F("denominator")))),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.numerator}/{self.denominator} {self.value}"


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang triển khai")
    DONE = "done", _("Hoàn thành")
    DELAYED = "delayed", _("Chậm tiến độ")


class TaskProgress(models.Model):
    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="progress")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("tình trạng"), max_length=12, choices=TaskStatus.choices, blank=True)
    output_quantity = models.DecimalField(_("số lượng sản phẩm đạt được"), max_digits=12,
                                          decimal_places=2, null=True, blank=True)
    narrative = models.TextField(_("kết quả thực hiện"), blank=True)

    objects = TenantManager("report__unit__commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "task"], name="progress_one_per_task"),
            models.CheckConstraint(name="progress_quantity_not_negative",
                                   condition=Q(output_quantity__isnull=True) | Q(output_quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.status}"


class EvidenceKind(models.TextChoices):
    FILE = "file", _("Tệp đính kèm")
    LINK = "link", _("Đường dẫn")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.report.unit.commune_id}/{instance.report_id}/{filename}"


class Evidence(models.Model):
    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("loại"), max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(_("tệp"), upload_to=evidence_upload_to, blank=True, max_length=300)
    url = models.URLField(_("đường dẫn"), blank=True, max_length=500)
    description = models.CharField(_("mô tả"), max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("report__unit__commune")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="evidence_file_or_link",
                                   condition=(Q(kind="file") & ~Q(file="")) | (Q(kind="link") & ~Q(url=""))),
        ]

    def __str__(self) -> str:
        return self.description or self.url or self.file.name or ""


class ReportTransition(models.Model):
    """Every state change of a report: actor, time, reason (DESIGN.md workflow)."""

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=ReportState.choices)
    to_state = models.CharField(max_length=10, choices=ReportState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    reason = models.TextField(_("lý do"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("report__unit__commune")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
