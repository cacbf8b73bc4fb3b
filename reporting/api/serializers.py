"""Read representations of periods, reports, rollups and completeness (API v1), and the
reviewer's two writes on a commune report."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import commune_official_name
from reporting.models import (
    CommuneReport,
    CommuneReportTransition,
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ProvinceRollup,
    ReportingPeriod,
    ReportTransition,
    TaskProgress,
    UnitReport,
)
from reporting.selectors.rollups import shown_status_on
from targets.status import STATUS_CODES


def commune_report_pdf_url(pk: int) -> str:
    # reverse() once per script prefix, not once per report of a page (a tenth of its work).
    before, after = _pdf_url_parts(get_script_prefix())
    return f"{before}{pk}{after}"


_PK_MARK = 9081726354


@lru_cache(maxsize=8)
def _pdf_url_parts(prefix: str) -> tuple[str, str]:
    before, after = reverse("api_commune_report_pdf", kwargs={"commune_report_pk": _PK_MARK}).split(str(_PK_MARK))
    return before, after


def _shown_status(stored: str, units_reported: int, unit_deadline: date | None) -> str:
    """The status the pages show (targets.status), from a row and its quarter's unit deadline."""
    return shown_status_on(stored=stored, units_reported=units_reported, unit_deadline=unit_deadline)


def units_completeness(reported: int, expected: int) -> float | None:
    """Share of the expected units whose accepted figure is counted, in per cent."""
    if not expected:
        return None
    return round(100 * reported / expected, 1)


class PeriodSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune = serializers.CharField(source="plan.commune.code", read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = ["id", "plan", "commune", "kind", "year", "quarter", "title", "opens_on",
                  "unit_deadline", "commune_deadline", "locks_on"]


class ValueSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    indicator = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "numerator", "denominator", "value", "comment", "source"]
        # A report's values in the plan's order of indicators (campaigns.api.rows, and the
        # report's prefetch in the views).
        row_ordering = ("indicator__order", "indicator__code")


class ProgressSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaskProgress
        fields = ["task", "status", "output_quantity", "narrative"]
        row_ordering = ("task_id",)


class TransitionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ReportTransition
        fields = ["from_state", "to_state", "actor", "reason", "created_at"]


class UnitReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune = serializers.CharField(source="unit.commune.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)
    quarter = serializers.IntegerField(source="period.quarter", read_only=True, allow_null=True)
    values = ValueSerializer(many=True, read_only=True)
    progress = ProgressSerializer(many=True, read_only=True)

    class Meta:
        model = UnitReport
        fields = ["id", "period", "year", "quarter", "commune", "unit", "unit_name", "state", "version",
                  "highlights", "difficulties", "proposals", "first_submitted_at", "submitted_at",
                  "accepted_at", "updated_at", "values", "progress"]


class UnitReportDetailSerializer(UnitReportSerializer):
    history = TransitionSerializer(source="transitions", many=True, read_only=True)

    class Meta(UnitReportSerializer.Meta):
        fields = UnitReportSerializer.Meta.fields + ["history"]


class CommuneTransitionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = CommuneReportTransition
        fields = ["from_state", "to_state", "actor", "reason", "created_at"]


class CommuneReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.official_name", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)
    quarter = serializers.IntegerField(source="period.quarter", read_only=True, allow_null=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = CommuneReport
        fields = ["id", "period", "year", "quarter", "commune", "commune_name", "state", "version",
                  "number", "symbol", "place", "issue_date", "title", "signer_position", "signer_name",
                  "recipients", "issued_at", "updated_at", "document_url"]
        row_computed = {"commune_name": (("commune__kind", "commune__name"), commune_official_name),
                        "document_url": (("id",), commune_report_pdf_url)}

    def get_document_url(self, report: CommuneReport) -> str:
        return commune_report_pdf_url(report.pk)


class CommuneReportDetailSerializer(CommuneReportSerializer):
    history = CommuneTransitionSerializer(source="transitions", many=True, read_only=True)

    class Meta(CommuneReportSerializer.Meta):
        fields = CommuneReportSerializer.Meta.fields + [
            "highlights", "difficulties", "proposals", "next_steps", "signer_authority", "signer_deputy",
            "history"]


class AcknowledgeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.IntegerField(
        min_value=1, help_text=_("Phiên bản báo cáo đã đọc (trường version): chống ghi đè khi báo cáo vừa đổi."))


class ReturnSerializer(AcknowledgeSerializer):
    reason = serializers.CharField(max_length=4000, help_text=_("Lý do trả lại, gửi tới xã/phường."))


class CommuneRollupSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.official_name", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.short_name", read_only=True)
    status = serializers.SerializerMethodField(
        help_text=_("Tình trạng như các trang và báo cáo ghi: “not_due” (chưa đến hạn) trước hạn đơn vị nộp "
                    "báo cáo của quý, “no_data” khi chưa đơn vị nào báo cáo trong quý."))
    completeness = serializers.SerializerMethodField()

    class Meta:
        model = CommuneRollup
        fields = ["id", "plan", "commune", "commune_name", "indicator", "indicator_name", "year", "quarter",
                  "numerator", "denominator", "value", "ytd_numerator", "ytd_denominator", "ytd_value",
                  "target", "expected", "achievement", "status", "units_reported", "units_expected",
                  "completeness", "computed_at"]
        # unit_deadline: annotated by the list's queryset (reporting.selectors.rollups.unit_deadline_of).
        row_computed = {"commune_name": (("commune__kind", "commune__name"), commune_official_name),
                        "status": (("status", "units_reported", "unit_deadline"), _shown_status),
                        "completeness": (("units_reported", "units_expected"), units_completeness)}

    @extend_schema_field(serializers.ChoiceField(choices=sorted(STATUS_CODES)))
    def get_status(self, row: CommuneRollup) -> str:
        if not hasattr(row, "unit_deadline"):  # a row not read through the list's queryset
            row.unit_deadline = ReportingPeriod.objects.filter(  # type: ignore[attr-defined]
                plan_id=row.plan_id, kind=PeriodKind.QUARTERLY, year=row.year, quarter=row.quarter,
            ).values_list("unit_deadline", flat=True).first()
        return _shown_status(row.status, row.units_reported, row.unit_deadline)  # type: ignore[attr-defined]

    def get_completeness(self, row: CommuneRollup) -> float | None:
        return units_completeness(row.units_reported, row.units_expected)



class ProvinceRollupSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    province = serializers.CharField(source="province.code", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.short_name", read_only=True)

    class Meta:
        model = ProvinceRollup
        fields = ["id", "province", "indicator", "indicator_name", "year", "quarter", "numerator",
                  "denominator", "value", "ytd_numerator", "ytd_denominator", "ytd_value",
                  "communes_reported", "communes_expected", "units_reported", "units_expected",
                  "communes_at_risk", "computed_at"]


class CompletenessSerializer(serializers.Serializer):  # type: ignore[type-arg]
    commune = serializers.CharField()
    commune_name = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    expected = serializers.IntegerField(help_text=_("Số đơn vị phải báo cáo"))
    received = serializers.IntegerField(help_text=_("Số báo cáo đã gửi"))
    on_time = serializers.IntegerField(help_text=_("Số báo cáo gửi đúng hạn"))
    accepted = serializers.IntegerField(help_text=_("Số báo cáo đã được chấp nhận"))
    completeness = serializers.FloatField(allow_null=True, help_text=_("Tỷ lệ đầy đủ (%)"))
    timeliness = serializers.FloatField(allow_null=True, help_text=_("Tỷ lệ đúng hạn (%)"))
