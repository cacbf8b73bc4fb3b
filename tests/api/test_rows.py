"""Lists read from values() rows (campaigns.api.rows) answer exactly what the serializers say,
and the keyset cursors walk every row once, forwards and backwards.

Every paginated list endpoint is compared with DRF's own representation of the same objects
(the serializer over model instances, nested lists prefetched in the serializer's
``row_ordering``): same keys, same values, same text for decimals and date-times.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Prefetch
from django.urls import resolve
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from campaigns.api.rows import RowReader, row_reader
from campaigns.models import CommuneKind, Unit, UnitKind
from portal.scoping import scopes_disabled, tenant_scope
from reporting.models import (
    IndicatorValue,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    TaskProgress,
    UnitReport,
)
from tests.api.conftest import api_client
from tests.api.test_query_counts import CASES, Case
from tests.conftest import World
from tests.factories import CommuneFactory

pytestmark = [pytest.mark.django_db]

LISTS = [case for case in CASES if case.name not in ("plan-detail", "unit-report-detail")]


def _drf(view_class: Any, ids: list[int], request: Any) -> list[dict[str, Any]]:
    """DRF's representation of the objects with these ids, in this order."""
    serializer_class = view_class.serializer_class
    model = serializer_class.Meta.model
    prefetch = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, serializers.ListSerializer):
            assert isinstance(field.child, serializers.ModelSerializer)
            child = type(field.child)
            child_model: type[Model] = child.Meta.model
            prefetch.append(Prefetch(field.source or name, queryset=child_model._default_manager.order_by(
                *getattr(child.Meta, "row_ordering", ("pk",)))))
    objects = model.objects.prefetch_related(*prefetch).in_bulk(ids)
    data = serializer_class([objects[pk] for pk in ids], many=True, context={"request": request}).data
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("case", [c for c in LISTS if c.name != "completeness"], ids=lambda c: c.name)
def test_every_list_answers_what_its_serializer_says(world: World, case: Case) -> None:
    with scopes_disabled():
        case.add(world, 12)
        url = case.url(world)
    user = getattr(world, case.user)
    response = api_client(user).get(url)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) >= 12
    view = resolve(url.split("?")[0]).func
    assert hasattr(view, "view_class")  # a class-based view's as_view()
    view_class = view.view_class
    from campaigns.selectors.access import resolve_access

    with tenant_scope(resolve_access(user).commune_ids):
        expected = _drf(view_class, [row["id"] for row in rows], response.wsgi_request)
    assert rows == expected


def test_awkward_values_read_from_rows_as_drf_shows_them(world: World) -> None:
    """An ad-hoc period (no quarter), empty numbers, decimals with trailing zeros, a ward and a
    special zone, a late-night submission in UTC shown in Vietnam's time."""
    with scopes_disabled():
        ward = CommuneFactory(province=world.province_p, code="phuong-z", kind=CommuneKind.PHUONG, name="Zê")
        zone = CommuneFactory(province=world.province_p, code="dk-z", kind=CommuneKind.DAC_KHU, name="Đảo")
        adhoc = ReportingPeriod.objects.create(
            plan=world.plan_a, kind=PeriodKind.ADHOC, year=2026, title="Báo cáo đột xuất", opens_on=date(2026, 5, 1),
            unit_deadline=date(2026, 5, 10), commune_deadline=date(2026, 5, 20), locks_on=date(2026, 5, 30))
        late = datetime(2026, 5, 10, 16, 59, 59, 123456, tzinfo=ZoneInfo("UTC"))  # 23:59:59 in Vietnam
        report = UnitReport.objects.create(period=adhoc, unit=world.unit_a2, state=ReportState.SUBMITTED,
                                           first_submitted_at=late, submitted_at=late)
        from targets.models import Indicator

        indicator = Indicator.objects.filter(commune__isnull=True).order_by("order").first()
        assert indicator is not None
        IndicatorValue.objects.create(report=report, indicator=indicator, numerator=D("12.50"), denominator=None,
                                      value=D("0"), comment="")
        TaskProgress.objects.create(report=report, task=world.task_a, status="", output_quantity=None)
    client = api_client(world.reviewer_p)
    reports = client.get(f"/api/v1/unit-reports/?period={adhoc.pk}").json()["results"]
    assert reports == [reports[0]] and reports[0]["quarter"] is None
    assert reports[0]["first_submitted_at"] == "2026-05-10T23:59:59.123456+07:00"
    assert reports[0]["values"] == [{"indicator": indicator.code, "numerator": "12.50", "denominator": None,
                                      "value": "0.00", "comment": "", "source": ""}]
    assert reports[0]["progress"] == [{"task": world.task_a.pk, "status": "", "output_quantity": None,
                                       "narrative": ""}]
    from reporting.api.views import UnitReportList

    with tenant_scope([world.commune_a.pk, world.commune_b.pk, ward.pk, zone.pk]):
        assert reports == _drf(UnitReportList, [report.pk], None)
    names = {c["code"]: c["official_name"] for c in client.get("/api/v1/communes/").json()["results"]}
    assert names["phuong-z"] == "Phường Zê" and names["dk-z"] == "Đặc khu Đảo"


# --- What a reader refuses -----------------------------------------------------------------------


class _Method(serializers.ModelSerializer):
    caption = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "caption"]


class _Property(serializers.ModelSerializer):
    commune_name = serializers.CharField(source="commune.official_name")

    class Meta:
        model = Unit
        fields = ["id", "commune_name"]


class _Object(serializers.ModelSerializer):
    commune = serializers.CharField()  # str(commune): a related object, not a column

    class Meta:
        model = Unit
        fields = ["id", "commune"]


@pytest.mark.parametrize("serializer_class", [_Method, _Property, _Object], ids=lambda c: c.__name__)
def test_a_field_that_is_not_a_column_must_be_declared(serializer_class: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=serializer_class.__name__):
        _ = RowReader(serializer_class).lookups


def test_every_list_serializer_of_the_api_compiles() -> None:
    from config.api_urls import urlpatterns

    for pattern in urlpatterns:
        view_class = getattr(pattern.callback, "view_class", None)
        serializer_class = getattr(view_class, "serializer_class", None)
        if getattr(view_class, "action", None) == "list" and isinstance(serializer_class, type) and issubclass(
                serializer_class, serializers.ModelSerializer):
            assert row_reader(serializer_class).lookups


# --- Keyset cursors --------------------------------------------------------------------------------


def _walk(client: Any, url: str) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    pages: list[str] = []
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        pages.append(url)
        url = body["next"]
    return ids, pages


def test_cursors_walk_every_row_once_in_commune_order_and_back(world: World) -> None:
    with scopes_disabled():
        for commune in (world.commune_b, world.commune_a):  # B's units get the lower ids
            Unit.objects.bulk_create([Unit(commune=commune, name=f"Thôn {commune.code} {n}", kind=UnitKind.VILLAGE)
                                      for n in range(7)])
        expected = list(Unit.objects.filter(commune__province=world.province_p)
                        .order_by("commune_id", "id").values_list("id", flat=True))
    client = api_client(world.reviewer_p)
    ids, pages = _walk(client, "/api/v1/units/?page_size=3")
    assert ids == expected and len(pages) == -(-len(expected) // 3)
    # Back from the last page: the same rows, page by page.
    body = client.get(pages[-1]).json()
    back: list[int] = [row["id"] for row in body["results"]]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        back = [row["id"] for row in body["results"]] + back
    assert back == expected


def test_rows_added_while_reading_are_not_read_twice(world: World) -> None:
    with scopes_disabled():
        Unit.objects.bulk_create([Unit(commune=world.commune_a, name=f"Tổ {n}", kind=UnitKind.VILLAGE)
                                  for n in range(4)])
    client = api_client(world.admin_a)
    first = client.get("/api/v1/units/?page_size=2").json()
    with scopes_disabled():
        Unit.objects.create(commune=world.commune_a, name="Tổ mới", kind=UnitKind.VILLAGE)
    ids = [row["id"] for row in first["results"]] + _walk(client, first["next"])[0]
    assert len(ids) == len(set(ids))
    with scopes_disabled():
        assert sorted(ids) == sorted(Unit.objects.filter(commune=world.commune_a).values_list("id", flat=True))


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode("ascii")).decode("ascii")


@pytest.mark.parametrize("position", ["p=1", "p=1.2.3", "p=x.1", "p=%C2%B2.1", "o=5&p=1.1",
                                      "p=99999999999999999999.1", "garbage"])
def test_a_tampered_cursor_is_a_404_never_a_500(world: World, position: str) -> None:
    cursor = _cursor(position) if position != "garbage" else "!!"
    response = api_client(world.admin_a).get(f"/api/v1/units/?cursor={cursor}")
    assert response.status_code == 404
    assert "Con trỏ trang" in response.json()["detail"]


def test_a_cursor_past_the_end_is_an_empty_page_that_leads_back(world: World) -> None:
    with scopes_disabled():
        last = Unit.objects.filter(commune=world.commune_a).order_by("-id").first()
    assert last is not None
    response = api_client(world.admin_a).get(f"/api/v1/units/?cursor={_cursor(f'p={world.commune_a.pk}.{last.pk}')}")
    body = response.json()
    assert body["results"] == [] and body["next"] is None and body["previous"]


def test_a_page_of_unit_reports_reads_its_values_for_the_whole_page(world: World,
                                                                    django_assert_max_num_queries: Any) -> None:
    """The values and progress of a page: one query each, by the page's keys, not by scope."""
    with scopes_disabled():
        case = next(c for c in CASES if c.name == "unit-reports")
        case.add(world, 6)
    client = api_client(world.reviewer_p)
    client.get("/api/v1/unit-reports/")
    with django_assert_max_num_queries(6) as captured:
        assert len(client.get("/api/v1/unit-reports/").json()["results"]) == 7
    values_sql = next(q["sql"] for q in captured.captured_queries if "reporting_indicatorvalue" in q["sql"])
    assert "campaigns_unit" not in values_sql  # no join back to the commune: the parents are in scope


def test_children_are_never_read_outside_a_scope(world: World) -> None:
    from django_scopes.exceptions import ScopeError

    from reporting.api.serializers import UnitReportSerializer

    reader = row_reader(UnitReportSerializer)
    with pytest.raises(ScopeError):
        reader.represent([{**dict.fromkeys(reader.lookups), "pk": world.report_a.pk}])


def test_deadline_day_ends_at_midnight_in_vietnam() -> None:
    from reporting.deadlines import day_end, local_day, on_time

    end = day_end(date(2026, 3, 15))
    assert end == datetime(2026, 3, 15, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert local_day(end - timedelta(microseconds=1)) == date(2026, 3, 15) and local_day(end) == date(2026, 3, 16)
    assert on_time(end - timedelta(microseconds=1), date(2026, 3, 15)) and not on_time(end, date(2026, 3, 15))


def test_the_json_renderer_writes_what_drf_writes() -> None:
    from django.utils.translation import gettext_lazy
    from rest_framework.exceptions import ErrorDetail

    from portal.api.renderers import PortalJSONRenderer

    data = {"tên": "Xã Sơn Kim 1 — “Bình dân học vụ số”", "lazy": gettext_lazy("Tiếng Việt"),
            "error": [ErrorDetail("Phải là số nguyên.", code="invalid")], "decimal": D("12.50"),
            "when": datetime(2026, 3, 15, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), "day": date(2026, 3, 15),
            "utc": datetime(2026, 3, 15, 2, 30, 1, 123456, tzinfo=ZoneInfo("UTC")), "naive": datetime(2026, 1, 1, 8),  # noqa: DTZ001 - DRF writes naive ones too
            "float": 37.5, "none": None, "bool": True, "big": 2**40, "line": "a\u2028b\u2029c", "nested": [[{}]]}
    assert PortalJSONRenderer().render(data) == JSONRenderer().render(data)
    assert PortalJSONRenderer().render(data, "application/json; indent=2") == JSONRenderer().render(
        data, "application/json; indent=2")


def test_a_row_keeps_the_serializers_order_of_fields(world: World) -> None:
    from reporting.api.serializers import CommuneRollupSerializer

    with scopes_disabled():
        next(c for c in CASES if c.name == "rollups-communes").add(world, 2)
    row = api_client(world.reviewer_p).get("/api/v1/rollups/communes/").json()["results"][0]
    assert list(row) == CommuneRollupSerializer.Meta.fields
