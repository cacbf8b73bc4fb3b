"""The arithmetic of progress against a target (DESIGN.md rule 2), free of the database so it
can be checked by hand. Layer: pure rules, below the rollup engines that apply them.

- Percentages come from counts: sum(numerator) / sum(denominator) over the units, never an
  average of the units' percentages.
- Across units every indicator sums. Across quarters a flow (articles published) adds up to a
  year-to-date total; a stock (adults certified) takes the latest quarter that has data.
- Progress compares the year-to-date figure with a linear trajectory to the year's target.

Both rollup engines apply these functions: the portable path calls them
(``reporting.rollups.portable``), the PostgreSQL path restates each one as a SQL clause
(``reporting.rollups.sql``, which names the function each clause must equal; a test checks the
two paths write identical rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from targets.models import Measure, TimeAggregation
from targets.status import RollupStatus

HUNDRED = Decimal(100)
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Aggregation:
    """How an indicator's figures combine: a percentage from counts (else the summed value);
    across quarters a flow adds up, a stock keeps the latest quarter with data."""

    percent: bool
    flow: bool


def aggregation_of(*, measure: str, time_aggregation: str) -> Aggregation:
    """An indicator's aggregation from its measure and its time aggregation."""
    return Aggregation(percent=measure == Measure.PERCENT, flow=time_aggregation == TimeAggregation.SUM)


@dataclass(frozen=True)
class Figure:
    """Sums over the reporting units: numerator/denominator for percentages, value otherwise."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    units_reported: int = 0

    @classmethod
    def stored(cls, *, numerator: Decimal | None, denominator: Decimal | None,
               value: Decimal | None) -> Figure:
        """A year-to-date figure read back from a stored rollup (or a sum of them): it has
        data when any of its sums is set."""
        has_data = any(x is not None for x in (numerator, denominator, value))
        return cls(numerator=numerator, denominator=denominator, value=value, units_reported=int(has_data))

    @property
    def has_data(self) -> bool:
        return self.units_reported > 0

    def level(self, *, percent: bool) -> Decimal | None:
        """The figure as shown: a percentage (0–100) or the summed value."""
        if not self.has_data:
            return None
        if percent:
            if self.denominator is None or self.denominator == 0 or self.numerator is None:
                return None
            return (self.numerator / self.denominator * HUNDRED).quantize(FOUR_PLACES, ROUND_HALF_UP)
        return self.value


def year_to_date(*, current: Figure, previous: Figure | None, flow: bool) -> Figure:
    """Flows add this quarter to the previous year-to-date; stocks keep the latest with data."""
    if previous is None or not previous.has_data:
        return current
    if not flow:
        return current if current.has_data else previous
    if not current.has_data:
        return previous
    return Figure(
        numerator=_add(current.numerator, previous.numerator),
        denominator=_add(current.denominator, previous.denominator),
        value=_add(current.value, previous.value),
        units_reported=current.units_reported,
    )


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None and b is None:
        return None
    return (a or Decimal(0)) + (b or Decimal(0))


def units_expected(*, linked: int, reported: int) -> int:
    """The units a figure waits for: those linked to the target, or more if more reported."""
    return max(linked, reported)


def expected_at(*, target: Decimal, baseline: Decimal | None, quarter: int, flow: bool) -> Decimal:
    """Where a straight line to the year's target stands at the end of ``quarter``.

    A flow starts the year at 0; a stock starts at its baseline (0 if none was set).
    """
    share = Decimal(quarter) / Decimal(4)
    start = Decimal(0) if flow or baseline is None else baseline
    return (start + (target - start) * share).quantize(FOUR_PLACES, ROUND_HALF_UP)


def achievement(*, level: Decimal | None, target: Decimal | None) -> Decimal | None:
    """value / target, as a percentage of the year's target."""
    if level is None or target is None or target == 0:
        return None
    return (level / target * HUNDRED).quantize(FOUR_PLACES, ROUND_HALF_UP)


def progress_status(*, level: Decimal | None, target: Decimal | None, expected: Decimal | None,
                    margin_pct: Decimal) -> RollupStatus:
    """reached ≥ target; on track within the margin below the trajectory; at risk within twice
    the margin; off track below that."""
    if target is None:
        return RollupStatus.NO_TARGET
    if level is None:
        return RollupStatus.NO_DATA
    if level >= target:
        return RollupStatus.REACHED
    if expected is None or expected <= 0:
        return RollupStatus.ON_TRACK
    margin = margin_pct / HUNDRED
    if level >= expected * (1 - margin):
        return RollupStatus.ON_TRACK
    if level >= expected * (1 - 2 * margin):
        return RollupStatus.AT_RISK
    return RollupStatus.OFF_TRACK
