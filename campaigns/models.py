"""The organisation (provinces, communes, units, memberships) and the audit trail.

Plans and tasks live in campaigns/plans.py models module (imported below) once they exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import Role
from portal.scoping import tenant_manager
from targets.models import Period


class Province(models.Model):
    """A province (tỉnh) or centrally-run city; reference data, visible to everyone."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(
        _("loại"),
        max_length=20,
        choices=[("tinh", _("Tỉnh")), ("thanh_pho", _("Thành phố"))],
        default="tinh",
    )
    # The department that reviews the campaign and signs the province summary (usually the
    # Sở Khoa học và Công nghệ): its name, the abbreviation of its document symbols
    # ("BC-SKHCN") and its signer, as Nghị định 30/2020 prints them.
    agency_name = models.CharField(_("cơ quan tổng hợp"), max_length=200,
                                   default="Sở Khoa học và Công nghệ")
    agency_abbreviation = models.CharField(
        _("ký hiệu viết tắt của cơ quan tổng hợp"), max_length=20, default="SKHCN",
        help_text=_("Dùng trong số, ký hiệu văn bản, ví dụ SKHCN trong “Số: 05/BC-SKHCN”."))
    agency_signer_deputy = models.CharField(
        _("thẩm quyền ký"), max_length=100, blank=True,
        help_text=_("Khi cấp phó ký thay, ví dụ “KT. GIÁM ĐỐC”; để trống khi người đứng đầu ký."))
    agency_signer_position = models.CharField(_("chức vụ người ký"), max_length=100, blank=True,
                                              help_text=_("Ví dụ: Phó Giám đốc."))
    agency_signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return province_full_name(self.kind, self.name)


def province_full_name(kind: str, name: str) -> str:
    """"Tỉnh Khánh Hòa", "Thành phố Đà Nẵng" (Province.full_name)."""
    prefix = "Tỉnh" if kind == "tinh" else "Thành phố"
    return f"{prefix} {name}"


class CommuneKind(models.TextChoices):
    XA = "xa", _("Xã")
    PHUONG = "phuong", _("Phường")
    DAC_KHU = "dac_khu", _("Đặc khu")


# The kind as it is written in a commune's proper name (never translated, unlike the labels).
OFFICIAL_KIND_NAMES = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}


def commune_official_name(kind: str, name: str) -> str:
    """The official name of a commune of this kind and name (Commune.official_name)."""
    return f"{OFFICIAL_KIND_NAMES.get(kind, '')} {name}".strip()


class Commune(models.Model):
    """A commune, ward or special zone: the tenant."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("tỉnh")
    )
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=CommuneKind.choices)
    name = models.CharField(_("tên"), max_length=100)

    objects = tenant_manager("pk")

    class Meta:
        verbose_name = _("xã/phường")
        verbose_name_plural = _("xã/phường")
        constraints = [
            models.UniqueConstraint(fields=["province", "name", "kind"], name="commune_unique_name")
        ]

    def __str__(self) -> str:
        return self.official_name

    @property
    def official_name(self) -> str:
        """"Phường Ba Ngòi", "Xã Sơn Kim 1", "Đặc khu Phú Quốc": a proper name, the same in every
        interface language (documents print it as is)."""
        return commune_official_name(self.kind, self.name)


class UnitKind(models.TextChoices):
    OFFICE = "office", _("Phòng, ban chuyên môn")
    PEOPLE_COMMITTEE = "people_committee", _("Ủy ban nhân dân")
    POLICE = "police", _("Công an")
    SCHOOL = "school", _("Trường học")
    UNION = "union", _("Mặt trận, đoàn thể")
    VILLAGE = "village", _("Thôn, tổ dân phố")
    CDT_TEAM = "cdt_team", _("Tổ công nghệ số cộng đồng")
    ENTERPRISE = "enterprise", _("Doanh nghiệp, hợp tác xã")
    PARTY = "party", _("Cơ quan Đảng")
    CENTER = "center", _("Trung tâm")
    STEERING = "steering", _("Ban chỉ đạo")
    HEALTH = "health", _("Y tế")
    OTHER = "other", _("Khác")


class Unit(models.Model):
    """A unit of a commune that carries out tasks and reports each quarter."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="units", verbose_name=_("xã/phường")
    )
    kind = models.CharField(_("loại"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # What the unit's own report prints: "Số: 03/BC-VHXH" and its head's signature block.
    abbreviation = models.CharField(
        _("ký hiệu viết tắt"), max_length=20, blank=True,
        help_text=_("Dùng trong số, ký hiệu văn bản của đơn vị, ví dụ VHXH trong “Số: 03/BC-VHXH”."))
    head_position = models.CharField(_("chức vụ thủ trưởng"), max_length=100, blank=True,
                                     help_text=_("Người ký báo cáo của đơn vị, ví dụ: Trưởng phòng."))
    head_name = models.CharField(_("họ tên thủ trưởng"), max_length=100, blank=True)

    objects = tenant_manager("commune")

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="unit_unique_name_per_commune")
        ]

    def __str__(self) -> str:
        return self.name




class Membership(models.Model):
    """How a user belongs to the portal: one role, in one commune, unit or province."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("người dùng"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name=_("xã/phường"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name=_("đơn vị"),
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name=_("tỉnh"),
    )

    objects = tenant_manager("commune")

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        constraints = [
            # Commune roles need a commune, the reporter also a unit, the reviewer a province.
            models.CheckConstraint(
                name="membership_role_shape",
                condition=(
                    Q(role__in=["commune_admin", "commune_viewer"], commune__isnull=False,
                      unit__isnull=True, province__isnull=True)
                    | Q(role="unit_reporter", commune__isnull=False, unit__isnull=False,
                        province__isnull=True)
                    | Q(role="province_reviewer", commune__isnull=True, unit__isnull=True,
                        province__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


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

    objects = tenant_manager("commune")

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


# --- Plans ---------------------------------------------------------------------------------


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

    objects = tenant_manager("commune")

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

    objects = tenant_manager("plan__commune")

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

    objects = tenant_manager("plan__commune")

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

    objects = tenant_manager("plan__commune")

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

    objects = tenant_manager("plan__commune")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="amendment_number")]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number}"


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

    objects = tenant_manager("plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="task_order")]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:60]}"

    @property
    def lead_display(self) -> str:
        return self.lead_unit.name if self.lead_unit_id else self.lead_text

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

    objects = tenant_manager("task__plan__commune")

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
        return self.unit.name if self.unit_id else self.text




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

    objects = tenant_manager("task__plan__commune")

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["task", "order"], name="deliverable_order")]

    def __str__(self) -> str:
        return self.text[:60]


class ApiToken(models.Model):
    """A personal API token: the user names it, it expires, they can revoke it.

    Only a SHA-256 digest of the secret is stored: the token is a 256-bit random string, so a
    fast digest is enough (no dictionary to guess from) and lets a request be authenticated
    with one indexed lookup. The prefix is kept in clear so the user can tell tokens apart.
    Not tenant data: a token belongs to a user, and the user's membership decides the scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("người dùng"))
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("tiền tố"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()
