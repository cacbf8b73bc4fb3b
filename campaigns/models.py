"""The organisation (provinces, communes, units, memberships) and the audit trail.

Plans and tasks live in campaigns/plans.py models module (imported below) once they exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.scoping import tenant_manager


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

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        prefix = "Tỉnh" if self.kind == "tinh" else "Thành phố"
        return f"{prefix} {self.name}"


class CommuneKind(models.TextChoices):
    XA = "xa", _("Xã")
    PHUONG = "phuong", _("Phường")
    DAC_KHU = "dac_khu", _("Đặc khu")


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
        """"Phường Ba Ngòi", "Xã Sơn Kim 1", "Đặc khu Phú Quốc"."""
        return f"{self.get_kind_display()} {self.name}"


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

    objects = tenant_manager("commune")

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="unit_unique_name_per_commune")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COMMUNE_ADMIN = "commune_admin", _("Quản trị xã/phường")
    COMMUNE_VIEWER = "commune_viewer", _("Xem số liệu xã/phường")
    UNIT_REPORTER = "unit_reporter", _("Báo cáo viên đơn vị")
    PROVINCE_REVIEWER = "province_reviewer", _("Chuyên viên tỉnh")


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
