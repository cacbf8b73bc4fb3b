"""Rollups in the database: hand-computed figures, idempotence, triggers, province combine."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import call_command

from campaigns.models import Unit, UnitKind
from reporting.models import CommuneRollup, ProvinceRollup, ReportingPeriod, UnitReport
from reporting.rollups.compute import (
    commune_rollup_compute,
    plans_for_year,
    province_rollup_compute,
)
from reporting.services import unit_reports as services
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.conftest import World
from tests.factories import CommuneFactory, PlanFactory, TargetFactory, TaskFactory, UnitFactory

pytestmark = pytest.mark.usefixtures("no_scope")
ADULTS = "ADULTS_DIGITAL_SKILLS"
NEWS = "NEWS_ARTICLES"


def _ind(code: str) -> Indicator:
    return Indicator.objects.get(commune__isnull=True, code=code)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit tasks (eager Celery) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _accepted(committed: Any, world: World, unit: Unit, period: ReportingPeriod, *, num: int, den: int, news: int) -> UnitReport:
    """A unit's report for the period, filled, submitted and accepted through the services;
    the accept's on-commit rollup runs as it would after a real commit."""
    from datetime import timedelta

    report = services.unit_report_open(period=period, unit=unit)
    tasks = {t.pk: ProgressInput(status="in_progress") for t in services.selectors.report_rows(period=period, unit=unit).tasks}
    day = period.opens_on + timedelta(days=1)
    result = services.unit_report_save(
        report=report, actor=None, version=report.version, today=day,
        data=ReportInput(values={_ind(ADULTS).pk: ValueInput(numerator=D(num), denominator=D(den)),
                                 _ind(NEWS).pk: ValueInput(value=D(news))}, progress=tasks))
    report = services.unit_report_submit(report=result.report, actor=None, version=result.report.version, today=day)
    with committed():
        return services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)


@pytest.fixture
def two_units(world: World) -> tuple[Unit, Unit]:
    """unit_a and a second unit report ADULTS (target 80 %) and NEWS (target 300 a year)."""
    second = UnitFactory(commune=world.commune_a, name="Thôn Một", kind=UnitKind.VILLAGE)
    world.target_a.reporting_units.set([world.unit_a, second])
    news = TargetFactory(plan=world.plan_a, indicator=_ind(NEWS), value=300)
    news.reporting_units.set([world.unit_a, second])
    TaskFactory(plan=world.plan_a, lead_unit=second, order=99)
    return world.unit_a, second


def _row(world: World, code: str, quarter: int) -> CommuneRollup:
    return CommuneRollup.objects.get(plan=world.plan_a, indicator=_ind(code), year=2026, quarter=quarter)


@pytest.mark.django_db
def test_accept_triggers_the_commune_and_province_rollup(committed: Any, world: World, two_units: tuple[Unit, Unit]) -> None:
    unit_1, unit_2 = two_units
    q1 = world.period_a
    _accepted(committed, world, unit_1, q1, num=90, den=100, news=30)
    # Eager Celery in tests: the on-commit task has already run.
    adults = _row(world, ADULTS, 1)
    assert (adults.numerator, adults.denominator, adults.value) == (D(90), D(100), D(90))
    assert (adults.units_reported, adults.units_expected) == (1, 2)  # half reported, and it says so
    _accepted(committed, world, unit_2, q1, num=10, den=900, news=40)
    adults = _row(world, ADULTS, 1)
    # 100 / 1000 = 10 %, not the 45.6 % an average of the units' percentages would give.
    assert (adults.numerator, adults.denominator, adults.value) == (D(100), D(1000), D(10))
    assert adults.units_reported == 2
    assert adults.target == D(80) and adults.expected == D(20)  # linear from 0 to 80 by Q4
    assert adults.achievement == D("12.5") and adults.status == "off_track"
    news = _row(world, NEWS, 1)
    assert (news.value, news.ytd_value, news.expected, news.status) == (D(70), D(70), D(75), "on_track")
    province = ProvinceRollup.objects.get(province=world.province_p, indicator=_ind(ADULTS), year=2026, quarter=1)
    assert (province.numerator, province.denominator, province.value) == (D(100), D(1000), D(10))
    assert (province.communes_reported, province.communes_at_risk) == (1, 1)


@pytest.mark.django_db
def test_flows_add_up_and_stocks_take_the_latest_and_a_unit_stops_reporting(
        committed: Any, world: World, two_units: tuple[Unit, Unit]) -> None:
    unit_1, unit_2 = two_units
    q1 = world.period_a
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    _accepted(committed, world, unit_1, q1, num=300, den=1000, news=30)
    _accepted(committed, world, unit_2, q1, num=100, den=1000, news=40)
    _accepted(committed, world, unit_1, q2, num=600, den=1000, news=50)  # unit 2 stops reporting
    news = _row(world, NEWS, 2)
    assert (news.value, news.ytd_value, news.units_reported, news.units_expected) == (D(50), D(120), 1, 2)
    adults = _row(world, ADULTS, 2)
    assert (adults.value, adults.ytd_value) == (D(60), D(60))  # only unit 1 this quarter
    assert adults.units_reported == 1


@pytest.mark.django_db
def test_reopening_removes_the_figure_and_later_quarters_follow(committed: Any, world: World, two_units: tuple[Unit, Unit]) -> None:
    unit_1, _unit_2 = two_units
    q1 = world.period_a
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    report = _accepted(committed, world, unit_1, q1, num=300, den=1000, news=30)
    _accepted(committed, world, unit_1, q2, num=500, den=1000, news=20)
    assert _row(world, NEWS, 2).ytd_value == D(50)
    with committed():
        services.unit_report_reopen(report=report, actor=world.admin_a, version=report.version, reason="Sửa số")
    assert _row(world, NEWS, 1).value is None
    assert _row(world, NEWS, 2).ytd_value == D(20)  # Q1 no longer counts in Q2's year-to-date


@pytest.mark.django_db
def test_a_target_reached(committed: Any, world: World, two_units: tuple[Unit, Unit]) -> None:
    unit_1, unit_2 = two_units
    _accepted(committed, world, unit_1, world.period_a, num=85, den=100, news=200)
    _accepted(committed, world, unit_2, world.period_a, num=80, den=100, news=150)
    assert _row(world, ADULTS, 1).status == "reached"
    assert _row(world, NEWS, 1).status == "reached" and _row(world, NEWS, 1).achievement == D("116.6667")


@pytest.mark.django_db
def test_running_twice_gives_identical_rows(committed: Any, world: World, two_units: tuple[Unit, Unit]) -> None:
    unit_1, unit_2 = two_units
    _accepted(committed, world, unit_1, world.period_a, num=90, den=100, news=30)
    fields = ["indicator_id", "numerator", "denominator", "value", "ytd_value", "status", "units_reported"]
    first = list(CommuneRollup.objects.order_by("indicator_id").values_list(*fields))
    commune_rollup_compute(plan_ids=[world.plan_a.pk], year=2026, quarter=1)
    commune_rollup_compute(plan_ids=[world.plan_a.pk], year=2026, quarter=1)
    assert list(CommuneRollup.objects.order_by("indicator_id").values_list(*fields)) == first
    province_rollup_compute(province_id=world.province_p.pk, year=2026, quarter=1)
    assert ProvinceRollup.objects.filter(province=world.province_p, year=2026, quarter=1).count() == 2


@pytest.mark.django_db
def test_one_plan_per_commune_counts_for_the_province(world: World) -> None:
    party_plan = PlanFactory(commune=world.commune_a, issuer_kind="dang_uy", status="issued")
    assert plans_for_year(commune_ids=[world.commune_a.pk], year=2026) == [party_plan.pk]
    other = CommuneFactory(province=world.province_p)
    assert plans_for_year(commune_ids=[other.pk], year=2026) == []


@pytest.mark.django_db
def test_rollup_command_prints_what_it_computed(committed: Any, world: World, two_units: tuple[Unit, Unit], capsys: pytest.CaptureFixture[str]) -> None:
    unit_1, _ = two_units
    _accepted(committed, world, unit_1, world.period_a, num=90, den=100, news=30)
    call_command("rollup", "--year", "2026", "--quarter", "1", "--province", world.province_p.code)
    out = capsys.readouterr().out
    assert "ADULTS_DIGITAL_SKILLS" in out and "90" in out
    call_command("rollup", "--year", "2026", "--quarter", "1", "--commune", world.commune_a.code)
    assert CommuneRollup.objects.filter(plan=world.plan_a, year=2026, quarter=1).count() == 2
