"""A commune's plan (KẾ HOẠCH): its header, legal bases, sections, recipients and the
amendments recorded after it was issued. Its tasks are in campaigns/models/tasks.py, its
targets in targets/models.py. Models layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import Commune, Unit
from portal.scoping import TenantManager


class IssuerKind(models.TextChoices):
    UBND = "ubnd", _("Ủy ban nhân dân")
    DANG_UY = "dang_uy", _("Đảng ủy")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")


class TasksLayout(models.TextChoices):
    APPENDIX = "appendix", _("Phụ lục kèm theo")
    INLINE = "inline", _("Trong nội dung kế hoạch")


class Plan(models.Model):
    """A commune's KẾ HOẠCH: the document header, its parts, targets and tasks."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="plans",
                                verbose_name=_("xã/phường"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT)
    # Optimistic lock: every write checks and bumps it, so concurrent edits never lose an update.
    version = models.PositiveIntegerField(default=1, editable=False)
    issuer_kind = models.CharField(_("cơ quan ban hành"), max_length=10, choices=IssuerKind.choices,
                                   default=IssuerKind.UBND)
    parent_body = models.CharField(_("cơ quan chủ quản"), max_length=200, blank=True)
    issuing_body = models.CharField(_("tên cơ quan ban hành"), max_length=200)
    number = models.CharField(_("số"), max_length=20, blank=True)
    symbol = models.CharField(_("ký hiệu"), max_length=40, default="KH-UBND")
    place = models.CharField(_("địa danh"), max_length=100)
    issue_day = models.PositiveSmallIntegerField(_("ngày"), null=True, blank=True)
    issue_month = models.PositiveSmallIntegerField(_("tháng"), null=True, blank=True)
    issue_year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    title = models.TextField(_("trích yếu"))
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    preamble = models.TextField(_("lời dẫn"), blank=True)
    closing = models.TextField(_("đoạn kết"), blank=True)
    reporting_duty = models.TextField(_("chế độ báo cáo"), blank=True)
    signer_authority = models.CharField(_("thẩm quyền ký"), max_length=100, blank=True)
    signer_deputy = models.CharField(_("ký thay"), max_length=100, blank=True)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=100, blank=True)
    tasks_layout = models.CharField(_("trình bày nhiệm vụ"), max_length=10,
                                    choices=TasksLayout.choices, default=TasksLayout.APPENDIX)
    appendix_title = models.TextField(_("tiêu đề phụ lục"), blank=True)
    # As the document writes them (DESIGN.md rule 8); blank means the portal composes them.
    appendix_reference = models.TextField(_("dòng kèm theo của phụ lục"), blank=True)
    recipients_note = models.CharField(_("ghi chú sau “Nơi nhận:”"), max_length=100, blank=True)
    # What the source document lacks (a passage lost in conversion, a missing signer title):
    # one note a line, shown as a warning on the plan page, never printed; issuing asks for it.
    source_gaps = models.TextField(_("phần văn bản còn thiếu"), blank=True)
    # Reporting rules ("định kỳ trước ngày 15 hàng quý …"): month 0 is the quarter's last month,
    # 1 the month after it; a day past the month's end means its last day.
    unit_deadline_day = models.PositiveSmallIntegerField(_("hạn báo cáo của đơn vị (ngày)"), default=15)
    unit_deadline_month_offset = models.PositiveSmallIntegerField(
        _("hạn báo cáo của đơn vị (tháng sau quý)"), default=0)
    commune_deadline_day = models.PositiveSmallIntegerField(_("hạn báo cáo tổng hợp (ngày)"), default=30)
    commune_deadline_month_offset = models.PositiveSmallIntegerField(
        _("hạn báo cáo tổng hợp (tháng sau quý)"), default=0)
    entry_opens_days_before = models.PositiveSmallIntegerField(
        _("mở nhập liệu trước hạn (ngày)"), default=30)
    lock_after_days = models.PositiveSmallIntegerField(_("khóa nhập liệu sau hạn (ngày)"), default=10)
    remind_days_before = models.PositiveSmallIntegerField(_("nhắc trước hạn (ngày)"), default=5)
    progress_margin = models.DecimalField(_("biên an toàn tiến độ (%)"), max_digits=5,
                                          decimal_places=2, default=15)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(_("ngày ban hành trên hệ thống"), null=True, blank=True)

    objects = TenantManager("commune")

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-start_year", "-id"]
        constraints = [
            models.CheckConstraint(name="plan_years_ordered",
                                   condition=Q(start_year__lte=models.F("end_year"))),
            models.CheckConstraint(name="plan_deadline_days_valid",
                                   condition=Q(unit_deadline_day__gte=1, unit_deadline_day__lte=31,
                                               commune_deadline_day__gte=1, commune_deadline_day__lte=31,
                                               unit_deadline_month_offset__lte=2,
                                               commune_deadline_month_offset__lte=2)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def reference(self) -> str:
        """"Số: 12/KH-UBND" (state) or "Số 03-KH/ĐU" (Party), with a blank while unnumbered."""
        number = self.number or "\u2002\u2002\u2002"
        if self.issuer_kind == IssuerKind.DANG_UY:
            return f"Số {number}-{self.symbol}"
        return f"Số: {number}/{self.symbol}"

    @property
    def is_issued(self) -> bool:
        return self.status == PlanStatus.ISSUED


class PlanLegalBasis(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="legal_bases")
    order = models.PositiveIntegerField()
    text = models.TextField(_("căn cứ"))

    objects = TenantManager("plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="legal_basis_order")]

    def __str__(self) -> str:
        return self.text[:60]


class SectionKind(models.TextChoices):
    PURPOSE = "purpose", _("Mục đích")
    REQUIREMENTS = "requirements", _("Yêu cầu")
    TARGETS = "targets", _("Chỉ tiêu")
    CONTENTS = "contents", _("Nội dung")
    TASKS = "tasks", _("Nhiệm vụ, giải pháp")
    BUDGET = "budget", _("Kinh phí")
    ORGANISATION = "organisation", _("Tổ chức thực hiện")
    OTHER = "other", _("Khác")


class PlanSection(models.Model):
    """An ordered text part of the plan (I., 1., 4.1.), optionally one unit's responsibilities."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField()
    number = models.CharField(_("số thứ tự"), max_length=10, blank=True)
    level = models.PositiveSmallIntegerField(_("cấp"), default=1)
    heading = models.TextField(_("tiêu đề"), blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=SectionKind.choices,
                            default=SectionKind.OTHER)
    body = models.TextField(_("nội dung"), blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="responsibilities", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    # "2. Ban xây dựng Đảng: Định hướng…": the heading opens the first paragraph instead of
    # standing on its own line, as the document writes it.
    run_in = models.BooleanField(_("tiêu đề liền đoạn"), default=False)

    objects = TenantManager("plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="section_order")]

    def __str__(self) -> str:
        return f"{self.number}. {self.heading}"

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.body.split("\n") if line.strip()]


class PlanRecipient(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="recipients")
    order = models.PositiveIntegerField()
    text = models.CharField(_("nơi nhận"), max_length=300)

    objects = TenantManager("plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="recipient_order")]

    def __str__(self) -> str:
        return self.text


class PlanAmendment(models.Model):
    """A recorded change to an issued plan: who, when, why and what changed (old → new)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("lần sửa đổi"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    reason = models.TextField(_("lý do"))
    changes = models.JSONField(_("thay đổi"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager("plan__commune")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="amendment_number")]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number}"
