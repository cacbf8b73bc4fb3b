"""N+1 guards for the API: every list (and the two detail views that nest lists) runs the same
number of queries with 10 rows as with 100, in JSON and as an Excel export (STYLE.md: "at two
page sizes, with the same count"; DESIGN.md: "constant in queries per page").

Each case grows its own rows (bulk_create inside scopes_disabled, spread over two communes of
province P where the endpoint allows), asks the API through a personal token, and checks the
response really holds 10, then 100 rows before comparing the counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from campaigns.models import (
    Commune,
    Plan,
    PlanLegalBasis,
    PlanRecipient,
    PlanSection,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    Unit,
    UnitKind,
)
from portal.scoping import scopes_disabled
from reporting.models import (
    CommuneReport,
    CommuneReportState,
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ProvinceRollup,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskProgress,
    UnitReport,
)
from reporting.services.periods import reporting_periods_sync
from targets.models import Indicator, Measure, Target, TargetGroup, TimeAggregation
from targets.status import RollupStatus
from tests.api.conftest import api_client
from tests.conftest import World
from tests.factories import CommuneFactory, PlanFactory

SMALL, LARGE = 10, 100
_serial = itertools.count(1)


def serial() -> int:
    """Unique suffixes for names and codes across every builder of a test."""
    return next(_serial)


# --- Builders: each adds ``count`` rows that the case's URL lists --------------------------------


def _plan_b(world: World) -> Plan:
    plan = Plan.objects.filter(commune=world.commune_b).first()
    if plan is None:
        plan = PlanFactory(commune=world.commune_b)
        reporting_periods_sync(plan=plan)
    return plan


def _indicators(commune: Commune, count: int) -> list[Indicator]:
    """The commune's own indicators: percentages (with labels), counts and stocks in turn."""
    rows = []
    for _ in range(count):
        n = serial()
        measure = (Measure.PERCENT, Measure.COUNT, Measure.LEVEL)[n % 3]
        rows.append(Indicator(
            commune=commune, code=f"RIENG_{n}", name=f"Chỉ số riêng số {n}", short_name=f"Riêng {n}",
            target_group=TargetGroup.ADULTS, measure=measure, unit_of_measure="%" if measure == Measure.PERCENT else "người",
            numerator_label="Số người đạt" if measure == Measure.PERCENT else "",
            denominator_label="Tổng số người" if measure == Measure.PERCENT else "",
            time_aggregation=TimeAggregation.SUM if measure == Measure.COUNT else TimeAggregation.LATEST, order=n))
    Indicator.objects.bulk_create(rows)
    return list(Indicator.objects.filter(code__in=[i.code for i in rows], commune=commune))


def _units(commune: Commune, count: int) -> list[Unit]:
    names = [f"Thôn thử nghiệm {serial()}" for _ in range(count)]
    Unit.objects.bulk_create([Unit(commune=commune, name=name, kind=UnitKind.VILLAGE, is_active=bool(i % 5))
                              for i, name in enumerate(names)])
    return list(Unit.objects.filter(commune=commune, name__in=names))


def _halves(world: World, count: int) -> Iterator[tuple[Commune, int]]:
    """Rows spread over communes A and B (B gets the odd one)."""
    yield world.commune_a, count // 2
    yield world.commune_b, count - count // 2


def add_communes(world: World, count: int) -> None:
    for _ in range(count):
        CommuneFactory(province=world.province_p)


def add_units(world: World, count: int) -> None:
    _units(world.commune_a, count)


def add_indicators(world: World, count: int) -> None:
    _indicators(world.commune_a, count)


def add_plans(world: World, count: int) -> None:
    for commune, part in _halves(world, count):
        for _ in range(part):
            PlanFactory(commune=commune, number=str(serial()))


def _detail_plan(world: World) -> Plan:
    plan = Plan.objects.filter(commune=world.commune_a, title="Kế hoạch đo số truy vấn").first()
    return plan or PlanFactory(commune=world.commune_a, title="Kế hoạch đo số truy vấn")


def add_plan_parts(world: World, count: int) -> None:
    """Tasks (with coordinators and deliverables), targets (with reporting units), sections,
    legal bases and recipients of one plan: ``count`` of each."""
    plan = _detail_plan(world)
    start = Task.objects.filter(plan=plan).count()
    units = _units(world.commune_a, 2)
    indicators = _indicators(world.commune_a, count)
    Task.objects.bulk_create([
        Task(plan=plan, order=start + i + 1, number="-", level=3, title=f"Nhiệm vụ số {start + i + 1}",
             lead_unit=units[i % 2], timeframe_text="Thường xuyên", timeframe_kind="recurring",
             recurrence="continuous") for i in range(count)])
    tasks = list(Task.objects.filter(plan=plan, order__gt=start).order_by("order"))
    TaskCoordinator.objects.bulk_create(
        [TaskCoordinator(task=t, order=1, unit=units[0]) for t in tasks]
        + [TaskCoordinator(task=t, order=2, text="Các cơ quan, đơn vị có liên quan") for t in tasks])
    TaskDeliverable.objects.bulk_create([
        TaskDeliverable(task=t, order=1, text="Lớp học", quantity=D(3), indicator=indicators[i])
        for i, t in enumerate(tasks)])
    Target.objects.bulk_create([Target(plan=plan, indicator=indicator, year=2026, value=D(50), order=start + i)
                                for i, indicator in enumerate(indicators)])
    for target in Target.objects.filter(plan=plan, indicator__in=indicators):
        target.reporting_units.set(units)
    PlanSection.objects.bulk_create([PlanSection(plan=plan, order=start + i + 1, number=str(start + i + 1),
                                                 heading="Mục đích", body="Nội dung", unit=units[i % 2])
                                     for i in range(count)])
    PlanLegalBasis.objects.bulk_create([PlanLegalBasis(plan=plan, order=start + i + 1, text=f"Căn cứ số {i}")
                                        for i in range(count)])
    PlanRecipient.objects.bulk_create([PlanRecipient(plan=plan, order=start + i + 1, text=f"Nơi nhận {i}")
                                       for i in range(count)])


def add_adhoc_periods(world: World, count: int) -> None:
    plans = {world.commune_a: world.plan_a, world.commune_b: _plan_b(world)}
    day = date(2026, 5, 1)
    ReportingPeriod.objects.bulk_create([
        ReportingPeriod(plan=plans[commune], kind=PeriodKind.ADHOC, year=2026, title=f"Báo cáo đột xuất {serial()}",
                        opens_on=day, unit_deadline=day + timedelta(days=10),
                        commune_deadline=day + timedelta(days=20), locks_on=day + timedelta(days=30))
        for commune, part in _halves(world, count) for _ in range(part)])


def add_unit_reports(world: World, count: int) -> None:
    """Accepted reports of Q1 2026 from new units of A and B, each with three values (a
    percentage, a count, a stock), the progress of one task and two transitions."""
    standard = list(Indicator.objects.filter(commune__isnull=True).order_by("order", "code")[:3])
    now = timezone.now()
    for commune, part in _halves(world, count):
        plan = world.plan_a if commune == world.commune_a else _plan_b(world)
        period = ReportingPeriod.objects.get(plan=plan, year=2026, quarter=1)
        task = Task.objects.filter(plan=plan).first() or Task.objects.create(
            plan=plan, order=1, number="-", title="Mở lớp học", timeframe_text="Thường xuyên")
        units = _units(commune, part)
        UnitReport.objects.bulk_create([
            UnitReport(period=period, unit=unit, state=ReportState.ACCEPTED, version=3, highlights="Đã mở lớp",
                       first_submitted_at=now, submitted_at=now, accepted_at=now) for unit in units])
        reports = list(UnitReport.objects.filter(unit__in=units))
        _report_rows(reports, standard, [task], actor=world.admin_a)


def _report_rows(reports: list[UnitReport], indicators: list[Indicator], tasks: list[Task], *, actor: Any) -> None:
    IndicatorValue.objects.bulk_create([
        IndicatorValue(report=report, indicator=indicator, comment="Theo sổ theo dõi", source="Thôn",
                       **({"numerator": D(30), "denominator": D(100)} if indicator.is_percent else {"value": D(7)}))
        for report in reports for indicator in indicators])
    TaskProgress.objects.bulk_create([
        TaskProgress(report=report, task=task, status="in_progress", output_quantity=D(2), narrative="Đang làm")
        for report in reports for task in tasks])
    ReportTransition.objects.bulk_create([
        ReportTransition(report=report, from_state=before, to_state=after, actor=actor)
        for report in reports for before, after in (("draft", "submitted"), ("submitted", "accepted"))])


def add_report_parts(world: World, count: int) -> None:
    """``count`` more values, task progress rows and transitions on report_a."""
    report = world.report_a
    indicators = _indicators(world.commune_a, count)
    start = Task.objects.filter(plan=world.plan_a).order_by("-order").values_list("order", flat=True).first() or 0
    Task.objects.bulk_create([Task(plan=world.plan_a, order=start + i + 1, title=f"Nhiệm vụ {start + i + 1}",
                                   lead_unit=world.unit_a) for i in range(count)])
    tasks = list(Task.objects.filter(plan=world.plan_a, order__gt=start))
    IndicatorValue.objects.bulk_create([IndicatorValue(report=report, indicator=i, value=D(5)) for i in indicators])
    TaskProgress.objects.bulk_create([TaskProgress(report=report, task=t, status="done") for t in tasks])
    actors = [world.admin_a, world.reporter_a, None]
    ReportTransition.objects.bulk_create([ReportTransition(report=report, from_state="draft", to_state="submitted",
                                                           actor=actors[i % 3]) for i in range(count)])


def add_commune_reports(world: World, count: int) -> None:
    add_adhoc_periods(world, count)
    periods = ReportingPeriod.objects.filter(kind=PeriodKind.ADHOC, commune_reports=None).select_related("plan")
    now = timezone.now()
    CommuneReport.objects.bulk_create([
        CommuneReport(period=p, commune_id=p.plan.commune_id, state=CommuneReportState.ISSUED, number=str(p.pk),
                      title=p.title, issue_date=date(2026, 6, 1), signer_name="Nguyễn Văn Hòa",
                      recipients=["Sở Khoa học và Công nghệ"], issued_at=now, issued_by=world.admin_a)
        for p in periods])


def _rollup_key() -> tuple[int, int]:
    """A (year, quarter) no other row of the test uses."""
    n = serial()
    return 2026 + n // 4, n % 4 + 1


def add_commune_rollups(world: World, count: int) -> None:
    plans = {world.commune_a: world.plan_a, world.commune_b: _plan_b(world)}
    indicators = list(Indicator.objects.filter(commune__isnull=True).order_by("order", "code")[:2])
    now = timezone.now()
    rows = []
    for commune, part in _halves(world, count):
        for i in range(part):
            if i % 2 == 0:
                year, quarter = _rollup_key()
            rows.append(CommuneRollup(
                plan=plans[commune], commune=commune, indicator=indicators[i % 2], year=year, quarter=quarter,
                numerator=D(30), denominator=D(100), value=D(30), ytd_numerator=D(30), ytd_denominator=D(100),
                ytd_value=D(30), target=D(80), expected=D(20), achievement=D("37.5"), status=RollupStatus.ON_TRACK,
                units_reported=2, units_expected=3, computed_at=now))
    CommuneRollup.objects.bulk_create(rows)


def add_province_rollups(world: World, count: int) -> None:
    indicators = list(Indicator.objects.filter(commune__isnull=True).order_by("order", "code")[:2])
    now = timezone.now()
    rows = []
    for i in range(count):
        if i % 2 == 0:
            year, quarter = _rollup_key()
        rows.append(ProvinceRollup(
            province=world.province_p, indicator=indicators[i % 2], year=year, quarter=quarter, numerator=D(300),
            denominator=D(1000), value=D(30), ytd_numerator=D(300), ytd_denominator=D(1000), ytd_value=D(30),
            communes_reported=2, communes_expected=2, units_reported=4, units_expected=6, communes_at_risk=1,
            computed_at=now))
    ProvinceRollup.objects.bulk_create(rows)


def add_reporting_communes(world: World, count: int) -> None:
    """Communes of P with a plan, its Q1 2026 period, two units expected by a target, one of
    which has submitted: completeness has something to count in every commune."""
    adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS")
    now = timezone.now()
    for _ in range(count):
        commune = CommuneFactory(province=world.province_p)
        plan = PlanFactory(commune=commune)
        reporting_periods_sync(plan=plan)
        units = _units(commune, 2)
        Target.objects.create(plan=plan, indicator=adults, year=2026, value=D(80)).reporting_units.set(units)
        UnitReport.objects.create(period=ReportingPeriod.objects.get(plan=plan, year=2026, quarter=1), unit=units[0],
                                  state=ReportState.SUBMITTED, first_submitted_at=now, submitted_at=now)


# --- Cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    user: str  # attribute of the World
    url: Callable[[World], str]
    add: Callable[[World, int], None]
    # Rows of a JSON answer; a list's are its results.
    rows: Callable[[Any], int] = lambda data: len(data["results"])
    xlsx: bool = True


def _url(name: str, query: str = "", **kwargs: Any) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


CASES = [
    Case("communes", "reviewer_p", _url("api_communes", "province=PP"), add_communes),
    Case("units", "admin_a", _url("api_units", "commune=xa-a"), add_units),
    Case("indicators", "admin_a", _url("api_indicators", "standard=false"), add_indicators),
    Case("plans", "reviewer_p", _url("api_plans", "province=PP"), add_plans, xlsx=False),
    Case("plan-detail", "admin_a",
         lambda world: reverse("api_plan", kwargs={"plan_pk": _detail_plan(world).pk}),
         add_plan_parts, rows=lambda data: len(data["tasks"]), xlsx=False),
    Case("periods", "reviewer_p", _url("api_periods", "province=PP&kind=adhoc"), add_adhoc_periods),
    Case("unit-reports", "reviewer_p", _url("api_unit_reports", "province=PP&state=accepted&page_size=100"), add_unit_reports),
    Case("unit-report-detail", "admin_a",
         lambda world: reverse("api_unit_report", kwargs={"report_pk": world.report_a.pk}),
         add_report_parts, rows=lambda data: len(data["values"]), xlsx=False),
    Case("commune-reports", "reviewer_p", _url("api_commune_reports", "province=PP"), add_commune_reports),
    Case("rollups-communes", "reviewer_p", _url("api_commune_rollups", "province=PP"), add_commune_rollups),
    Case("rollups-provinces", "reviewer_p", _url("api_province_rollups"), add_province_rollups),
    Case("completeness", "reviewer_p", _url("api_completeness", "province=PP&year=2026&quarter=1"),
         add_reporting_communes, rows=len),
]
PARAMS = [pytest.param(case, "json", id=case.name) for case in CASES] + [
    pytest.param(case, "xlsx", id=f"{case.name}.xlsx") for case in CASES if case.xlsx]


def _with_format(url: str, fmt: str) -> str:
    if fmt == "json":
        return url
    return url + ("&" if "?" in url else "?") + "format=xlsx"


def _rows(response: Any, case: Case, fmt: str) -> int:
    if fmt == "xlsx":
        sheet = load_workbook(BytesIO(response.content), read_only=True).active
        return sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
    return case.rows(response.json())


def _measure(client: APIClient, url: str, case: Case, fmt: str) -> tuple[list[str], int]:
    # A first request pays the once-per-process and once-a-minute costs (token last_used_at,
    # content types): the measured request is the steady state a script sees.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return [q["sql"] for q in captured.captured_queries], _rows(response, case, fmt)


def _baseline(client: APIClient, url: str, case: Case, fmt: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return _rows(response, case, fmt)


@pytest.mark.parametrize(("case", "fmt"), PARAMS)
def test_queries_do_not_grow_with_rows(world: World, case: Case, fmt: str) -> None:
    client = api_client(getattr(world, case.user))
    with scopes_disabled():
        url = _with_format(case.url(world), fmt)
    present = _baseline(client, url, case, fmt)
    assert present < SMALL
    with scopes_disabled():
        case.add(world, SMALL - present)
    small, small_rows = _measure(client, url, case, fmt)
    with scopes_disabled():
        case.add(world, LARGE - SMALL)
    large, large_rows = _measure(client, url, case, fmt)

    assert (small_rows, large_rows) == (SMALL, LARGE)
    assert len(large) == len(small), "\n".join(
        ["Queries with 100 rows:", *large])  # the SQL shows which relation repeats
