"""Issue 13's property: after any sequence of target edits, unit links, reopenings and
acceptances (with corrected values), the stored commune and province rollups equal a
recomputation from scratch once the queue is drained, and nothing is left pending.

The writes go through the services; their on-commit tasks run eagerly (the queue drained after
each write, as a worker would). "From scratch": every rollup row of the plan and the province
deleted, then each quarter that had rows recomputed in order (its year to date builds on the
quarter before), then the province combined. Runs on SQLite and on PostgreSQL (its SQL path).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Unit, UnitKind
from campaigns.services.targets import TargetRow, plan_targets_save
from reporting.models import CommuneRollup, ProvinceRollup, ReportingPeriod, ReportState
from reporting.rollups.compute import commune_rollup_compute, province_rollup_compute
from reporting.selectors import reports as selectors
from reporting.selectors.rollups import rollups_pending
from reporting.services import unit_reports as services
from targets.models import Indicator, Target
from tests.conftest import World
from tests.factories import TargetFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]
CODES = ("ADULTS_DIGITAL_SKILLS", "NEWS_ARTICLES")
YEAR = 2026

target_edit = st.tuples(st.just("target"), st.sampled_from(CODES), st.integers(1, 100))
target_units = st.tuples(st.just("units"), st.sampled_from(CODES), st.sampled_from([(), (0,), (1,), (0, 1)]))
target_toggle = st.tuples(st.just("toggle"), st.sampled_from(CODES), st.integers(1, 100))
accept = st.tuples(st.just("accept"), st.integers(0, 1), st.sampled_from([1, 2]), st.integers(0, 1000))
reopen = st.tuples(st.just("reopen"), st.integers(0, 1), st.sampled_from([1, 2]))
operations = st.lists(st.one_of(target_edit, target_units, target_toggle, accept, reopen), max_size=8)


@dataclasses.dataclass
class Setting:
    world: World
    units: list[Unit]
    indicators: dict[str, Indicator]
    periods: dict[int, ReportingPeriod]


@pytest.fixture
def setting(world: World) -> Setting:
    second = UnitFactory(commune=world.commune_a, name="Thôn Hai", kind=UnitKind.VILLAGE)
    indicators = {code: Indicator.objects.get(commune__isnull=True, code=code) for code in CODES}
    world.target_a.reporting_units.set([world.unit_a, second])
    news = TargetFactory(plan=world.plan_a, indicator=indicators["NEWS_ARTICLES"], value=300)
    news.reporting_units.set([world.unit_a, second])
    periods = {q: ReportingPeriod.objects.get(plan=world.plan_a, year=YEAR, quarter=q) for q in (1, 2)}
    return Setting(world=world, units=[world.unit_a, second], indicators=indicators, periods=periods)


def _target(setting: Setting, code: str) -> Target | None:
    return Target.objects.filter(plan=setting.world.plan_a, indicator=setting.indicators[code], year=YEAR).first()


def _save_target(setting: Setting, row: TargetRow) -> None:
    plan_targets_save(plan=setting.world.plan_a, actor=setting.world.admin_a, version=None, rows=[row])


def _existing(target: Target, **changes: Any) -> TargetRow:
    return dataclasses.replace(
        TargetRow(indicator_id=target.indicator_id, year=target.year, value=target.value, baseline=target.baseline,
                  target_id=target.pk, reporting_unit_ids=sorted(u.pk for u in target.reporting_units.all())),
        **changes)


def _accept(setting: Setting, unit: Unit, period: ReportingPeriod, figure: int) -> None:
    report = services.unit_report_open(period=period, unit=unit)
    if report.state == ReportState.ACCEPTED:
        return
    if report.state != ReportState.SUBMITTED:
        rows = selectors.report_rows(period=period, unit=unit)
        values = {i.pk: (services.ValueInput(numerator=D(figure), denominator=D(1000)) if i.is_percent
                         else services.ValueInput(value=D(figure))) for i in rows.indicators}
        progress = {t.pk: services.ProgressInput(status="in_progress") for t in rows.tasks}
        saved = services.unit_report_save(report=report, actor=None, version=report.version, today=period.opens_on,
                                          data=services.ReportInput(values=values, progress=progress))
        report = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version,
                                             today=period.opens_on)
    services.unit_report_accept(report=report, actor=setting.world.admin_a, version=report.version)


def _apply(setting: Setting, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind in ("target", "units", "toggle"):
        target = _target(setting, operation[1])
        if kind == "toggle":
            if target is not None:
                _save_target(setting, _existing(target, delete=True))
            else:
                _save_target(setting, TargetRow(indicator_id=setting.indicators[operation[1]].pk, year=YEAR,
                                                value=D(operation[2]), reporting_unit_ids=[setting.units[0].pk]))
        elif target is not None and kind == "target":
            _save_target(setting, _existing(target, value=D(operation[2])))
        elif target is not None:
            _save_target(setting, _existing(target, reporting_unit_ids=[setting.units[i].pk for i in operation[2]]))
    elif kind == "accept":
        _accept(setting, setting.units[operation[1]], setting.periods[operation[2]], operation[3])
    else:
        report = services.unit_report_open(period=setting.periods[operation[2]], unit=setting.units[operation[1]])
        if report.state == ReportState.ACCEPTED:
            services.unit_report_reopen(report=report, actor=setting.world.admin_a, version=report.version,
                                        reason="Sửa số liệu")


def _stored(setting: Setting) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    skip = {"id", "computed_at"}
    commune = [f.attname for f in CommuneRollup._meta.concrete_fields if f.attname not in skip]
    province = [f.attname for f in ProvinceRollup._meta.concrete_fields if f.attname not in skip]
    return (set(CommuneRollup.objects.filter(plan=setting.world.plan_a).values_list(*commune)),
            set(ProvinceRollup.objects.filter(province=setting.world.province_p).values_list(*province)))


def _from_scratch(setting: Setting) -> None:
    plan, province = setting.world.plan_a, setting.world.province_p
    commune_quarters = sorted(set(CommuneRollup.objects.filter(plan=plan, year=YEAR).values_list("quarter", flat=True)))
    province_quarters = set(ProvinceRollup.objects.filter(province=province, year=YEAR).values_list("quarter", flat=True))
    CommuneRollup.objects.filter(plan=plan).delete()
    ProvinceRollup.objects.filter(province=province).delete()
    for quarter in commune_quarters:
        commune_rollup_compute(plan_ids=[plan.pk], year=YEAR, quarter=quarter)
    for quarter in sorted(province_quarters | set(commune_quarters)):
        province_rollup_compute(province_id=province.pk, year=YEAR, quarter=quarter)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=operations)
def test_stored_rollups_equal_a_recomputation_from_scratch(
        setting: Setting, django_capture_on_commit_callbacks: Callable[..., Any],
        steps: list[tuple[Any, ...]]) -> None:
    # Each example starts from the fixture's data: its writes are rolled back at the end.
    with transaction.atomic():
        for step in steps:
            with django_capture_on_commit_callbacks(execute=True):  # the queue drained after each write
                _apply(setting, step)
        assert not rollups_pending(commune_ids=[setting.world.commune_a.pk])
        stored = _stored(setting)
        _from_scratch(setting)
        assert _stored(setting) == stored
        transaction.set_rollback(True)
