"""The indicator library (national standard + a commune's own) and a plan's targets.

targets sits below campaigns: it names the plan, commune and unit it belongs to by app label
("campaigns.Plan"), never by import, so campaigns can build on it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.scoping import CommuneScopedManager, TenantManager


class Period(models.TextChoices):
    DAY = "day", _("ngày")
    WEEK = "week", _("tuần")
    MONTH = "month", _("tháng")
    QUARTER = "quarter", _("quý")
    YEAR = "year", _("năm")


class TargetGroup(models.TextChoices):
    # The four groups of Quyết định 757/QĐ-BKHCN, plus the seeds' households and others.
    CBCCVC = "cbccvc", _("Cán bộ, công chức, viên chức")
    STUDENTS = "students", _("Học sinh, sinh viên")
    ADULTS = "adults", _("Người dân trưởng thành")
    WORKERS = "workers", _("Người lao động trong doanh nghiệp")
    HOUSEHOLDS = "households", _("Hộ gia đình")
    OTHER = "other", _("Khác")


class Measure(models.TextChoices):
    PERCENT = "percent", _("Tỷ lệ phần trăm")
    COUNT = "count", _("Số lượng")
    LEVEL = "level", _("Mức hiện có")


class TimeAggregation(models.TextChoices):
    SUM = "sum", _("Cộng dồn các quý (luồng)")
    LATEST = "latest", _("Lấy số mới nhất (tồn)")


def is_standard_indicator(commune_id: int | None) -> bool:
    """A national standard indicator belongs to no commune (Indicator.is_standard)."""
    return commune_id is None


class IndicatorManager(CommuneScopedManager["Indicator"]):
    """National indicators for everyone, a commune's own only inside its scope (fail-closed)."""

    def scope_filter(self, queryset: models.QuerySet[Indicator],
                     commune_ids: list[int]) -> models.QuerySet[Indicator]:
        return queryset.filter(Q(commune__isnull=True) | Q(commune__in=commune_ids))


class Indicator(models.Model):
    commune = models.ForeignKey(
        "campaigns.Commune", on_delete=models.CASCADE, null=True, blank=True, related_name="indicators",
        verbose_name=_("xã/phường (chỉ số riêng)"),
    )
    code = models.CharField(_("mã"), max_length=40)
    name = models.CharField(_("tên chỉ số"), max_length=300)
    short_name = models.CharField(_("tên ngắn"), max_length=80)
    description = models.TextField(_("mô tả"), blank=True)
    target_group = models.CharField(_("nhóm đối tượng"), max_length=12, choices=TargetGroup.choices)
    measure = models.CharField(_("loại số liệu"), max_length=10, choices=Measure.choices)
    numerator_label = models.CharField(_("tử số"), max_length=200, blank=True)
    denominator_label = models.CharField(_("mẫu số"), max_length=200, blank=True)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=40)
    decimals = models.PositiveSmallIntegerField(_("số chữ số thập phân"), default=0)
    time_aggregation = models.CharField(_("tổng hợp theo thời gian"), max_length=10,
                                        choices=TimeAggregation.choices)
    is_key = models.BooleanField(_("chỉ số chính"), default=False)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    objects = IndicatorManager()

    class Meta:
        verbose_name = _("chỉ số")
        verbose_name_plural = _("chỉ số")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(commune__isnull=True),
                                    name="indicator_standard_code"),
            models.UniqueConstraint(fields=["commune", "code"], name="indicator_commune_code"),
            models.CheckConstraint(
                name="indicator_percent_has_labels",
                condition=~Q(measure="percent") | (~Q(numerator_label="") & ~Q(denominator_label="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.short_name}"

    @property
    def is_standard(self) -> bool:
        return is_standard_indicator(self.commune_id)

    @property
    def is_percent(self) -> bool:
        return self.measure == Measure.PERCENT


class Target(models.Model):
    """What the plan aims for on one indicator in one year."""

    plan = models.ForeignKey("campaigns.Plan", on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    order = models.PositiveIntegerField(default=0)
    value = models.DecimalField(_("chỉ tiêu"), max_digits=14, decimal_places=2)
    baseline = models.DecimalField(_("số liệu gốc"), max_digits=14, decimal_places=2, null=True,
                                   blank=True)
    is_stretch = models.BooleanField(_("phấn đấu"), default=False)
    per_period_quantity = models.DecimalField(_("định mức mỗi kỳ"), max_digits=12, decimal_places=2,
                                              null=True, blank=True)
    per_period = models.CharField(_("kỳ định mức"), max_length=10, choices=Period.choices,
                                  blank=True)
    statement = models.TextField(_("nội dung chỉ tiêu"), blank=True)
    reporting_units = models.ManyToManyField("campaigns.Unit", related_name="reported_targets", blank=True,
                                             verbose_name=_("đơn vị báo cáo"))

    objects = TenantManager("plan__commune")

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["order", "year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year"], name="target_unique_year"),
            models.CheckConstraint(name="target_value_not_negative", condition=Q(value__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


