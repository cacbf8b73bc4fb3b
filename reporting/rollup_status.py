"""The status an indicator shows, and its words: the one rule pages, dashboards and PDFs read.

A stored rollup row carries ``status``: the year-to-date figure against the straight line to
the year's target (rollup_math.progress_status), computed whenever the row is. That judgement
is only fair once the quarter's units had until their deadline to report, and only on figures
someone reported this quarter. Before the period's unit deadline a line drawn to the end of the
quarter (the full-year line in Q4) condemns units that still have days left; with no unit
reported, last quarter's figure measured against this quarter's line says "Chậm tiến độ" about
data nobody sent. So what is shown is:

- "Đã đạt" whenever the figure reached the target (a fact, whatever the date);
- "Chưa đến hạn" before the quarter's unit deadline (the deadline day itself included);
- "Chưa có số liệu" after it when no unit reported the indicator this quarter;
- otherwise the stored judgement.

The date is a reading-time input, so the rule is applied when rows are read (``judge_rows``),
never stored: a row computed eight days before the deadline turns into a judgement the day
after it without a recompute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from reporting.deadlines import local_today
from reporting.models import CommuneRollup, PeriodKind, ReportingPeriod, RollupStatus

# Shown, never stored (RollupStatus is what the rollup computed).
NOT_DUE = "not_due"
NOT_DUE_LABEL = gettext_lazy("Chưa đến hạn")
LAGGING = frozenset({RollupStatus.AT_RISK, RollupStatus.OFF_TRACK})
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


def shown_status(*, stored: str, units_reported: int, due: bool) -> str:
    """The module's rule: the status to show for a stored one (see the module docstring)."""
    if stored in (RollupStatus.REACHED, RollupStatus.NO_TARGET):
        return stored
    if not due:
        return NOT_DUE
    if units_reported <= 0:
        return RollupStatus.NO_DATA
    return stored


def shown_status_on(*, stored: str, units_reported: int, unit_deadline: date | None,
                    today: date | None = None) -> str:
    """shown_status() for a row read with its quarter's unit deadline (``unit_deadline_of``):
    no period, no deadline to wait for."""
    due = unit_deadline is None or unit_deadline < (today or local_today())
    return shown_status(stored=stored, units_reported=units_reported, due=due)


def unit_deadline_of() -> Subquery:
    """The unit deadline of a CommuneRollup row's quarter, as an annotation (no extra query).

    Through the base manager: the rollup rows are read in the tenant scope already, and the
    period is found by their own plan, so the scope's join would only repeat it."""
    return Subquery(ReportingPeriod._base_manager.filter(
        plan_id=OuterRef("plan_id"), kind=PeriodKind.QUARTERLY, year=OuterRef("year"), quarter=OuterRef("quarter"),
    ).values("unit_deadline")[:1])


def shown_status_filter(code: str, *, today: date | None = None) -> Q:
    """Rows of CommuneRollup annotated with ``unit_deadline`` (``unit_deadline_of``) whose
    shown status is ``code``: shown_status() as a filter, clause by clause (a test checks the
    two agree on every combination)."""
    today = today or local_today()
    judged = ~Q(status__in=[RollupStatus.REACHED, RollupStatus.NO_TARGET])
    # Spelled out both ways: NOT over a NULL deadline (no period: due) would drop the row.
    not_due = Q(unit_deadline__gte=today)
    due = Q(unit_deadline__isnull=True) | Q(unit_deadline__lt=today)
    if code in (RollupStatus.REACHED, RollupStatus.NO_TARGET):
        return Q(status=code)
    if code == NOT_DUE:
        return judged & not_due
    if code == RollupStatus.NO_DATA:
        return judged & due & (Q(units_reported__lte=0) | Q(status=RollupStatus.NO_DATA))
    return Q(status=code) & due & Q(units_reported__gt=0)


def not_due_quarters(*, plan_ids: Iterable[int], today: date) -> set[tuple[int, int, int]]:
    """(plan, year, quarter) of the quarterly periods whose unit deadline is today or later
    (one query). A quarter without a period has no deadline to wait for: it is due."""
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
