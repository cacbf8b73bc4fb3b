"""Reporting periods, unit reports (values, task progress, narrative, evidence), the review
workflow and its trail, lock exceptions and the reminder log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import Commune, Plan, Task, Unit
from portal.scoping import CommuneScopedManager, tenant_manager
from targets.models import Indicator
from targets.status import RollupStatus


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

    objects = tenant_manager("plan__commune")

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

    objects = tenant_manager("unit__commune")

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

    objects = tenant_manager("report__unit__commune")

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

    objects = tenant_manager("report__unit__commune")

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

    objects = tenant_manager("report__unit__commune")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="evidence_file_or_link",
                                   condition=(Q(kind="file") & ~Q(file="")) | (Q(kind="link") & ~Q(url=""))),
        ]

    def __str__(self) -> str:
        return self.description or self.url or self.file.name


class ReportTransition(models.Model):
    """Every state change of a report: actor, time, reason (DESIGN.md workflow)."""

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=ReportState.choices)
    to_state = models.CharField(max_length=10, choices=ReportState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    reason = models.TextField(_("lý do"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager("report__unit__commune")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class LockException(models.Model):
    """Lets one unit keep entering data for a period after it locked, until a date."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="lock_exceptions")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="lock_exceptions")
    until = models.DateField(_("gia hạn đến ngày"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager("unit__commune")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.until}"


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

    objects = tenant_manager("unit__commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "reason", "event_key"],
                                    name="reminder_once_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.reason}"


class CommuneRollup(models.Model):
    """One indicator of one plan in one quarter, from the accepted unit reports (rule 2).

    Written whole per (plan, year, quarter) in one transaction, so a rerun or a redelivered
    task replaces the same rows and nothing is ever counted twice.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rollups")
    commune = models.ForeignKey("campaigns.Commune", on_delete=models.CASCADE, related_name="rollups")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="commune_rollups")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    # The quarter: sums over the units whose report of the quarter was accepted.
    numerator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    # Year to date: flows add up, stocks keep the latest quarter with data.
    ytd_numerator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    ytd_denominator = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    ytd_value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    expected = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    achievement = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    status = models.CharField(max_length=10, choices=RollupStatus.choices)
    units_reported = models.PositiveIntegerField(default=0)
    units_expected = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = tenant_manager("commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year", "quarter"],
                                    name="commune_rollup_key"),
        ]
        indexes = [models.Index(fields=["year", "quarter", "indicator"])]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.indicator_id} {self.year}Q{self.quarter}"


def _provinces_of(commune_ids: list[int]) -> models.QuerySet[Any]:
    return Commune._base_manager.filter(pk__in=commune_ids).values("province_id")


class DocumentManager(CommuneScopedManager["RenderedDocument"]):
    """A commune's documents inside its scope; a province summary inside the scope of any of
    the province's communes (a reviewer's scope). Raises with no scope, like tenant managers."""

    def scope_filter(self, queryset: models.QuerySet[RenderedDocument],
                     commune_ids: list[int]) -> models.QuerySet[RenderedDocument]:
        return queryset.filter(Q(commune__in=commune_ids)
                               | Q(commune__isnull=True, province__in=_provinces_of(commune_ids)))


class ProvinceRollupManager(CommuneScopedManager["ProvinceRollup"]):
    """A province's rollups inside the scope of any of its communes (a reviewer's scope)."""

    def scope_filter(self, queryset: models.QuerySet[ProvinceRollup],
                     commune_ids: list[int]) -> models.QuerySet[ProvinceRollup]:
        return queryset.filter(province__in=_provinces_of(commune_ids))


class ProvinceRollup(models.Model):
    """One standard indicator across the communes of a province in one quarter.

    Province-level data: seen inside the scope of any commune of the province.
    """

    province = models.ForeignKey("campaigns.Province", on_delete=models.CASCADE, related_name="rollups")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="province_rollups")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    numerator = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    ytd_numerator = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    ytd_denominator = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    ytd_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    communes_reported = models.PositiveIntegerField(default=0)
    communes_expected = models.PositiveIntegerField(default=0)
    units_reported = models.PositiveIntegerField(default=0)
    units_expected = models.PositiveIntegerField(default=0)
    communes_at_risk = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = ProvinceRollupManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "indicator", "year", "quarter"],
                                    name="province_rollup_key"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.indicator_id} {self.year}Q{self.quarter}"


class RollupInputs(models.Model):
    """When one plan's figures of one quarter last had an input change, and how far the
    rollups have caught up (DESIGN.md rule 9: a figure is never older than its inputs).

    A writer that changes an input (a target, its reporting units, a report entering or
    leaving "accepted") bumps ``inputs_version`` in its own transaction, under this row's lock;
    the recompute it enqueues after commit ends by raising ``computed_version`` to the version
    the writer saw. Versions, not timestamps: the lock orders writers by commit, so when the
    recompute for version v runs every change up to v is committed and read, whereas a
    writer's clock is read before its commit. Pending is ``computed_version < inputs_version``.
    Kept per plan (a commune may have a Party and a People's Committee plan) with the commune
    beside it for the tenant scope; the selectors answer per commune.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rollup_inputs")
    commune = models.ForeignKey("campaigns.Commune", on_delete=models.CASCADE, related_name="rollup_inputs")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    inputs_version = models.PositiveIntegerField(default=0)
    inputs_changed_at = models.DateTimeField(null=True)
    computed_version = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True)

    objects = tenant_manager("commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "quarter"], name="rollup_inputs_key"),
            models.CheckConstraint(name="rollup_inputs_quarter", condition=Q(quarter__gte=1, quarter__lte=4)),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.year}Q{self.quarter}: {self.computed_version}/{self.inputs_version}"

    @property
    def is_pending(self) -> bool:
        return self.computed_version < self.inputs_version


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

    objects = tenant_manager("commune")

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

    objects = tenant_manager("report__commune")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


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
