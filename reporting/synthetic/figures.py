"""Synthetic figures (issue 5): plausible targets and reported values, drawn from a seeded
generator by position only, so the same seed gives the same figures on every run.

Percentages are counts of a population group (numerator ≤ denominator, rising quarter by
quarter), the count indicators small flows, the level indicators non-decreasing stocks.

Layer: bench and test data (pure: no database).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from reporting.synthetic.spec import MAX_QUARTERS, SyntheticSpec
from targets.models import TargetGroup

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


@dataclass(frozen=True)
class IndicatorSpec:
    """What the figures of one indicator need to know of it."""

    pk: int
    code: str
    percent: bool
    flow: bool
    group: str


def seeded_rng(spec: SyntheticSpec, *parts: int) -> random.Random:
    """A generator that depends only on the seed and the position (province, commune, unit,
    quarter), never on database ids: the same seed gives the same figures on every run."""
    key = spec.seed
    for part in parts:
        key = key * 1_000_003 + part
    return random.Random(key)  # noqa: S311 - synthetic figures, not secrets


def target_figures(rng: random.Random, indicator: IndicatorSpec, units: int) -> tuple[int, int | None]:
    """(year's target, baseline): a percentage to reach, a year's total flow, a final stock."""
    if indicator.percent:
        return rng.choice((70, 75, 80, 85, 90, 95, 100)), rng.randint(10, 40)
    if indicator.flow:
        per_quarter = FLOW_MAX.get(indicator.code, 20) / 2 * units
        return max(1, round(per_quarter * 4 * rng.uniform(0.8, 1.3))), None
    start, growth = STOCK_GROWTH.get(indicator.code, (5, 2))
    return max(1, round((start / 2 + growth * 2) * units * rng.uniform(0.8, 1.3))), 0


def value_rows(spec: SyntheticSpec, index: int, reports: list[tuple[int, int]],
               units: list[tuple[int, int]], quarter_index: int,
               indicators: list[IndicatorSpec]) -> Iterator[tuple[object, ...]]:
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
        series = seeded_rng(spec, index, commune_index, unit_index)  # same draws every quarter
        noise = seeded_rng(spec, index, commune_index, unit_index, 1_000 + quarter_index)
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
