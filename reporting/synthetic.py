"""Synthetic data at national scale, for benchmarks and load tests (issue 5).

``synthetic_data_generate`` builds provinces of communes, each with its units, one issued plan
whose targets every unit reports, the reporting periods of the requested quarters and, for
each unit and quarter, an ACCEPTED report with plausible figures: percentages as counts of a
population group (numerator ≤ denominator, rising quarter by quarter), small flows for the
count indicators, non-decreasing stocks for the level indicators.

Bulk data, not a user's work: no ReportTransition, no AuditEntry, no e-mail. Everything is
written in bulk — ``bulk_create`` for the organisation and the reports, and, on PostgreSQL,
``COPY … FROM STDIN`` for the two big tables (indicator values and the target ↔ unit links,
about two million rows each for one national quarter); other databases get batched
``executemany``. Memory stays bounded: one province is in memory at a time.

Every synthetic row hangs off a commune whose code is ``<prefix>-NNN-NNNN`` in a province
whose code is ``<prefix>NNN``; ``synthetic_data_delete`` removes exactly those, so the demo
communes (``son-kim-1`` …) are never touched, whatever the prefix.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import perf_counter
from typing import Any

from django.db import connection, transaction
from django.db.models import CASCADE, Model
from django.utils import timezone

from campaigns.models import Commune, CommuneKind, Plan, PlanStatus, Province, Unit, UnitKind
from portal.formats import quarter_title
from portal.scoping import scopes_disabled
from reporting.deadlines import period_dates
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    PeriodKind,
    ReportingPeriod,
    ReportState,
    UnitReport,
)
from targets.library import STANDARD_INDICATORS
from targets.models import Indicator, Measure, Target, TargetGroup, TimeAggregation

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,6}$")
EXTRA_CODE = "SYN_{:02d}"
MAX_EXTRA_INDICATORS = 12
MAX_INDICATORS = len(STANDARD_INDICATORS) + MAX_EXTRA_INDICATORS
MAX_QUARTERS = 8
COPY_BATCH_ROWS = 200_000
INSERT_BATCH_ROWS = 5_000
BULK_CREATE_BATCH = 2_000
DELETE_CHUNK_COMMUNES = 200

# Size of the population group one unit answers for (denominators), by target group.
GROUP_SIZE: dict[str, tuple[int, int]] = {
    TargetGroup.CBCCVC: (5, 60),
    TargetGroup.STUDENTS: (40, 900),
    TargetGroup.ADULTS: (200, 2_500),
    TargetGroup.WORKERS: (10, 400),
    TargetGroup.HOUSEHOLDS: (80, 900),
    TargetGroup.OTHER: (50, 1_000),
}
# Flows: the most one unit does in a quarter ("25 tin, bài/tháng" is a commune, not a unit).
FLOW_MAX: dict[str, int] = {"NEWS_ARTICLES": 12, "BROADCASTS": 36, "CONFERENCES": 2,
                            "COMMUNITY_CLASSES": 6, "PARTICIPANTS": 150}
# Stocks: (the most one unit starts the year with, the most it adds in a quarter).
STOCK_GROWTH: dict[str, tuple[int, int]] = {"MENTORS": (5, 2), "MENTEES": (20, 8),
                                            "VOLUNTEER_TEAMS": (2, 1)}
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


class SyntheticError(ValueError):
    """A size or prefix the generator cannot honour."""


@dataclass(frozen=True)
class SyntheticSpec:
    """What to generate. ``communes`` is per province: one number, or one per province."""

    provinces: int
    communes: int | Sequence[int]
    units: int
    indicators: int
    quarters: int
    year: int = 2026
    seed: int = 42
    prefix: str = "syn"

    @property
    def communes_per_province(self) -> list[int]:
        if isinstance(self.communes, int):
            return [self.communes] * self.provinces
        return list(self.communes)

    @property
    def periods(self) -> list[tuple[int, int]]:
        """(year, quarter) of each generated quarter, from Q1 of ``year`` on."""
        return [(self.year + i // 4, i % 4 + 1) for i in range(self.quarters)]

    def validate(self) -> None:
        if not PREFIX_RE.match(self.prefix):
            raise SyntheticError("prefix: 1–7 lowercase letters or digits, starting with a letter")
        if not 1 <= self.provinces <= 999:
            raise SyntheticError("provinces: 1–999")
        sizes = self.communes_per_province
        if len(sizes) != self.provinces or not all(1 <= n <= 9_999 for n in sizes):
            raise SyntheticError("communes: 1–9999 per province, one number per province")
        if not 1 <= self.units <= 999:
            raise SyntheticError("units: 1–999")
        if not 1 <= self.indicators <= MAX_INDICATORS:
            raise SyntheticError(f"indicators: 1–{MAX_INDICATORS}")
        if not 1 <= self.quarters <= MAX_QUARTERS:
            raise SyntheticError(f"quarters: 1–{MAX_QUARTERS}")
        if not 2000 <= self.year <= 2100:
            raise SyntheticError("year: 2000–2100")


@dataclass
class SyntheticSummary:
    provinces: int = 0
    communes: int = 0
    units: int = 0
    plans: int = 0
    targets: int = 0
    target_units: int = 0
    periods: int = 0
    reports: int = 0
    values: int = 0
    deleted_communes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def province_code(prefix: str, index: int) -> str:
    return f"{prefix}{index:03d}"


def commune_code(prefix: str, province_index: int, commune_index: int) -> str:
    return f"{prefix}-{province_index:03d}-{commune_index:04d}"


def _commune_code_regex(prefix: str) -> str:
    return rf"^{prefix}-[0-9]{{3}}-[0-9]{{4}}$"


def _province_code_regex(prefix: str) -> str:
    return rf"^{prefix}[0-9]{{3}}$"


# --- Indicators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IndicatorSpec:
    pk: int
    code: str
    percent: bool
    flow: bool
    group: str


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


# --- Writing rows in bulk --------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return "\\N"
    return str(value)


def rows_write(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows to a model's table (or an auto-created M2M table) without model instances.

    PostgreSQL: ``COPY … FROM STDIN`` in batches (the fastest way in); elsewhere batched
    ``executemany``. Values must already be plain (ints, strings, None); no text may contain a
    tab, newline or backslash (synthetic rows never do).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            for batch in _batches(rows, COPY_BATCH_ROWS):
                text = "".join("\t".join(map(_cell, row)) + "\n" for row in batch)
                _copy(cursor, sql, text)
                written += len(batch)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608 - names from _meta
            for batch in _batches(rows, INSERT_BATCH_ROWS):
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def _copy(cursor: Any, sql: str, text: str) -> None:
    raw = cursor.cursor  # the driver's cursor under Django's wrapper
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO(text))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(text)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Deleting a prefix -----------------------------------------------------------------------


def synthetic_data_delete(*, prefix: str) -> int:
    """Remove every synthetic commune (and everything under it) and province of ``prefix``.

    The big tables go first in plain SQL, by chunk of communes: the unit reports with the rows
    that hang off them (indicator values…) when those are all plain cascading leaves, the
    target ↔ unit links and the commune rollups. What remains per chunk is a few thousand
    rows, left to Django's ordinary cascade, so any other row a developer made on a synthetic
    commune (a membership, an audit entry…) goes the same way as in the portal.
    Returns the number of communes removed.
    """
    if not PREFIX_RE.match(prefix):
        raise SyntheticError("prefix: 1–7 lowercase letters or digits, starting with a letter")
    # Bulk maintenance over the synthetic communes of every province: not tenant-facing code.
    with scopes_disabled():
        commune_ids = list(Commune.objects.filter(code__regex=_commune_code_regex(prefix))
                           .order_by("pk").values_list("pk", flat=True))
        links = Target.reporting_units.through._meta.db_table
        leaves = _leaf_children(UnitReport)
        # Something else hanging off reports: delete only the values here, the rest by the ORM.
        report_children = leaves if leaves is not None else [(IndicatorValue, "report_id")]
        for start in range(0, len(commune_ids), DELETE_CHUNK_COMMUNES):
            chunk = commune_ids[start:start + DELETE_CHUNK_COMMUNES]
            marks = ", ".join(["%s"] * len(chunk))
            units = f"SELECT id FROM {Unit._meta.db_table} WHERE commune_id IN ({marks})"  # noqa: S608
            reports = f"SELECT id FROM {UnitReport._meta.db_table} WHERE unit_id IN ({units})"  # noqa: S608
            with transaction.atomic(), connection.cursor() as cursor:
                for child, column in report_children:
                    cursor.execute(f"DELETE FROM {child._meta.db_table} WHERE {column} IN ({reports})",  # noqa: S608
                                   chunk)
                if leaves is not None:
                    cursor.execute(f"DELETE FROM {UnitReport._meta.db_table} WHERE unit_id IN ({units})",  # noqa: S608
                                   chunk)
                cursor.execute(f"DELETE FROM {links} WHERE unit_id IN ({units})", chunk)  # noqa: S608
                cursor.execute(f"DELETE FROM {CommuneRollup._meta.db_table} "  # noqa: S608
                               f"WHERE commune_id IN ({marks})", chunk)
                # Plans first: their tasks PROTECT the units they name, and a commune's cascade
                # would reach the units before the tasks.
                Plan.objects.filter(commune_id__in=chunk).delete()
                Commune.objects.filter(pk__in=chunk).delete()
        # A province somebody has since put a real commune in stays.
        Province.objects.filter(code__regex=_province_code_regex(prefix), communes__isnull=True).delete()
    return len(commune_ids)


def _leaf_children(model: type[Model]) -> list[tuple[type[Model], str]] | None:
    """(child model, its column) of every relation that cascades from ``model``, when every
    child is a leaf (nothing points at it) so plain SQL deletes exactly what the ORM would;
    None when any relation is not a plain cascade to a leaf."""
    children = []
    for relation in model._meta.related_objects:
        child = relation.related_model
        if (relation.many_to_many or getattr(relation, "on_delete", None) is not CASCADE
                or child._meta.related_objects or not isinstance(child, type)):
            return None
        children.append((child, relation.field.column))
    return children


# --- Generating ------------------------------------------------------------------------------


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
        indicators = [_IndicatorSpec(pk=i.pk, code=i.code, percent=i.measure == Measure.PERCENT,
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


def _rng(spec: SyntheticSpec, *parts: int) -> random.Random:
    """A generator that depends only on the seed and the position (province, commune, unit,
    quarter), never on database ids: the same seed gives the same figures on every run."""
    key = spec.seed
    for part in parts:
        key = key * 1_000_003 + part
    return random.Random(key)  # noqa: S311 - synthetic figures, not secrets


@transaction.atomic
def _province_create(spec: SyntheticSpec, index: int, communes: int,
                     indicators: list[_IndicatorSpec], summary: SyntheticSummary) -> int:
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
        rng = _rng(spec, index, c)
        for year in years:
            for order, indicator in enumerate(indicators, start=1):
                value, baseline = _target(rng, indicator, spec.units)
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


def _target(rng: random.Random, indicator: _IndicatorSpec, units: int) -> tuple[int, int | None]:
    """(year's target, baseline): a percentage to reach, a year's total flow, a final stock."""
    if indicator.percent:
        return rng.choice((70, 75, 80, 85, 90, 95, 100)), rng.randint(10, 40)
    if indicator.flow:
        per_quarter = FLOW_MAX.get(indicator.code, 20) / 2 * units
        return max(1, round(per_quarter * 4 * rng.uniform(0.8, 1.3))), None
    start, growth = STOCK_GROWTH.get(indicator.code, (5, 2))
    return max(1, round((start / 2 + growth * 2) * units * rng.uniform(0.8, 1.3))), 0


def _quarter_create(spec: SyntheticSpec, index: int, province_id: int, year: int, quarter: int,
                    indicators: list[_IndicatorSpec], summary: SyntheticSummary) -> None:
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
            _value_rows(spec, index, [(r.pk, r.unit_id) for r in reports], units, quarter_index, indicators))
    summary.reports += len(reports)
    summary.values += values


def _value_rows(spec: SyntheticSpec, index: int, reports: list[tuple[int, int]],
                units: list[tuple[int, int]], quarter_index: int,
                indicators: list[_IndicatorSpec]) -> Iterator[tuple[object, ...]]:
    """One row per report × indicator. A unit's population sizes, starting shares and paces are
    drawn from its position only, so its quarters form one consistent series."""
    ordinal_in_commune: dict[int, int] = {}
    commune_ordinal: dict[int, int] = {}
    position: dict[int, tuple[int, int]] = {}
    for unit_id, commune_id in units:
        commune_ordinal.setdefault(commune_id, len(commune_ordinal) + 1)
        ordinal_in_commune[commune_id] = ordinal_in_commune.get(commune_id, 0) + 1
        position[unit_id] = (commune_ordinal[commune_id], ordinal_in_commune[commune_id])
    for report_id, unit_id in reports:
        commune_index, unit_index = position[unit_id]
        series = _rng(spec, index, commune_index, unit_index)  # same draws every quarter
        noise = _rng(spec, index, commune_index, unit_index, 1_000 + quarter_index)
        for indicator in indicators:
            if indicator.percent:
                low, high = GROUP_SIZE.get(indicator.group, GROUP_SIZE[TargetGroup.OTHER])
                denominator = series.randint(low, high)
                start, pace = series.uniform(0.1, 0.5), series.uniform(0.03, 0.15)
                share = min(1.0, start + pace * quarter_index)
                yield (report_id, indicator.pk, int(denominator * share), denominator, None, "", "")
            elif indicator.flow:
                yield (report_id, indicator.pk, None, None,
                       noise.randint(0, FLOW_MAX.get(indicator.code, 20)), "", "")
            else:
                start_max, growth_max = STOCK_GROWTH.get(indicator.code, (5, 2))
                start = series.randint(0, start_max)
                # Draw every quarter's growth, used or not: the next indicators' draws must
                # not depend on which quarter this is.
                growth = [series.randint(0, growth_max) for _q in range(MAX_QUARTERS)]
                yield (report_id, indicator.pk, None, None, start + sum(growth[:quarter_index]), "", "")
