"""Parse a task's timeframe wording into a structured timeframe, keeping the wording.

"Thường xuyên", "Hàng tuần", "Quý IV/2025; Quý I/2026", "Dự kiến ngày 29/9/2025",
"Từ 01/3/2026 đến 30/6/2026", "Theo tiến độ của tỉnh"… Anything not recognised is an
external schedule: the original words are always what the plan shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from portal.formats import quarter_from_roman, quarter_of
from portal.text import nfc

_RECURRENCE_WORDS = [
    ("thường xuyên", "continuous"),
    ("hàng ngày", "daily"), ("hằng ngày", "daily"),
    ("hàng tuần", "weekly"), ("hằng tuần", "weekly"),
    ("hàng tháng", "monthly"), ("hằng tháng", "monthly"),
    ("hàng quý", "quarterly"), ("hằng quý", "quarterly"),
    ("hàng năm", "yearly"), ("hằng năm", "yearly"),
]
_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_QUARTER = re.compile(r"quý\s+(IV|III|II|I|[1-4])\s*/\s*(\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class Timeframe:
    text: str
    kind: str = ""
    recurrence: str = ""
    date_start: date | None = None
    date_end: date | None = None
    quarters: list[str] = field(default_factory=list)

    def covers_quarter(self, year: int, quarter: int) -> bool | None:
        """Whether the task falls in a quarter; None when the timeframe cannot say."""
        if self.kind == "recurring":
            return True
        if self.kind == "quarters":
            return f"{year}-Q{quarter}" in self.quarters
        if self.kind in ("date", "range") and self.date_start:
            start_q = (self.date_start.year, quarter_of(self.date_start))
            end = self.date_end or self.date_start
            end_q = (end.year, quarter_of(end))
            return start_q <= (year, quarter) <= end_q
        return None


def _date(match: tuple[str, str, str]) -> date | None:
    day, month, year = (int(x) for x in match)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_timeframe(text: str) -> Timeframe:
    text = nfc(text)
    lowered = text.lower()
    if not text:
        return Timeframe(text="")
    quarters = [
        f"{int(year)}-Q{quarter_from_roman(q) or int(q)}" for q, year in _QUARTER.findall(text)
    ]
    if quarters:
        return Timeframe(text=text, kind="quarters", quarters=quarters)
    dates = [d for d in (_date(m) for m in re.findall(_DATE, text)) if d]
    if len(dates) >= 2 and re.search(r"\b(từ|đến)\b", lowered):
        return Timeframe(text=text, kind="range", date_start=min(dates), date_end=max(dates))
    if dates:
        return Timeframe(text=text, kind="date", date_start=dates[0], date_end=dates[-1] if len(dates) > 1 else None)
    for word, recurrence in _RECURRENCE_WORDS:
        if lowered.startswith(word):
            return Timeframe(text=text, kind="recurring", recurrence=recurrence)
    return Timeframe(text=text, kind="external")
