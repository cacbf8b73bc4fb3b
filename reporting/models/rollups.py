"""Rollups: a commune's indicators per plan and quarter, a province's across its communes, and
the inputs version that says whether they are up to date (DESIGN.md rule 9). Models layer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.organisation import province_ids_of
from campaigns.models.plans import Plan
from portal.scoping import CommuneScopedManager, TenantManager
from targets.models import Indicator


class RollupStatus(models.TextChoices):
    REACHED = "reached", _("Đã đạt")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    AT_RISK = "at_risk", _("Có nguy cơ chậm")
    OFF_TRACK = "off_track", _("Chậm tiến độ")
    NO_DATA = "no_data", _("Chưa có số liệu")
    NO_TARGET = "no_target", _("Không có chỉ tiêu")


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

    objects = TenantManager("commune")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year", "quarter"],
                                    name="commune_rollup_key"),
        ]
        indexes = [models.Index(fields=["year", "quarter", "indicator"])]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.indicator_id} {self.year}Q{self.quarter}"


class ProvinceRollupManager(CommuneScopedManager["ProvinceRollup"]):
    """A province's rollups inside the scope of any of its communes (a reviewer's scope)."""

    def scope_filter(self, queryset: models.QuerySet[ProvinceRollup],
                     commune_ids: list[int]) -> models.QuerySet[ProvinceRollup]:
        return queryset.filter(province__in=province_ids_of(commune_ids))


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

    objects = TenantManager("commune")

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
