"""Synthetic data (issue 5): what to generate, and how its rows are recognised.

``SyntheticSpec`` is the size of a run (provinces, communes, units, indicators, quarters) and
its seed and prefix; every synthetic commune's code is ``<prefix>-NNN-NNNN`` in a province whose
code is ``<prefix>NNN``, which is how reporting.synthetic.bulk deletes exactly them.

Layer: bench and test data (generation below the portal's services; no user, no audit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from targets.library import STANDARD_INDICATORS

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,6}$")
EXTRA_CODE = "SYN_{:02d}"
MAX_EXTRA_INDICATORS = 12
MAX_INDICATORS = len(STANDARD_INDICATORS) + MAX_EXTRA_INDICATORS
MAX_QUARTERS = 8
PREFIX_RULE = "prefix: 1–7 lowercase letters or digits, starting with a letter"


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
            raise SyntheticError(PREFIX_RULE)
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


def commune_code_regex(prefix: str) -> str:
    return rf"^{prefix}-[0-9]{{3}}-[0-9]{{4}}$"


def province_code_regex(prefix: str) -> str:
    return rf"^{prefix}[0-9]{{3}}$"
