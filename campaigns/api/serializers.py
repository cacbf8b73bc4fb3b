"""Read representations of the organisation and the plans (API v1)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from campaigns.models import (
    Commune,
    Plan,
    PlanSection,
    Province,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    Unit,
    commune_official_name,
    province_full_name,
)
from targets.models import Indicator, Target, is_standard_indicator


class ProvinceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Province
        fields = ["id", "code", "name", "kind", "full_name"]
        # How portal.api.rows reads the fields that are not columns.
        row_computed = {"full_name": (("kind", "name"), province_full_name)}


class CommuneSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    province: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    official_name = serializers.CharField(read_only=True)

    class Meta:
        model = Commune
        fields = ["id", "code", "name", "kind", "official_name", "province"]
        row_computed = {"official_name": (("kind", "name"), commune_official_name)}


class UnitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "is_active", "commune"]


class IndicatorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    is_standard = serializers.BooleanField(read_only=True)
    # null for a national standard indicator
    commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "short_name", "description", "target_group", "measure",
                  "numerator_label", "denominator_label", "unit_of_measure", "decimals",
                  "time_aggregation", "is_key", "is_standard", "commune", "order", "is_active"]
        row_computed = {"is_standard": (("commune",), is_standard_indicator)}


class PlanListSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "commune", "status", "version", "issuer_kind", "number", "symbol", "title",
                  "start_year", "end_year", "issue_day", "issue_month", "issue_year", "issued_at",
                  "updated_at"]


class SectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PlanSection
        fields = ["id", "order", "number", "level", "heading", "kind", "body", "unit", "year"]


class TargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    indicator: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reporting_units: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Target
        fields = ["id", "indicator", "year", "value", "baseline", "is_stretch", "per_period_quantity",
                  "per_period", "statement", "reporting_units"]


class CoordinatorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaskCoordinator
        fields = ["unit", "text"]


class DeliverableSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    indicator: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = TaskDeliverable
        fields = ["text", "quantity", "per_period", "indicator"]


class TaskSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    coordinators = CoordinatorSerializer(many=True, read_only=True)
    deliverables = DeliverableSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ["id", "order", "parent", "number", "level", "title", "description", "lead_unit",
                  "lead_text", "timeframe_text", "timeframe_kind", "recurrence", "date_start",
                  "date_end", "quarters", "coordinators", "deliverables"]


class PlanDetailSerializer(PlanListSerializer):
    legal_bases = serializers.SerializerMethodField()
    recipients = serializers.SerializerMethodField()
    sections = SectionSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta(PlanListSerializer.Meta):
        fields = PlanListSerializer.Meta.fields + [
            "parent_body", "issuing_body", "place", "preamble", "closing", "reporting_duty",
            "signer_authority", "signer_deputy", "signer_position", "signer_name", "legal_bases",
            "sections", "targets", "tasks", "recipients", "unit_deadline_day", "commune_deadline_day",
            "lock_after_days", "progress_margin",
        ]

    def get_legal_bases(self, plan: Plan) -> list[str]:
        return [basis.text for basis in plan.legal_bases.all()]

    def get_recipients(self, plan: Plan) -> list[str]:
        return [recipient.text for recipient in plan.recipients.all()]
