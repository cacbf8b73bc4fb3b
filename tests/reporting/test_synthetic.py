"""Synthetic data (seed_synthetic) and the two rollup paths over it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from campaigns.models import Commune, CommuneKind, Plan, Province, Unit
from portal.scoping import tenant_scope
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    ProvinceRollup,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    UnitReport,
)
from reporting.rollups.compute import commune_rollup_compute
from reporting.rollups.portable import commune_rollup_python
from reporting.rollups.postgres import commune_rollup_sql
from reporting.synthetic import MAX_INDICATORS
from targets.models import Indicator, Measure, Target, TimeAggregation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]
TINY = ["--provinces", "2", "--communes", "3", "--units", "4", "--indicators", "5", "--quarters", "2"]


def _seed(*extra: str) -> None:
    call_command("seed_synthetic", *TINY, *extra, verbosity=0)


def _synthetic_values() -> Any:
    return IndicatorValue.objects.filter(report__unit__commune__code__startswith="syn-")


def test_tiny_seed_creates_the_expected_rows() -> None:
    _seed()
    communes = Commune.objects.filter(code__startswith="syn-")
    assert Province.objects.filter(code__startswith="syn").count() == 2
    assert communes.count() == 2 * 3
    assert Unit.objects.filter(commune__in=communes).count() == 6 * 4
    assert Plan.objects.filter(commune__in=communes, status="issued").count() == 6
    assert Target.objects.filter(plan__commune__in=communes).count() == 6 * 5
    assert Target.reporting_units.through.objects.filter(target__plan__commune__in=communes).count() == 6 * 5 * 4
    periods = ReportingPeriod.objects.filter(plan__commune__in=communes)
    assert sorted(set(periods.values_list("year", "quarter"))) == [(2026, 1), (2026, 2)]
    assert periods.count() == 6 * 2
    reports = UnitReport.objects.filter(unit__commune__in=communes)
    assert reports.count() == 24 * 2
    assert set(reports.values_list("state", flat=True)) == {ReportState.ACCEPTED}
    assert _synthetic_values().count() == 24 * 2 * 5
    # Every unit reports every target of its plan, every quarter.
    per_report = set(_synthetic_values().values("report_id").annotate(n=Count("id")).values_list("n", flat=True))
    assert per_report == {5}


def test_values_are_consistent_and_plausible() -> None:
    _seed()
    indicators = {i.pk: i for i in Indicator.objects.filter(values__in=_synthetic_values()).distinct()}
    kinds = {i.measure for i in indicators.values()}
    assert kinds == {Measure.PERCENT, Measure.COUNT}  # percentages and counts taken in turn
    by_key: dict[tuple[int, int], dict[int, IndicatorValue]] = {}
    for value in _synthetic_values().select_related("report__period"):
        by_key.setdefault((value.report.unit_id, value.indicator_id), {})[value.report.period.quarter] = value
        if indicators[value.indicator_id].is_percent:
            assert value.value is None
            assert value.numerator is not None and value.denominator is not None
            assert 0 <= value.numerator <= value.denominator
            assert value.denominator > 0
        else:
            assert value.numerator is None and value.denominator is None
            assert value.value is not None and value.value >= 0
    for (_unit, indicator_id), quarters in by_key.items():
        if indicators[indicator_id].is_percent:
            # The same population both quarters, and the share rises (or stays at 100 %).
            first, second = quarters[1], quarters[2]
            assert first.numerator is not None and second.numerator is not None
            assert first.denominator == second.denominator
            assert second.numerator >= first.numerator


def test_stocks_never_fall_and_library_extras_are_created_once() -> None:
    call_command("seed_synthetic", "--provinces", "1", "--communes", "1", "--units", "3",
                 "--indicators", "20", "--quarters", "3", verbosity=0)
    call_command("seed_synthetic", "--provinces", "1", "--communes", "1", "--units", "3",
                 "--indicators", "20", "--quarters", "3", verbosity=0)
    assert list(Indicator.objects.filter(code__startswith="SYN_").values_list("code", "commune_id")) == [
        ("SYN_01", None), ("SYN_02", None)]
    assert Target.objects.filter(plan__commune__code__startswith="syn-").count() == 20
    stocks = _synthetic_values().filter(indicator__time_aggregation=TimeAggregation.LATEST,
                                        indicator__measure=Measure.LEVEL)
    assert stocks.exists()
    series: dict[tuple[int, int], list[tuple[int, D]]] = {}
    for unit_id, indicator_id, quarter, value in stocks.values_list(
            "report__unit_id", "indicator_id", "report__period__quarter", "value"):
        series.setdefault((unit_id, indicator_id), []).append((quarter, value))
    for points in series.values():
        levels = [value for _q, value in sorted(points)]
        assert levels == sorted(levels)


def test_rerun_replaces_instead_of_doubling_and_leaves_other_communes_alone() -> None:
    province = Province.objects.create(code="42", name="Hà Tĩnh")
    demo = Commune.objects.create(province=province, code="son-kim-1", kind=CommuneKind.XA, name="Sơn Kim 1")
    # Starts like a synthetic code but is not "<prefix>-NNN-NNNN".
    lookalike = Commune.objects.create(province=province, code="syn-kim-1", kind=CommuneKind.XA, name="Giống Tên")
    _seed()
    first = _synthetic_values().aggregate(num=Sum("numerator"), val=Sum("value"), n=Count("id"))
    # Rows someone made on synthetic data by hand go with it.
    report = UnitReport.objects.filter(unit__commune__code__startswith="syn-").first()
    ReportTransition.objects.create(report=report, from_state="submitted", to_state="accepted", reason="tay")
    call_command("seed_synthetic", *TINY, "--prefix", "son", verbosity=0)  # another prefix: kept apart
    _seed()
    assert _synthetic_values().aggregate(num=Sum("numerator"), val=Sum("value"), n=Count("id")) == first
    assert not ReportTransition.objects.filter(reason="tay").exists()
    assert Commune.objects.filter(code__startswith="syn-").count() == 6 + 1  # and the look-alike
    assert Commune.objects.filter(pk__in=[demo.pk, lookalike.pk]).count() == 2
    assert Commune.objects.filter(code__startswith="son-").count() == 6 + 1
    call_command("seed_synthetic", "--delete", "--prefix", "son", verbosity=0)
    assert list(Commune.objects.filter(code__startswith="son-").values_list("pk", flat=True)) == [demo.pk]
    assert not Province.objects.filter(code__startswith="son").exists()


def test_a_different_seed_gives_different_figures() -> None:
    _seed()
    first = _synthetic_values().aggregate(num=Sum("numerator"))["num"]
    _seed("--seed", "7")
    assert _synthetic_values().aggregate(num=Sum("numerator"))["num"] != first


@pytest.mark.parametrize("args", [
    ["--prefix", "Bad-Prefix"],
    ["--indicators", str(MAX_INDICATORS + 1)],
    ["--quarters", "9"],
])
def test_bad_sizes_are_refused(args: list[str]) -> None:
    base = dict(zip(TINY[::2], TINY[1::2], strict=True))
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError):
        call_command("seed_synthetic", *[x for pair in base.items() for x in pair], verbosity=0)
    assert not Commune.objects.filter(code__startswith="syn-").exists()


def _by_hand(commune: Commune, indicator: Indicator, quarter: int) -> dict[str, Any]:
    return IndicatorValue.objects.filter(
        report__unit__commune=commune, report__state=ReportState.ACCEPTED, indicator=indicator,
        report__period__year=2026, report__period__quarter=quarter,
    ).aggregate(num=Sum("numerator"), den=Sum("denominator"), val=Sum("value"), n=Count("id"))


def test_rollup_command_gives_the_hand_computed_figures() -> None:
    _seed()
    call_command("rollup", "--year", "2026", "--quarter", "1", "--quiet")
    call_command("rollup", "--year", "2026", "--quarter", "2", "--quiet")
    commune = Commune.objects.filter(code__startswith="syn-").order_by("code")[0]
    adults = Indicator.objects.get(commune__isnull=True, code="CBCCVC_DIGITAL_SKILLS")  # a percentage
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES")  # a flow
    # A percentage is sum(numerator) / sum(denominator) over the units, rounded half up.
    q2 = _by_hand(commune, adults, 2)
    row = CommuneRollup.objects.get(commune=commune, indicator=adults, year=2026, quarter=2)
    expected = (q2["num"] / q2["den"] * 100).quantize(D("0.0001"), ROUND_HALF_UP)
    assert (row.numerator, row.denominator, row.value) == (q2["num"], q2["den"], expected)
    assert row.ytd_value == expected  # a stock: the latest quarter
    assert row.units_reported == row.units_expected == q2["n"] == 4
    # A flow adds its quarters up.
    flows = [_by_hand(commune, news, quarter)["val"] for quarter in (1, 2)]
    row = CommuneRollup.objects.get(commune=commune, indicator=news, year=2026, quarter=2)
    assert (row.value, row.ytd_value) == (flows[1], flows[0] + flows[1])
    # The province: the counts of its communes, never an average of their percentages.
    province = commune.province
    totals = IndicatorValue.objects.filter(
        report__unit__commune__province=province, indicator=adults, report__period__quarter=2,
        report__state=ReportState.ACCEPTED).aggregate(num=Sum("numerator"), den=Sum("denominator"))
    total = ProvinceRollup.objects.get(province=province, indicator=adults, year=2026, quarter=2)
    assert (total.numerator, total.denominator) == (totals["num"], totals["den"])
    assert total.value == (totals["num"] / totals["den"] * 100).quantize(D("0.0001"), ROUND_HALF_UP)
    assert total.communes_reported == total.communes_expected == 3


# --- The PostgreSQL statement and the portable path give the same rows --------------------------

ROLLUP_FIELDS = [f.attname for f in CommuneRollup._meta.concrete_fields if f.attname != "id"]


def _rows() -> list[tuple[Any, ...]]:
    return list(CommuneRollup.objects.order_by("plan_id", "indicator_id", "year", "quarter")
                .values_list(*ROLLUP_FIELDS))


def _perturb() -> None:
    """The cases the happy synthetic data lacks: a unit stops reporting, a report not
    accepted, a zero denominator, a blank count, a target dropped while values remain, a
    target with no values at all, a quarter-only key that ends up stale."""
    plans = list(Plan.objects.filter(commune__code__startswith="syn-").order_by("pk"))
    first, second = plans[0], plans[1]
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES")
    adults = Indicator.objects.get(commune__isnull=True, code="CBCCVC_DIGITAL_SKILLS")
    q2_first = UnitReport.objects.filter(period__plan=first, period__quarter=2).order_by("pk")
    IndicatorValue.objects.filter(report__in=list(q2_first[:1]), indicator=news).delete()
    UnitReport.objects.filter(pk=q2_first[1].pk).update(state=ReportState.SUBMITTED)
    IndicatorValue.objects.filter(report__period__plan=second, report__period__quarter=1,
                                  indicator=adults).update(numerator=0, denominator=0)
    IndicatorValue.objects.filter(report__period__plan=second, report__period__quarter=2,
                                  indicator=news).update(value=None)
    Target.objects.filter(plan=plans[2], indicator=news).delete()
    # Q2 of one plan reports nothing at all: stocks keep Q1, flows keep Q1's total.
    IndicatorValue.objects.filter(report__period__plan=plans[3], report__period__quarter=2).delete()
    # A target nobody reports on.
    Target.objects.create(plan=first, indicator=Indicator.objects.get(commune__isnull=True, code="MENTORS"),
                          year=2026, order=99, value=D("12.5"), baseline=D(3))
    Plan.objects.filter(pk=second.pk).update(progress_margin=D("7.25"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path runs on PostgreSQL only")
def test_the_sql_statement_and_the_python_path_write_identical_rows() -> None:
    _seed()
    _perturb()
    plan_ids = sorted(Plan.objects.filter(commune__code__startswith="syn-").values_list("pk", flat=True))
    now = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)

    def run(path: Any) -> list[tuple[Any, ...]]:
        for quarter in (1, 2):
            path(plan_ids=plan_ids, year=2026, quarter=quarter, now=now)
        return _rows()

    portable = run(commune_rollup_python)
    assert len(portable) == len(plan_ids) * 5 * 2 + 2  # and the extra MENTORS target, both quarters
    assert {r[ROLLUP_FIELDS.index("status")] for r in portable} >= {"no_target", "no_data"}
    sql_over_existing = run(commune_rollup_sql)  # upserts over the portable rows
    assert sql_over_existing == portable
    CommuneRollup.objects.all().delete()
    assert run(commune_rollup_sql) == portable  # inserts from nothing
    # A key that loses every source (target and values) disappears in both paths.
    mentors = Indicator.objects.get(commune__isnull=True, code="MENTORS")
    Target.objects.filter(indicator=mentors, plan_id__in=plan_ids).delete()
    sql_rows = run(commune_rollup_sql)
    assert run(commune_rollup_python) == sql_rows
    assert len(sql_rows) == len(portable) - 2


def test_a_batch_only_touches_the_plans_of_its_scope() -> None:
    _seed()
    plans = list(Plan.objects.filter(commune__code__startswith="syn-").order_by("pk")[:2])
    with tenant_scope([plans[0].commune_id]):
        written = commune_rollup_compute(plan_ids=[p.pk for p in plans], year=2026, quarter=1)
    assert written == 5
    assert set(CommuneRollup.objects.values_list("plan_id", flat=True)) == {plans[0].pk}
    # Scopes enabled but no commune in them: fail closed, on either path.
    with scope(), pytest.raises(ScopeError):
        commune_rollup_compute(plan_ids=[plans[1].pk], year=2026, quarter=1)


def test_delete_removes_communes_whose_plans_name_their_units_in_tasks() -> None:
    from campaigns.models import Task, TaskCoordinator

    _seed()
    unit = Unit.objects.filter(commune__code__startswith="syn-").first()
    plan = Plan.objects.filter(commune=unit.commune).first()
    task = Task.objects.create(plan=plan, order=1, title="Mở lớp học", lead_unit=unit)
    TaskCoordinator.objects.create(task=task, order=1, unit=unit)  # both protect the unit
    call_command("seed_synthetic", "--delete", verbosity=0)
    assert not Commune.objects.filter(code__startswith="syn-").exists()
    assert not Task.objects.filter(pk=task.pk).exists()
