"""The organisation: provinces, communes (the tenant), their units and who belongs where
(memberships). Models layer."""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.access import Role
from portal.scoping import TenantManager


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

    objects = TenantManager("pk")

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

    objects = TenantManager("commune")

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

    objects = TenantManager("commune")

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


class ProvinceIdRow(TypedDict):
    province_id: int


def province_ids_of(commune_ids: list[int]) -> models.QuerySet[Commune, ProvinceIdRow]:
    """The provinces of these communes, as a subquery (``province__in=``). Read through the
    base manager: it serves the filters of scoped managers, which run inside any scope."""
    return Commune._base_manager.filter(pk__in=commune_ids).values("province_id")
