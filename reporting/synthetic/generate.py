"""Synthetic data at national scale, for benchmarks and load tests (issue 5).

``synthetic_data_generate`` builds provinces of communes, each with its units, one issued plan
whose targets every unit reports, the reporting periods of the requested quarters and, for
each unit and quarter, an ACCEPTED report with plausible figures (reporting.synthetic.figures).

Bulk data, not a user's work: no ReportTransition, no AuditEntry, no e-mail. Everything is
written in bulk — ``bulk_create`` for the organisation and the reports, and
reporting.synthetic.bulk's ``rows_write`` for the two big tables. Memory stays bounded: one
province is in memory at a time. A run first deletes the prefix's previous data
(``synthetic_data_delete``), so the demo communes (``son-kim-1`` …) are never touched.

Layer: bench and test data (``manage.py seed_synthetic``, bench/, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, time, timedelta
from time import perf_counter

from django.db import transaction
from django.utils import timezone

from campaigns.models import Commune, CommuneKind, Plan, PlanStatus, Province, Unit, UnitKind
from portal.formats import quarter_title
from portal.scoping import scopes_disabled
from reporting.deadlines import period_dates
from reporting.models import IndicatorValue, PeriodKind, ReportingPeriod, ReportState, UnitReport
from reporting.synthetic.bulk import rows_write, synthetic_data_delete
from reporting.synthetic.figures import IndicatorSpec, seeded_rng, target_figures, value_rows
from reporting.synthetic.spec import (
    EXTRA_CODE,
    SyntheticError,
    SyntheticSpec,
    SyntheticSummary,
    commune_code,
    province_code,
)
from targets.library import STANDARD_INDICATORS
from targets.models import Indicator, Measure, Target, TargetGroup, TimeAggregation

BULK_CREATE_BATCH = 2_000
# The units of a synthetic commune, in order; the rest are villages / residential groups.
UNIT_TEMPLATES: list[tuple[str, str]] = [
    (UnitKind.OFFICE, "Phòng Văn hóa – Xã hội"),
    (UnitKind.POLICE, "Công an xã"),
    (UnitKind.SCHOOL, "Trường Tiểu học"),
    (UnitKind.SCHOOL, "Trường Trung học cơ sở"),
    (UnitKind.UNION, "Đoàn Thanh niên"),
    (UnitKind.UNION, "Hội Liên hiệp Phụ nữ"),
    (UnitKind.CDT_TEAM, "Tổ công nghệ số cộng đồng"),
    (UnitKind.HEALTH, "Trạm Y tế"),
    (UnitKind.ENTERPRISE, "Hợp tác xã Nông nghiệp"),
    (UnitKind.CENTER, "Trung tâm Phục vụ hành chính công"),
]


def synthetic_indicators(*, count: int) -> list[Indicator]:
    """The first ``count`` indicators of the standard library, percentages and counts taken in
    turn (so even a small plan has both kinds), then national ``SYN_NN`` flows past the library.

    The ``SYN_NN`` indicators are created once and shared by every prefix (other prefixes'
    targets protect them), so ``synthetic_data_delete`` leaves them in the library.
    """
    codes = [spec["code"] for spec in STANDARD_INDICATORS]
    by_code = {i.code: i for i in Indicator.objects.filter(commune__isnull=True, code__in=codes)}
    missing = sorted(set(codes) - set(by_code))
    if missing:
        raise SyntheticError(f"the standard indicator library is incomplete: {', '.join(missing)}")
    library = [by_code[code] for code in codes]
    percents = [i for i in library if i.measure == Measure.PERCENT]
    others = [i for i in library if i.measure != Measure.PERCENT]
    mixed: list[Indicator] = []
    while percents or others:
        for pool in (percents, others):
            if pool:
                mixed.append(pool.pop(0))
    for number in range(1, max(0, count - len(mixed)) + 1):
        indicator, _created = Indicator.objects.get_or_create(
            commune=None, code=EXTRA_CODE.format(number),
            defaults={"name": f"Chỉ số thử nghiệm tổng hợp số {number} (dữ liệu tổng hợp)",
                      "short_name": f"Chỉ số thử nghiệm {number}", "target_group": TargetGroup.OTHER,
                      "measure": Measure.COUNT, "unit_of_measure": "lượt",
                      "time_aggregation": TimeAggregation.SUM, "order": 1_000 + number},
        )
        mixed.append(indicator)
    return mixed[:count]


def synthetic_data_generate(*, spec: SyntheticSpec,
                            progress: Callable[[str], None] | None = None) -> SyntheticSummary:
    """Replace the ``spec.prefix`` synthetic data by a fresh set (see the module docstring).

    Each province's organisation, then each quarter of each province, commits on its own: a
    run that fails half-way leaves a partial set that the next run deletes first.
    """
    spec.validate()
    say = progress or (lambda _text: None)
    summary = SyntheticSummary()
    clock = _clock(summary)
    # Bulk generation across every province at once: not tenant-facing code, no user, no
    # request; the scope would only hide the rows this function itself is writing.
    with scopes_disabled():
        with clock("delete"):
            summary.deleted_communes = synthetic_data_delete(prefix=spec.prefix)
        if summary.deleted_communes:
            say(f"deleted {summary.deleted_communes} communes of prefix {spec.prefix!r}")
        indicators = [IndicatorSpec(pk=i.pk, code=i.code, percent=i.measure == Measure.PERCENT,
                                    flow=i.time_aggregation == TimeAggregation.SUM,
                                    group=i.target_group)
                      for i in synthetic_indicators(count=spec.indicators)]
        provinces: list[int] = []
        with clock("organisation"):
            for index, communes in enumerate(spec.communes_per_province, start=1):
                provinces.append(_province_create(spec, index, communes, indicators, summary))
            say(f"{summary.provinces} provinces, {summary.communes} communes, {summary.units} units, "
                f"{summary.targets} targets, {summary.target_units} target–unit links")
        with clock("reports"):
            for year, quarter in spec.periods:
                for index, province_id in enumerate(provinces, start=1):
                    _quarter_create(spec, index, province_id, year, quarter, indicators, summary)
                say(f"{year} Q{quarter}: {summary.reports} reports, {summary.values} values so far")
    return summary


def _clock(summary: SyntheticSummary) -> Callable[[str], AbstractContextManager[None]]:
    @contextmanager
    def timed(name: str) -> Iterator[None]:
        started = perf_counter()
        try:
            yield
        finally:
            summary.seconds[name] = perf_counter() - started

    return timed


@transaction.atomic
def _province_create(spec: SyntheticSpec, index: int, communes: int,
                     indicators: list[IndicatorSpec], summary: SyntheticSummary) -> int:
    province = Province.objects.create(code=province_code(spec.prefix, index),
                                       name=f"Mẫu {index:03d} ({spec.prefix})")
    commune_rows = Commune.objects.bulk_create(
        [Commune(province=province, code=commune_code(spec.prefix, index, c), kind=CommuneKind.XA,
                 name=f"Mẫu {index:03d}-{c:04d}") for c in range(1, communes + 1)],
        batch_size=BULK_CREATE_BATCH)
    unit_rows = Unit.objects.bulk_create(
        [Unit(commune=commune, kind=kind, name=name)
         for commune in commune_rows for kind, name in _unit_names(spec.units)],
        batch_size=BULK_CREATE_BATCH)
    years = sorted({year for year, _quarter in spec.periods})
    now = timezone.now()
    plan_rows = Plan.objects.bulk_create(
        [Plan(commune=commune, status=PlanStatus.ISSUED, issuing_body=f"ỦY BAN NHÂN DÂN XÃ {commune.name.upper()}",
              number=str(c), place=commune.name, issue_day=15, issue_month=1, issue_year=years[0],
              title=f"Kế hoạch thực hiện Phong trào “Bình dân học vụ số” (dữ liệu tổng hợp {spec.prefix})",
              start_year=years[0], end_year=years[-1], issued_at=now)
         for c, commune in enumerate(commune_rows, start=1)],
        batch_size=BULK_CREATE_BATCH)
    ReportingPeriod.objects.bulk_create(
        [_period(plan, year, quarter) for plan in plan_rows for year, quarter in spec.periods],
        batch_size=BULK_CREATE_BATCH)
    targets: list[Target] = []
    for c, plan in enumerate(plan_rows, start=1):
        rng = seeded_rng(spec, index, c)
        for year in years:
            for order, indicator in enumerate(indicators, start=1):
                value, baseline = target_figures(rng, indicator, spec.units)
                targets.append(Target(plan=plan, indicator_id=indicator.pk, year=year, order=order,
                                      value=value, baseline=baseline))
    targets = Target.objects.bulk_create(targets, batch_size=BULK_CREATE_BATCH)
    units_by_commune: dict[int, list[int]] = {}
    for unit in unit_rows:
        units_by_commune.setdefault(unit.commune_id, []).append(unit.pk)
    plan_commune = {plan.pk: plan.commune_id for plan in plan_rows}
    links = rows_write(Target.reporting_units.through, ["target_id", "unit_id"],
                       ((target.pk, unit_id) for target in targets
                        for unit_id in units_by_commune[plan_commune[target.plan_id]]))
    summary.provinces += 1
    summary.communes += len(commune_rows)
    summary.units += len(unit_rows)
    summary.plans += len(plan_rows)
    summary.periods += len(plan_rows) * len(spec.periods)
    summary.targets += len(targets)
    summary.target_units += links
    return province.pk


def _unit_names(count: int) -> list[tuple[str, str]]:
    names = UNIT_TEMPLATES[:count]
    names += [(UnitKind.VILLAGE, f"Thôn {n}") for n in range(1, count - len(names) + 1)]
    return names


def _period(plan: Plan, year: int, quarter: int) -> ReportingPeriod:
    dates = period_dates(year=year, quarter=quarter, unit_day=plan.unit_deadline_day,
                         unit_offset=plan.unit_deadline_month_offset, commune_day=plan.commune_deadline_day,
                         commune_offset=plan.commune_deadline_month_offset,
                         opens_days_before=plan.entry_opens_days_before, lock_after_days=plan.lock_after_days)
    return ReportingPeriod(plan=plan, kind=PeriodKind.QUARTERLY, year=year, quarter=quarter,
                           title=quarter_title(quarter, year), opens_on=dates.opens_on,
                           unit_deadline=dates.unit_deadline, commune_deadline=dates.commune_deadline,
                           locks_on=dates.locks_on)


def _quarter_create(spec: SyntheticSpec, index: int, province_id: int, year: int, quarter: int,
                    indicators: list[IndicatorSpec], summary: SyntheticSummary) -> None:
    """One province's accepted reports and their values for one quarter (one transaction)."""
    quarter_index = spec.periods.index((year, quarter))
    periods = dict(ReportingPeriod.objects.filter(
        plan__commune__province_id=province_id, kind=PeriodKind.QUARTERLY, year=year, quarter=quarter,
    ).values_list("plan__commune_id", "pk"))
    units = list(Unit.objects.filter(commune__province_id=province_id).order_by("commune_id", "pk")
                 .values_list("pk", "commune_id"))
    period = ReportingPeriod.objects.filter(pk=next(iter(periods.values()))).get()
    accepted_at = timezone.make_aware(datetime.combine(period.unit_deadline - timedelta(days=3), time(9)))
    submitted_at = accepted_at - timedelta(days=2)
    with transaction.atomic():
        reports = UnitReport.objects.bulk_create(
            [UnitReport(period_id=periods[commune_id], unit_id=unit_id, state=ReportState.ACCEPTED,
                        first_submitted_at=submitted_at, submitted_at=submitted_at, accepted_at=accepted_at)
             for unit_id, commune_id in units],
            batch_size=BULK_CREATE_BATCH)
        values = rows_write(
            IndicatorValue,
            ["report_id", "indicator_id", "numerator", "denominator", "value", "comment", "source"],
            value_rows(spec, index, [(r.pk, r.unit_id) for r in reports], units, quarter_index, indicators))
    summary.reports += len(reports)
    summary.values += values
