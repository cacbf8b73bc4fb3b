"""The status of an indicator against its target: its vocabulary, its words, and the rule that
turns the stored status into the status shown. Pure rules (no query runs here); layer: the
arithmetic of progress, beside ``targets.progress`` which computes the stored status.

A stored rollup row carries ``status``: the year-to-date figure against the straight line to
the year's target (``targets.progress.progress_status``), computed whenever the row is. That
judgement is only fair once the quarter's units had until their deadline to report, and only
on figures someone reported this quarter. Before the period's unit deadline a line drawn to
the end of the quarter (the full-year line in Q4) condemns units that still have days left;
with no unit reported, last quarter's figure measured against this quarter's line says "Chậm
tiến độ" about data nobody sent. So what is shown is:

- "Đã đạt" whenever the figure reached the target (a fact, whatever the date);
- "Chưa đến hạn" before the quarter's unit deadline (the deadline day itself included);
- "Chưa có số liệu" after it when no unit reported the indicator this quarter;
- otherwise the stored judgement.

The date is a reading-time input, so the rule is applied when rows are read (reporting's
``judge_rows``), never stored: a row computed eight days before the deadline turns into a
judgement the day after it without a recompute.

The rule is written twice, side by side below: ``shown_status`` for a row in hand and
``shown_status_filter`` for a query over rows (the API's status filter). A test checks the two
agree on every combination.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


class RollupStatus(models.TextChoices):
    """What the rollup computed (``targets.progress.progress_status``) and stored."""

    REACHED = "reached", gettext_lazy("Đã đạt")
    ON_TRACK = "on_track", gettext_lazy("Đúng tiến độ")
    AT_RISK = "at_risk", gettext_lazy("Có nguy cơ chậm")
    OFF_TRACK = "off_track", gettext_lazy("Chậm tiến độ")
    NO_DATA = "no_data", gettext_lazy("Chưa có số liệu")
    NO_TARGET = "no_target", gettext_lazy("Không có chỉ tiêu")


# Shown, never stored (RollupStatus is what the rollup computed).
NOT_DUE = "not_due"
NOT_DUE_LABEL = gettext_lazy("Chưa đến hạn")
LAGGING = frozenset({RollupStatus.AT_RISK, RollupStatus.OFF_TRACK})
# Facts whatever the date: shown as stored.
SETTLED = (RollupStatus.REACHED, RollupStatus.NO_TARGET)
# A mark beside each status word, so the status survives without colour (and in print).
STATUS_MARKS: dict[str, str] = {
    RollupStatus.REACHED: "✓", RollupStatus.ON_TRACK: "→", RollupStatus.AT_RISK: "!",
    RollupStatus.OFF_TRACK: "✕", RollupStatus.NO_DATA: "…", RollupStatus.NO_TARGET: "–", NOT_DUE: "○",
}
STATUS_ORDER = (RollupStatus.REACHED, RollupStatus.ON_TRACK, RollupStatus.AT_RISK, RollupStatus.OFF_TRACK,
                NOT_DUE, RollupStatus.NO_DATA)
STATUS_CODES = frozenset({*RollupStatus.values, NOT_DUE})


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    mark: str


def status_label(code: str) -> str:
    """The status in words ("Chưa đến hạn", "Chậm tiến độ"…); an unknown code reads as no data."""
    if code == NOT_DUE:
        return str(NOT_DUE_LABEL)
    known = code if code in RollupStatus.values else RollupStatus.NO_DATA
    return str(RollupStatus(known).label)


def status_of(code: str) -> Status:
    """The status as the pages write it: its word and its mark."""
    known = code if code in STATUS_CODES else RollupStatus.NO_DATA
    return Status(code=known, label=status_label(known), mark=STATUS_MARKS.get(known, "…"))


def status_legend() -> list[Status]:
    return [status_of(code) for code in STATUS_ORDER]


# --- The shown status: the rule, and the same rule as a filter --------------------------------


def is_due(*, unit_deadline: date | None, today: date) -> bool:
    """Whether a quarter is judged ``today``: its unit deadline has passed (the deadline day
    itself is not due). No period, no deadline to wait for: due."""
    return unit_deadline is None or unit_deadline < today


def shown_status(*, stored: str, units_reported: int, due: bool) -> str:
    """The status to show for a stored one (see the module docstring)."""
    if stored in SETTLED:
        return stored
    if not due:
        return NOT_DUE
    if units_reported <= 0:
        return RollupStatus.NO_DATA
    return stored


def shown_status_filter(code: str, *, today: date) -> Q:
    """Rows whose shown status is ``code``: shown_status() as a filter, clause by clause, over
    rows carrying ``status``, ``units_reported`` and their quarter's ``unit_deadline``
    (reporting annotates it: ``unit_deadline_of``)."""
    judged = ~Q(status__in=SETTLED)
    # is_due() spelled out both ways: NOT over a NULL deadline (no period: due) would drop the row.
    not_due = Q(unit_deadline__gte=today)
    due = Q(unit_deadline__isnull=True) | Q(unit_deadline__lt=today)
    if code in SETTLED:
        return Q(status=code)
    if code == NOT_DUE:
        return judged & not_due
    if code == RollupStatus.NO_DATA:
        return judged & due & (Q(units_reported__lte=0) | Q(status=RollupStatus.NO_DATA))
    return Q(status=code) & due & Q(units_reported__gt=0)
