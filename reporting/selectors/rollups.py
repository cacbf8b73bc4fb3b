"""Reads of the progress pages: a plan's figures per year and quarter, a province's table, and
the status each stored row shows on the day it is read.

The pages show what the rollup tasks stored (CommuneRollup, ProvinceRollup) and never compute
a figure themselves, so a page, the ``rollup`` command and an export print the same numbers.
Each read is a fixed number of queries however many indicators, quarters or communes there are.
The status shown is ``targets.status``'s rule, fed here with each quarter's unit deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.db.models import F, Max, OuterRef, Subquery

from campaigns.models import Commune, Plan, Province
from portal.formats import quarter_of
from portal.scoping import scopes_disabled
from portal.text import vi_sorted
from reporting.deadlines import local_today
from reporting.models import (
    CommuneRollup,
    PeriodKind,
    ProvinceRollup,
    ReportingPeriod,
    RollupInputs,
)
from reporting.rollups.compute import plans_for_year
from targets.models import Indicator
from targets.status import LAGGING, is_due, shown_status

QUARTERS = (1, 2, 3, 4)


def _indicator_order(indicator: Indicator) -> tuple[int, str]:
    return indicator.order, indicator.code


# --- The status a row shows today (targets.status.shown_status with its quarter's deadline) ---


def shown_status_on(*, stored: str, units_reported: int, unit_deadline: date | None,
                    today: date | None = None) -> str:
    """shown_status() for a row read with its quarter's unit deadline (``unit_deadline_of``):
    no period, no deadline to wait for."""
    due = is_due(unit_deadline=unit_deadline, today=today or local_today())
    return shown_status(stored=stored, units_reported=units_reported, due=due)


def unit_deadline_of() -> Subquery:
    """The unit deadline of a CommuneRollup row's quarter, as an annotation (no extra query);
    what targets.status.shown_status_filter reads.

    Through the base manager: the rollup rows are read in the tenant scope already, and the
    period is found by their own plan, so the scope's join would only repeat it."""
    return Subquery(ReportingPeriod._base_manager.filter(
        plan_id=OuterRef("plan_id"), kind=PeriodKind.QUARTERLY, year=OuterRef("year"), quarter=OuterRef("quarter"),
    ).values("unit_deadline")[:1])


def not_due_quarters(*, plan_ids: Iterable[int], today: date) -> set[tuple[int, int, int]]:
    """(plan, year, quarter) of the quarterly periods not due ``today`` (targets.status.is_due:
    the unit deadline is today or later; one query). A quarter without a period has no
    deadline to wait for: it is due."""
    rows = ReportingPeriod.objects.filter(
        plan_id__in=set(plan_ids), kind=PeriodKind.QUARTERLY, unit_deadline__gte=today,
    ).values_list("plan_id", "year", "quarter")
    return {(plan_id, year, quarter) for plan_id, year, quarter in rows if quarter is not None}


def judge_rows(rows: Sequence[CommuneRollup], *, today: date | None = None) -> Sequence[CommuneRollup]:
    """Set each loaded row's ``status`` to the status it shows today (one query; the rows are
    read-only copies and never saved back). Returns the rows."""
    if not rows:
        return rows
    waiting = not_due_quarters(plan_ids={row.plan_id for row in rows}, today=today or local_today())
    for row in rows:
        row.status = shown_status(stored=row.status, units_reported=row.units_reported,
                                  due=(row.plan_id, row.year, row.quarter) not in waiting)
    return rows


# --- A plan's progress ---------------------------------------------------------------------


@dataclass
class IndicatorLine:
    """One indicator of one year: its target and its rollup row per quarter (None: not rolled up)."""

    indicator: Indicator
    quarters: dict[int, CommuneRollup | None]

    @property
    def target(self) -> Decimal | None:
        # Targets are per year; the latest quarter's row carries the target as last computed.
        for quarter in reversed(QUARTERS):
            row = self.quarters.get(quarter)
            if row is not None and row.target is not None:
                return row.target
        return None

    @property
    def cells(self) -> list[tuple[int, CommuneRollup | None]]:
        return [(quarter, self.quarters.get(quarter)) for quarter in QUARTERS]


@dataclass
class YearProgress:
    year: int
    lines: list[IndicatorLine] = field(default_factory=list)


@dataclass
class PlanProgress:
    plan: Plan
    years: list[YearProgress]
    computed_at: datetime | None


def plan_progress(*, plan: Plan, today: date | None = None) -> PlanProgress:
    """The plan's rollup rows for each of its years, one line per indicator, each with the
    status it shows ``today`` (judge_rows; two queries)."""
    rows = judge_rows(list(CommuneRollup.objects.filter(plan=plan, year__gte=plan.start_year, year__lte=plan.end_year)
                           .select_related("indicator")), today=today)
    by_year: dict[int, dict[int, IndicatorLine]] = {year: {} for year in range(plan.start_year, plan.end_year + 1)}
    computed_at: datetime | None = None
    for row in rows:
        line = by_year[row.year].get(row.indicator_id)
        if line is None:
            line = by_year[row.year][row.indicator_id] = IndicatorLine(indicator=row.indicator, quarters={})
        line.quarters[row.quarter] = row
        computed_at = row.computed_at if computed_at is None else max(computed_at, row.computed_at)
    years = [YearProgress(year=year, lines=sorted(lines.values(), key=lambda line: _indicator_order(line.indicator)))
             for year, lines in sorted(by_year.items())]
    return PlanProgress(plan=plan, years=years, computed_at=computed_at)


def plan_current_year(*, plan: Plan, today: date) -> int:
    """The year of the plan a recompute is about: this year, kept inside the plan's years."""
    return min(max(today.year, plan.start_year), plan.end_year)


def plan_due_quarters(*, plan: Plan, year: int, today: date) -> list[int]:
    """The quarters of ``year`` whose quarterly period has opened by ``today`` (one query)."""
    quarters = (ReportingPeriod.objects.filter(plan=plan, kind=PeriodKind.QUARTERLY, year=year, opens_on__lte=today)
                .values_list("quarter", flat=True))
    return sorted({quarter for quarter in quarters if quarter is not None})


# --- A province's table --------------------------------------------------------------------


@dataclass
class CommuneLine:
    """A commune of the province, the plan that carries its year (None: no plan for the year)
    and its rows on the standard indicators (by indicator id)."""

    commune: Commune
    plan_id: int | None
    rows: dict[int, CommuneRollup]
    cells: list[CommuneRollup | None] = field(default_factory=list)


@dataclass
class ProvinceTable:
    province: Province
    year: int
    quarter: int
    indicators: list[Indicator]
    communes: list[CommuneLine]
    totals: list[ProvinceRollup | None]
    computed_at: datetime | None

    @property
    def has_data(self) -> bool:
        return bool(self.indicators)

    def _column(self, index: int) -> list[CommuneRollup]:
        return [row for line in self.communes if (row := line.cells[index]) is not None]

    @cached_property
    def communes_with_figure(self) -> list[int]:
        """Per indicator: the communes whose year-to-date figure exists (what the province
        figure is made of), counted from the rows the table shows."""
        return [sum(1 for row in self._column(i) if row.ytd_value is not None) for i in range(len(self.indicators))]

    @cached_property
    def communes_with_target(self) -> list[int]:
        return [sum(1 for row in self._column(i) if row.target is not None) for i in range(len(self.indicators))]

    @cached_property
    def communes_lagging(self) -> list[int]:
        """Per indicator: the communes whose shown status is at risk or off track."""
        return [sum(1 for row in self._column(i) if row.status in LAGGING) for i in range(len(self.indicators))]

    @cached_property
    def indicators_with_data(self) -> int:
        """Standard indicators with a figure for at least one commune (or the province)."""
        return sum(1 for i, total in enumerate(self.totals)
                   if self.communes_with_figure[i] or (total is not None and total.ytd_value is not None))


@dataclass(frozen=True)
class QuarterChoice:
    year: int
    quarter: int
    has_data: bool


def province_quarters(*, province: Province) -> list[QuarterChoice]:
    """The quarters the province has figures for, newest first (one query)."""
    rows = (ProvinceRollup.objects.filter(province=province).values("year", "quarter")
            .annotate(reported=Max("communes_reported")).order_by("-year", "-quarter"))
    return [QuarterChoice(year=r["year"], quarter=r["quarter"], has_data=bool(r["reported"])) for r in rows]


def province_due_quarter(*, province: Province, today: date) -> tuple[int, int] | None:
    """The latest quarter whose unit deadline has passed for every commune plan of the province
    that has it (one query); None before the first deadline."""
    found = (ReportingPeriod.objects.filter(plan__commune__province=province, kind=PeriodKind.QUARTERLY)
             .values("year", "quarter").annotate(last=Max("unit_deadline")).filter(last__lt=today)
             .order_by("-year", "-quarter").first())
    if found is None or found["quarter"] is None:
        return None
    return found["year"], found["quarter"]


def province_default_quarter(*, due: tuple[int, int] | None, today: date) -> tuple[int, int]:
    """The latest quarter whose unit deadline has passed (not the latest with any data: one
    early report must not turn the province's pages to a quarter still open), else today's."""
    if due is not None:
        return due
    return today.year, quarter_of(today)


def province_table(*, province: Province, year: int, quarter: int, today: date | None = None) -> ProvinceTable:
    """Communes × standard indicators for one quarter, with the province row (six queries);
    each commune row carries the status it shows ``today`` (judge_rows).

    The communes' figures come from the plan that carries each commune's year (the same choice
    the province rollup made), so a commune row and the province row add up.
    """
    communes = list(Commune.objects.filter(province=province))
    plan_ids = plans_for_year(commune_ids=[c.pk for c in communes], year=year)
    plan_of = dict(Plan.objects.filter(pk__in=plan_ids).values_list("commune_id", "pk"))
    rows = list(CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter,
                                             indicator__commune__isnull=True).select_related("indicator"))
    judge_rows(rows, today=today)
    totals = {t.indicator_id: t for t in ProvinceRollup.objects.filter(province=province, year=year, quarter=quarter)
              .select_related("indicator")}
    indicators = {r.indicator_id: r.indicator for r in rows}
    indicators.update({t.indicator_id: t.indicator for t in totals.values()})
    ordered = sorted(indicators.values(), key=_indicator_order)
    lines = {c.pk: CommuneLine(commune=c, plan_id=plan_of.get(c.pk), rows={}) for c in communes}
    for row in rows:
        lines[row.commune_id].rows[row.indicator_id] = row
    for line in lines.values():
        line.cells = [line.rows.get(indicator.pk) for indicator in ordered]
    stamps = [r.computed_at for r in rows] + [t.computed_at for t in totals.values()]
    return ProvinceTable(
        province=province, year=year, quarter=quarter, indicators=ordered,
        communes=vi_sorted(lines.values(), key=lambda line: line.commune.name),
        totals=[totals.get(indicator.pk) for indicator in ordered],
        computed_at=max(stamps) if stamps else None,
    )


def province_commune_ids(*, province_id: int) -> list[int]:
    """The ids of a province's communes: the scope a province-wide task runs in.

    Listing ids to define a task's scope is not reading tenant data (as in reporting.tasks).
    """
    with scopes_disabled():
        return list(Commune.objects.filter(province_id=province_id).order_by("pk").values_list("pk", flat=True))


# --- Pending recomputes (DESIGN.md rule 9) ----------------------------------------------------


def rollups_pending(*, commune_ids: Iterable[int], year: int | None = None, quarter: int | None = None) -> bool:
    """Whether any figure of these communes (of the year, of the quarter) still waits for the
    recompute of a changed input (reporting.rollup_inputs). One query."""
    rows = RollupInputs.objects.filter(commune_id__in=list(commune_ids), computed_version__lt=F("inputs_version"))
    if year is not None:
        rows = rows.filter(year=year)
    if quarter is not None:
        rows = rows.filter(quarter=quarter)
    return rows.exists()


def plan_rollups_pending(*, plan: Plan) -> bool:
    """Whether any of the plan's figures still waits for a recompute. One query."""
    return RollupInputs.objects.filter(plan=plan, computed_version__lt=F("inputs_version")).exists()


def plan_input_versions(*, plan: Plan, year: int, quarters: Iterable[int]) -> list[list[int]]:
    """[[quarter, input version], …] of the plan's quarters, as a recompute records them."""
    return [[q, v] for q, v in RollupInputs.objects.filter(plan=plan, year=year, quarter__in=list(quarters))
            .order_by("quarter").values_list("quarter", "inputs_version")]
