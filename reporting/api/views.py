"""API v1: reporting periods, unit reports, commune reports (PDF, acknowledge, return),
rollups and completeness (reporting, API layer).

Thin views: the querysets go through the scoped managers (a reviewer sees their province's
communes, a commune user their commune) and the pages' selectors (a reporter reads their own
unit's reports: reporting.selectors.reports.unit_report_list), the writes call
reporting.services.commune_reports, a PDF comes from reporting.services.documents as on the
pages, the figures from the rollup tables the pages and PDFs read.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.models import Commune
from portal.access import COMMUNE_READERS, REVIEWERS
from portal.api.base import PortalAPIView, require_roles
from portal.api.filters import IntegerFilter, PortalFilterSet, StrictBooleanFilter
from portal.api.pagination import StableCursorPagination
from portal.api.schema import ErrorSerializer
from portal.formats import quarter_of
from portal.scoping import scopes_disabled
from reporting.api import serializers as s
from reporting.deadlines import local_today
from reporting.models import (
    CommuneReport,
    CommuneReportTransition,
    CommuneRollup,
    DocumentKind,
    IndicatorValue,
    ProvinceRollup,
    ReportingPeriod,
    ReportTransition,
    TaskProgress,
    UnitReport,
)
from reporting.rollups.compute import plans_for_year
from reporting.selectors import reports as report_selectors
from reporting.selectors.province_completeness import province_quarter_completeness
from reporting.selectors.rollups import unit_deadline_of
from reporting.services import commune_reports as consolidated
from reporting.services.documents import REFRESH_SECONDS, document_or_enqueue, pdf_response
from targets.status import STATUS_CODES, shown_status_filter

ACCEPTED = 202


# --- Filters ---------------------------------------------------------------------------------


# django-filter reads the model's fields through its default manager when a FilterSet class is
# created: the scoped managers refuse that outside a scope, and no tenant row is read.
with scopes_disabled():
    class PeriodFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="plan__commune__code", help_text="Mã xã/phường")
        plan = IntegerFilter(field_name="plan_id", help_text="Mã kế hoạch (id)")
        province = django_filters.CharFilter(field_name="plan__commune__province__code", help_text="Mã tỉnh")

        class Meta:
            model = ReportingPeriod
            fields = ["commune", "province", "plan", "kind", "year", "quarter"]


    class UnitReportFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="unit__commune__code", help_text="Mã xã/phường")
        province = django_filters.CharFilter(field_name="unit__commune__province__code", help_text="Mã tỉnh")
        unit = IntegerFilter(field_name="unit_id", help_text="Mã đơn vị (id)")
        period = IntegerFilter(field_name="period_id", help_text="Mã kỳ báo cáo (id)")
        year = IntegerFilter(field_name="period__year")
        quarter = IntegerFilter(field_name="period__quarter")
        indicator = django_filters.CharFilter(field_name="values__indicator__code", distinct=True,
                                              help_text="Chỉ báo cáo có số liệu của chỉ số này (mã)")
        updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                                         help_text="Chỉ báo cáo sửa từ thời điểm này (ISO 8601)")

        class Meta:
            model = UnitReport
            fields = ["commune", "province", "unit", "period", "year", "quarter", "state", "indicator",
                      "updated_since"]


    class CommuneReportFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="commune__code", help_text="Mã xã/phường")
        province = django_filters.CharFilter(field_name="commune__province__code", help_text="Mã tỉnh")
        period = IntegerFilter(field_name="period_id", help_text="Mã kỳ báo cáo (id)")
        year = IntegerFilter(field_name="period__year")
        quarter = IntegerFilter(field_name="period__quarter")
        updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                                         help_text="Chỉ báo cáo sửa từ thời điểm này (ISO 8601)")

        class Meta:
            model = CommuneReport
            fields = ["commune", "province", "period", "year", "quarter", "state", "updated_since"]


    class CommuneRollupFilter(PortalFilterSet):
        commune = django_filters.CharFilter(field_name="commune__code", help_text="Mã xã/phường")
        province = django_filters.CharFilter(field_name="commune__province__code", help_text="Mã tỉnh")
        plan = IntegerFilter(field_name="plan_id", help_text="Mã kế hoạch (id)")
        indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Mã chỉ số")
        standard = StrictBooleanFilter(field_name="indicator__commune", lookup_expr="isnull",
                                       help_text="true: chỉ các chỉ số chuẩn quốc gia")
        updated_since = django_filters.IsoDateTimeFilter(field_name="computed_at", lookup_expr="gte",
                                                         help_text="Chỉ số liệu tính lại từ thời điểm này (ISO 8601)")
        # The status as shown (targets.status), not as stored: a filter agrees with the rows.
        status = django_filters.ChoiceFilter(
            choices=[(code, code) for code in sorted(STATUS_CODES)], method="filter_status",
            help_text="Tình trạng như trong kết quả (trường status)")

        def filter_status(self, queryset: QuerySet[CommuneRollup], name: str, value: str) -> QuerySet[CommuneRollup]:
            return queryset.filter(shown_status_filter(value, today=local_today()))

        class Meta:
            model = CommuneRollup
            fields = ["commune", "province", "plan", "indicator", "standard", "year", "quarter", "status",
                      "updated_since"]


    class ProvinceRollupFilter(PortalFilterSet):
        indicator = django_filters.CharFilter(field_name="indicator__code", help_text="Mã chỉ số")
        updated_since = django_filters.IsoDateTimeFilter(field_name="computed_at", lookup_expr="gte")

        class Meta:
            model = ProvinceRollup
            fields = ["indicator", "year", "quarter", "updated_since"]


# --- Periods --------------------------------------------------------------------------------


class PeriodList(PortalAPIView):
    """Kỳ báo cáo (theo quý hoặc đột xuất) của các kế hoạch trong phạm vi."""

    serializer_class = s.PeriodSerializer
    filterset_class = PeriodFilter
    export_columns = (("id", _l("Mã kỳ")), ("commune", _l("Xã/phường")), ("title", _l("Kỳ báo cáo")), ("year", _l("Năm")),
                      ("quarter", _l("Quý")), ("unit_deadline", _l("Hạn đơn vị nộp")),
                      ("commune_deadline", _l("Hạn báo cáo tổng hợp")), ("locks_on", _l("Khóa nhập liệu")))
    export_title = "ky-bao-cao"
    cursor_ordering = ("plan__commune_id", "id")

    def get_queryset(self) -> QuerySet[ReportingPeriod]:
        return ReportingPeriod.objects.select_related("plan__commune")

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class PeriodDetail(PeriodList):
    action = "retrieve"

    def get(self, request: Request, period_pk: int) -> Response:  # type: ignore[override]
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=period_pk)).data)


# --- Unit reports ---------------------------------------------------------------------------


class ReportPagination(StableCursorPagination):
    # A report carries all its values and task progress (~2.6 kB each): a smaller default page.
    page_size = 25


class UnitReportList(PortalAPIView):
    """Báo cáo quý của các đơn vị, kèm số liệu từng chỉ số và tiến độ nhiệm vụ."""

    serializer_class = s.UnitReportSerializer
    filterset_class = UnitReportFilter
    pagination_class = ReportPagination
    export_columns = (("id", _l("Mã báo cáo")), ("commune", _l("Xã/phường")), ("unit_name", _l("Đơn vị")), ("year", _l("Năm")),
                      ("quarter", _l("Quý")), ("state", _l("Trạng thái")), ("first_submitted_at", _l("Gửi lần đầu")),
                      ("accepted_at", _l("Chấp nhận lúc")), ("highlights", _l("Kết quả nổi bật")),
                      ("difficulties", _l("Khó khăn, vướng mắc")), ("proposals", _l("Đề xuất, kiến nghị")))
    export_title = "bao-cao-don-vi"
    cursor_ordering = ("unit__commune_id", "id")

    def get_queryset(self) -> QuerySet[UnitReport]:
        return report_selectors.unit_report_list(access=self.access)

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class UnitReportDetail(PortalAPIView):
    """Một báo cáo đơn vị với lịch sử chuyển trạng thái."""

    serializer_class = s.UnitReportDetailSerializer

    def get(self, request: Request, report_pk: int) -> Response:
        reports = report_selectors.unit_report_list(access=self.access).select_related("unit__commune", "period").prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.select_related("indicator").order_by(
                *s.ValueSerializer.Meta.row_ordering)),
            # An explicit queryset: the plain "progress" prefetch rebuilds the scope filter per report.
            Prefetch("progress", queryset=TaskProgress.objects.order_by(*s.ProgressSerializer.Meta.row_ordering)),
            Prefetch("transitions", queryset=ReportTransition.objects.select_related("actor").order_by(
                "created_at", "id")))
        return Response(self.get_serializer(get_object_or_404(reports, pk=report_pk)).data)


# --- Commune reports ------------------------------------------------------------------------


def _commune_reports() -> QuerySet[CommuneReport]:
    return CommuneReport.objects.select_related("commune", "period")


class CommuneReportList(PortalAPIView):
    """Báo cáo tổng hợp quý của xã/phường (dự thảo, đã ban hành, đã tiếp nhận, bị trả lại)."""

    required_roles = COMMUNE_READERS
    serializer_class = s.CommuneReportSerializer
    filterset_class = CommuneReportFilter
    export_columns = (("id", _l("Mã báo cáo")), ("commune_name", _l("Xã/phường")), ("year", _l("Năm")), ("quarter", _l("Quý")),
                      ("state", _l("Trạng thái")), ("number", _l("Số")), ("symbol", _l("Ký hiệu")),
                      ("issue_date", _l("Ngày ban hành")), ("title", _l("Trích yếu")), ("signer_name", _l("Người ký")))
    export_title = "bao-cao-tong-hop"
    cursor_ordering = ("commune_id", "id")

    def get_queryset(self) -> QuerySet[CommuneReport]:
        return _commune_reports()

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


def _commune_report_detail(pk: int) -> CommuneReport:
    return get_object_or_404(_commune_reports().prefetch_related(Prefetch(
        "transitions", queryset=CommuneReportTransition.objects.select_related("actor").order_by("created_at", "id"))),
        pk=pk)


class CommuneReportDetail(PortalAPIView):
    required_roles = COMMUNE_READERS
    serializer_class = s.CommuneReportDetailSerializer

    def get(self, request: Request, commune_report_pk: int) -> Response:
        return Response(self.get_serializer(_commune_report_detail(commune_report_pk)).data)


class CommuneReportPdf(PortalAPIView):
    """The report's PDF: the frozen one once issued, a fresh render of a draft."""

    required_roles = COMMUNE_READERS
    serializer_class = None

    @extend_schema(operation_id="commune_reports_pdf", responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp PDF"),
        202: OpenApiResponse(ErrorSerializer, description="Đang tạo tệp PDF: gọi lại sau số giây trong Retry-After")},
        parameters=[OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[202],
                                     description="Số giây nên chờ trước khi gọi lại")])
    def get(self, request: Request, commune_report_pk: int) -> Any:
        report = get_object_or_404(_commune_reports(), pk=commune_report_pk)
        document = document_or_enqueue(kind=DocumentKind.COMMUNE_REPORT, source=report)
        if document is None:
            return Response({"detail": _("Tệp PDF đang được tạo, hãy gọi lại sau ít giây.")}, status=ACCEPTED,
                            headers={"Retry-After": str(REFRESH_SECONDS)})
        return pdf_response(document, filename=f"bao-cao-tong-hop-{report.pk}.pdf")


class _ReviewerDecision(PortalAPIView):
    """A reviewer's decision on an issued report. A commune user who can read the report gets
    403; anyone outside the scope 404, as everywhere."""

    required_roles = REVIEWERS
    readable_by = COMMUNE_READERS
    post_only = True

    def decide(self, request: Request, commune_report_pk: int,
               service: Callable[..., CommuneReport]) -> Response:
        """Validate the body, then ``service(report=…, actor=…, version=…, **other fields)``."""
        report = get_object_or_404(_commune_reports(), pk=commune_report_pk)
        require_roles(self, REVIEWERS)
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service(report=report, actor=request.user, **payload.validated_data)
        return Response(s.CommuneReportDetailSerializer(_commune_report_detail(report.pk),
                                                        context=self.get_serializer_context()).data)


class CommuneReportAcknowledge(_ReviewerDecision):
    """Tỉnh tiếp nhận báo cáo đã ban hành (ghi nhật ký, gửi thư cho quản trị xã)."""

    serializer_class = s.AcknowledgeSerializer

    @extend_schema(request=s.AcknowledgeSerializer, responses={200: s.CommuneReportDetailSerializer})
    def post(self, request: Request, commune_report_pk: int) -> Response:
        return self.decide(request, commune_report_pk, consolidated.commune_report_acknowledge)


class CommuneReportReturn(_ReviewerDecision):
    """Tỉnh trả lại báo cáo đã ban hành kèm lý do (ghi nhật ký, gửi thư cho quản trị xã)."""

    serializer_class = s.ReturnSerializer

    @extend_schema(request=s.ReturnSerializer, responses={200: s.CommuneReportDetailSerializer})
    def post(self, request: Request, commune_report_pk: int) -> Response:
        return self.decide(request, commune_report_pk, consolidated.commune_report_return)


# --- Rollups and completeness ---------------------------------------------------------------


ROLLUP_COLUMNS = (("year", _l("Năm")), ("quarter", _l("Quý")), ("indicator", _l("Mã chỉ số")), ("indicator_name", _l("Chỉ số")),
                  ("value", _l("Giá trị quý")), ("ytd_value", _l("Lũy kế năm")))


class CommuneRollupList(PortalAPIView):
    """Số liệu tổng hợp của xã/phường theo chỉ số và quý (từ các báo cáo đơn vị đã chấp nhận)."""

    required_roles = COMMUNE_READERS
    serializer_class = s.CommuneRollupSerializer
    filterset_class = CommuneRollupFilter
    export_columns = (("commune", _l("Mã xã")), ("commune_name", _l("Xã/phường")), ("plan", _l("Kế hoạch")), *ROLLUP_COLUMNS,
                      ("target", _l("Chỉ tiêu năm")), ("expected", _l("Mức cần đạt")), ("achievement", _l("Tỷ lệ đạt (%)")),
                      ("status", _l("Tình trạng")), ("units_reported", _l("Đơn vị đã báo cáo")),
                      ("units_expected", _l("Đơn vị phải báo cáo")), ("completeness", _l("Đầy đủ (%)")))
    export_title = "tong-hop-xa"
    cursor_ordering = ("commune_id", "id")

    def get_queryset(self) -> QuerySet[CommuneRollup]:
        # The quarter's unit deadline beside each row: its status is shown as the pages show it.
        return CommuneRollup.objects.annotate(unit_deadline=unit_deadline_of())

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


class ProvinceRollupList(PortalAPIView):
    """Số liệu tổng hợp của tỉnh theo chỉ số và quý (chỉ chuyên viên tỉnh)."""

    required_roles = REVIEWERS
    serializer_class = s.ProvinceRollupSerializer
    filterset_class = ProvinceRollupFilter
    export_columns = (*ROLLUP_COLUMNS, ("communes_reported", _l("Xã đã báo cáo")), ("communes_expected", _l("Số xã")),
                      ("units_reported", _l("Đơn vị đã báo cáo")), ("units_expected", _l("Đơn vị phải báo cáo")),
                      ("communes_at_risk", _l("Xã có nguy cơ chậm")))
    export_title = "tong-hop-tinh"

    def get_queryset(self) -> QuerySet[ProvinceRollup]:
        # ProvinceRollup is not tenant data by itself: the reviewer's own province only.
        return ProvinceRollup.objects.filter(province=self.access.province)

    def get(self, request: Request) -> Response:
        return self.list_response(self.get_queryset())

    action = "list"


def _pct(part: int, whole: int) -> float | None:
    return float(round(Decimal(100 * part) / whole, 1)) if whole else None


class CompletenessList(PortalAPIView):
    """Mức đầy đủ và đúng hạn của báo cáo đơn vị, từng xã/phường, trong một quý."""

    required_roles = COMMUNE_READERS
    serializer_class = s.CompletenessSerializer
    pagination_class = None
    action = "list"
    export_columns = (("commune", _l("Mã xã")), ("commune_name", _l("Xã/phường")), ("year", _l("Năm")), ("quarter", _l("Quý")),
                      ("expected", _l("Đơn vị phải báo cáo")), ("received", _l("Đã gửi")), ("on_time", _l("Đúng hạn")),
                      ("accepted", _l("Đã chấp nhận")), ("completeness", _l("Đầy đủ (%)")), ("timeliness", _l("Đúng hạn (%)")))
    export_title = "muc-do-day-du"

    @extend_schema(parameters=[
        OpenApiParameter("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
                         description="Năm (mặc định: năm hiện tại)"),
        OpenApiParameter("quarter", {"type": "integer", "minimum": 1, "maximum": 4},
                         description="Quý 1–4 (mặc định: quý hiện tại)"),
        OpenApiParameter("province", str, description="Mã tỉnh"),
        OpenApiParameter("commune", str, description="Mã xã/phường")],
        responses={200: s.CompletenessSerializer(many=True)})
    def get(self, request: Request) -> Response:
        year, quarter = self._quarter(request)
        communes = self.get_queryset()
        if request.query_params.get("province"):
            communes = communes.filter(province__code=request.query_params["province"])
        if request.query_params.get("commune"):
            communes = communes.filter(code=request.query_params["commune"])
        communes_list = list(communes)
        plan_ids = plans_for_year(commune_ids=[c.pk for c in communes_list], year=year)
        tallies = province_quarter_completeness(plan_ids, year, quarter)
        rows = []
        for commune in communes_list:
            expected, received, on_time, accepted = tallies.get(commune.pk, (0, 0, 0, 0))
            rows.append({"commune": commune.code, "commune_name": commune.official_name, "year": year,
                         "quarter": quarter, "expected": expected, "received": received, "on_time": on_time,
                         "accepted": accepted, "completeness": _pct(received, expected),
                         "timeliness": _pct(on_time, expected)})
        return Response(self.get_serializer(rows, many=True).data)

    def get_queryset(self) -> QuerySet[Commune]:
        return Commune.objects.order_by("code")

    @staticmethod
    def _quarter(request: Request) -> tuple[int, int]:
        today = local_today()
        errors: dict[str, str] = {}
        values = {"year": today.year, "quarter": quarter_of(today)}
        for name, low, high in (("year", 2000, 2100), ("quarter", 1, 4)):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if not raw.isdigit() or not low <= int(raw) <= high:
                errors[name] = _("Phải là số nguyên từ %(low)d đến %(high)d.") % {"low": low, "high": high}
            else:
                values[name] = int(raw)
        if errors:
            raise exceptions.ValidationError(errors)
        return values["year"], values["quarter"]

