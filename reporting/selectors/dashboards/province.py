"""The province dashboard: communes × standard indicators, sorted and filtered."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from campaigns.models import Commune, Plan, Province
from portal.text import nfc, vi_sort_key
from reporting.documents.content import province_quarter_completeness
from reporting.models import CommuneReport, CommuneRollup, PeriodKind
from reporting.selectors import rollups as rollup_selectors
from reporting.selectors.dashboards.common import LAGGING
from targets.models import Indicator
from targets.status import RollupStatus


@dataclass
class HeatRow:
    """A commune of the heat table: its cells (one rollup row or None per indicator), its
    unit reports of the quarter and its consolidated report."""

    commune: Commune
    plan_id: int | None
    cells: list[CommuneRollup | None]
    expected: int
    received: int
    accepted: int
    report_state: str | None

    @property
    def completeness(self) -> Decimal | None:
        if not self.expected:
            return None
        return Decimal(self.received) / Decimal(self.expected) * 100

    @property
    def lagging(self) -> int:
        return sum(1 for cell in self.cells if cell is not None and cell.status in LAGGING)

    def statuses(self) -> set[str]:
        # No row: the commune has no target on that indicator (or no plan), not missing data.
        return {cell.status if cell is not None else RollupStatus.NO_TARGET for cell in self.cells}


@dataclass
class ProvinceDashboard:
    province: Province
    year: int
    quarter: int
    choices: list[rollup_selectors.QuarterChoice]
    table: rollup_selectors.ProvinceTable
    rows: list[HeatRow]

    @property
    def expected(self) -> int:
        return sum(row.expected for row in self.rows)

    @property
    def received(self) -> int:
        return sum(row.received for row in self.rows)

    @property
    def accepted(self) -> int:
        return sum(row.accepted for row in self.rows)

    @property
    def with_plan(self) -> int:
        return sum(1 for row in self.rows if row.plan_id is not None)

    @property
    def lagging(self) -> int:
        return sum(1 for row in self.rows if row.lagging)


def province_dashboard(*, province: Province, year: int, quarter: int,
                       choices: list[rollup_selectors.QuarterChoice], today: date | None = None) -> ProvinceDashboard:
    """Communes × standard indicators of one quarter with each commune's unit reports and its
    consolidated report (a fixed number of queries, about 12); statuses as shown ``today``."""
    table = rollup_selectors.province_table(province=province, year=year, quarter=quarter, today=today)
    plan_ids = [line.plan_id for line in table.communes if line.plan_id is not None]
    completeness = province_quarter_completeness(plan_ids, year, quarter)
    states = dict(CommuneReport.objects.filter(
        period__plan_id__in=plan_ids, period__kind=PeriodKind.QUARTERLY, period__year=year,
        period__quarter=quarter).values_list("commune_id", "state"))
    rows = []
    for line in table.communes:
        expected, received, _on_time, accepted = completeness.get(line.commune.pk, (0, 0, 0, 0))
        rows.append(HeatRow(commune=line.commune, plan_id=line.plan_id, cells=list(line.cells),
                            expected=expected, received=received, accepted=accepted,
                            report_state=states.get(line.commune.pk)))
    return ProvinceDashboard(province=province, year=year, quarter=quarter, choices=choices, table=table, rows=rows)


def province_plan_years(*, province: Province) -> list[int]:
    """The years the province's communes have plans for (one query)."""
    spans = Plan.objects.filter(commune__province=province).order_by().values_list("start_year", "end_year").distinct()
    return sorted({year for start, end in spans for year in range(start, end + 1)})


def default_quarter(*, due: tuple[int, int] | None, plan_years: list[int], today: date) -> tuple[int, int]:
    """The latest quarter whose unit deadline has passed (rollup_selectors.province_due_quarter);
    before any deadline, this quarter, or the end of the latest year the communes have plans for
    when none covers this year (a province whose plans were all for last year)."""
    if due is not None:
        return due
    year, quarter = rollup_selectors.province_default_quarter(due=None, today=today)
    if plan_years and year not in plan_years:
        earlier = [y for y in plan_years if y < year]
        year = max(earlier) if earlier else min(plan_years)
        quarter = 4 if year < today.year else 1
    return year, quarter


def fold(text: str) -> str:
    """Lower case without Vietnamese marks ("Đặng Thùy Trâm" → "dang thuy tram"): a search
    typed without diacritics, as on many phones, still finds the commune."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class HeatFilter:
    search: str = ""
    status: str = ""
    lagging_only: bool = False
    incomplete_only: bool = False

    def keeps(self, row: HeatRow) -> bool:
        if self.search and fold(self.search) not in fold(row.commune.official_name):
            return False
        if self.status and self.status not in row.statuses():
            return False
        if self.lagging_only and not row.lagging:
            return False
        return not (self.incomplete_only and row.received >= row.expected)


def heat_rows(rows: list[HeatRow], *, indicators: list[Indicator], keep: HeatFilter, sort: str,
              descending: bool) -> list[HeatRow]:
    """Filter, then sort by a column: "name" (Vietnamese order), "completeness", "lagging",
    "report" or an indicator code (its achievement). Blank values go last either way; ties
    keep Vietnamese name order."""
    kept = sorted((row for row in rows if keep.keeps(row)), key=lambda row: vi_sort_key(row.commune.name))
    if sort == "name":
        return list(reversed(kept)) if descending else kept
    codes = [indicator.code for indicator in indicators]

    def value(row: HeatRow) -> Decimal | int | None:
        if sort == "completeness":
            return row.completeness
        if sort == "lagging":
            return row.lagging
        if sort == "report":
            return REPORT_STATE_ORDER.get(row.report_state or "", 0)
        cell = row.cells[codes.index(sort)] if sort in codes else None
        return cell.achievement if cell is not None else None

    present = [row for row in kept if value(row) is not None]
    blank = [row for row in kept if value(row) is None]
    present.sort(key=lambda row: value(row), reverse=descending)  # type: ignore[arg-type, return-value]
    return present + blank


REPORT_STATE_ORDER = {"": 0, "draft": 1, "returned": 2, "issued": 3, "acknowledged": 4}
