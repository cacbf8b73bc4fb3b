"""API v1: provinces, communes, units, indicators and plans, read-only (campaigns, API layer).

Every queryset goes through the scoped managers, so a list holds only the caller's communes and
a foreign object is a 404 exactly like a missing one; who sees which unit and province is the
pages' own selector (campaigns.selectors.organisation). The base view is portal.api.base.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _l
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.api import serializers as s
from campaigns.models import (
    Commune,
    Plan,
    PlanSection,
    Province,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    Unit,
)
from campaigns.selectors import organisation as selectors
from portal.access import REVIEWERS
from portal.api.base import PortalAPIView
from portal.api.filters import IntegerFilter, PortalFilterSet, StrictBooleanFilter
from portal.scoping import scopes_disabled
from targets.models import Indicator, Target

# django-filter reads the model's fields through its default manager when a FilterSet class is
# created: the scoped managers refuse that outside a scope, and no tenant row is read.
with scopes_disabled():
    class CommuneFilter(PortalFilterSet):
        province = django_filters.CharFilter(field_name="province__code", help_text="Mã tỉnh")

        class Meta:
            model = Commune
            fields = ["province", "kind"]


    class UnitFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="commune__code", help_text="Mã xã/phường")
        province = django_filters.CharFilter(field_name="commune__province__code", help_text="Mã tỉnh")

        class Meta:
            model = Unit
            fields = ["commune", "province", "kind", "is_active"]


    class IndicatorFilter(PortalFilterSet):
        standard = StrictBooleanFilter(field_name="commune", lookup_expr="isnull",
                                       help_text="true: chỉ số chuẩn quốc gia; false: chỉ số riêng của xã")

        class Meta:
            model = Indicator
            fields = ["standard", "code", "measure", "target_group", "is_key"]


    class PlanFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="commune__code", help_text="Mã xã/phường")
        province = django_filters.CharFilter(field_name="commune__province__code", help_text="Mã tỉnh")
        year = IntegerFilter(method="filter_year", help_text="Kế hoạch có hiệu lực trong năm này")
        updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                                         help_text="Chỉ kế hoạch sửa từ thời điểm này (ISO 8601)")

        class Meta:
            model = Plan
            fields = ["commune", "province", "status", "issuer_kind", "year", "updated_since"]

        def filter_year(self, queryset: QuerySet[Plan], name: str, value: int) -> QuerySet[Plan]:
            return queryset.filter(start_year__lte=value, end_year__gte=value)


class ProvinceList(PortalAPIView):
    """Tỉnh/thành phố của chuyên viên tỉnh."""

    required_roles = REVIEWERS
    serializer_class = s.ProvinceSerializer
    pagination_class = None
    action = "list"

    def get_queryset(self) -> QuerySet[Province]:
        return selectors.province_list(access=self.access)

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())


class ProvinceDetail(PortalAPIView):
    required_roles = REVIEWERS
    serializer_class = s.ProvinceSerializer

    def get(self, request: Request, province_code: str) -> Response:
        return Response(self.get_serializer(selectors.province_get(access=self.access, code=province_code)).data)


class CommuneList(PortalAPIView):
    """Xã/phường trong phạm vi của người dùng."""

    serializer_class = s.CommuneSerializer
    filterset_class = CommuneFilter
    export_columns = (("code", _l("Mã")), ("official_name", _l("Tên")), ("province", _l("Tỉnh")))
    export_title = "xa-phuong"

    def get_queryset(self) -> QuerySet[Commune]:
        return Commune.objects.all()

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class CommuneDetail(PortalAPIView):
    serializer_class = s.CommuneSerializer

    def get(self, request: Request, commune_code: str) -> Response:
        return Response(self.get_serializer(selectors.commune_get(code=commune_code)).data)


class UnitList(PortalAPIView):
    """Đơn vị (báo cáo viên: chỉ đơn vị của mình)."""

    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    export_columns = (("id", _l("Mã")), ("name", _l("Tên đơn vị")), ("kind", _l("Loại")), ("commune", _l("Xã/phường")),
                      ("is_active", _l("Đang hoạt động")))
    export_title = "don-vi"
    cursor_ordering = ("commune_id", "id")

    def get_queryset(self) -> QuerySet[Unit]:
        return selectors.unit_list_visible(access=self.access).select_related("commune")

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class UnitDetail(UnitList):
    action = "retrieve"

    def get(self, request: Request, unit_pk: int) -> Response:  # type: ignore[override]
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=unit_pk)).data)


class IndicatorList(PortalAPIView):
    """Chỉ số: bộ chỉ số chuẩn quốc gia và chỉ số riêng của xã trong phạm vi."""

    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorFilter
    export_columns = (("code", _l("Mã")), ("name", _l("Tên chỉ số")), ("measure", _l("Loại số liệu")),
                      ("unit_of_measure", _l("Đơn vị tính")), ("time_aggregation", _l("Tổng hợp theo thời gian")))
    export_title = "chi-so"

    def get_queryset(self) -> QuerySet[Indicator]:
        return Indicator.objects.select_related("commune")

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class IndicatorDetail(IndicatorList):
    action = "retrieve"

    def get(self, request: Request, indicator_pk: int) -> Response:  # type: ignore[override]
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=indicator_pk)).data)


class PlanList(PortalAPIView):
    """Kế hoạch của các xã/phường trong phạm vi (không kèm nhiệm vụ: xem chi tiết từng kế hoạch)."""

    serializer_class = s.PlanListSerializer
    filterset_class = PlanFilter
    cursor_ordering = ("commune_id", "id")

    def get_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.all()

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


def _plan_detail_queryset() -> QuerySet[Plan]:
    """A plan with everything of its document in a fixed number of queries."""
    return Plan.objects.select_related("commune").prefetch_related(
        "legal_bases", "recipients",
        Prefetch("sections", queryset=PlanSection.objects.order_by("order")),
        Prefetch("targets", queryset=Target.objects.select_related("indicator")
                 .prefetch_related("reporting_units").order_by("order", "year", "id")),
        Prefetch("tasks", queryset=Task.objects.order_by("order").prefetch_related(
            Prefetch("coordinators", queryset=TaskCoordinator.objects.order_by("order")),
            Prefetch("deliverables", queryset=TaskDeliverable.objects.select_related("indicator")
                     .order_by("order")))),
    )


class PlanDetail(PortalAPIView):
    """Một kế hoạch đầy đủ: căn cứ, các mục, chỉ tiêu theo năm, nhiệm vụ, nơi nhận."""

    serializer_class = s.PlanDetailSerializer

    def get(self, request: Request, plan_pk: int, **kwargs: Any) -> Response:
        plan = get_object_or_404(_plan_detail_queryset(), pk=plan_pk)
        return Response(self.get_serializer(plan).data)

