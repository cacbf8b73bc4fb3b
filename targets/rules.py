"""The rules a plan's targets obey, in one place. Layer: model-level rules (pure: no queries,
no writes; targets imports nothing of campaigns).

Every surface that writes targets checks them here: the targets grid of the plan page
(campaigns/services/targets.py) and the plan import from a workbook or a JSON seed
(campaigns/services/plan_import.py). What each surface looks up itself (which indicator a row
names, which units report on it) stays with that surface; what a target's figures must be is
decided here.

Each problem has two wordings: ``message``, shown beside the row it concerns (the row already
shows its indicator and year), and ``listed``, for a list of problems read apart from the row
(an import's report), which names the target.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from targets.models import Measure, Period


@dataclass(frozen=True)
class TargetFigures:
    """One target as the rules see it, whichever surface it came from."""

    indicator: Hashable  # what makes two targets the same target: the indicator's id or code
    code: str  # the indicator's code, as a listed problem names it
    year: int
    value: Decimal | None
    measure: str | None = None  # the indicator's measure; None when the indicator is unknown
    baseline: Decimal | None = None
    per_period_quantity: Decimal | None = None
    per_period: str | None = None
    # Why the target's sentence disagrees with its figure, found by the caller (reading a
    # sentence is the plan text's business); reported only when the figure itself is valid.
    statement_problem: str | None = None


@dataclass(frozen=True)
class TargetProblem:
    field: str  # "year", "indicator", "value", "statement", "baseline", "per_period", "per_period_quantity"
    message: str
    listed: str

    @classmethod
    def same(cls, field: str, message: str) -> TargetProblem:
        """A problem whose wording needs no more context in a list than beside its row."""
        return cls(field, message, message)


def target_value_problem(value: Decimal | None, *, measure: str | None) -> str | None:
    """Why a target's figure is refused, or None: missing, negative, a percentage over 100."""
    if value is None:
        return _("Chưa nhập giá trị chỉ tiêu.")
    if value < 0:
        return _("Chỉ tiêu không được âm.")
    if measure == Measure.PERCENT and value > 100:
        return _("Chỉ tiêu phần trăm không được lớn hơn 100.")
    return None


def _year_problem(target: TargetFigures, start_year: int, end_year: int) -> TargetProblem | None:
    if start_year <= target.year <= end_year:
        return None
    return TargetProblem(
        "year", _("Năm nằm ngoài thời gian của kế hoạch."),
        _("Năm %(year)s nằm ngoài thời gian của kế hoạch (%(start)s–%(end)s).")
        % {"year": target.year, "start": start_year, "end": end_year})


def _duplicate(target: TargetFigures) -> TargetProblem:
    return TargetProblem(
        "indicator", _("Chỉ tiêu bị lặp (cùng chỉ số, cùng năm)."),
        _("Chỉ tiêu “%(code)s” năm %(year)s bị lặp.") % {"code": target.code, "year": target.year})


def _figure_problems(target: TargetFigures) -> list[TargetProblem]:
    """The value (or, when it is valid, the sentence that states it), then the other figures."""
    found: list[TargetProblem] = []
    value = target_value_problem(target.value, measure=target.measure)
    if value is not None:
        found.append(TargetProblem.same("value", value))
    elif target.statement_problem:
        found.append(TargetProblem.same("statement", target.statement_problem))
    if target.baseline is not None and target.baseline < 0:
        found.append(TargetProblem.same("baseline", _("Số liệu gốc không được âm.")))
    if target.per_period and target.per_period not in Period.values:
        found.append(TargetProblem.same("per_period", _("Kỳ định mức không hợp lệ.")))
    if target.per_period_quantity is not None and target.per_period_quantity < 0:
        found.append(TargetProblem.same("per_period_quantity", _("Định mức không được âm.")))
    return found


def targets_check(targets: Sequence[TargetFigures], *, start_year: int,
                  end_year: int) -> list[list[TargetProblem]]:
    """The problems of each target, in the order given: a year inside the plan, one target per
    indicator and year (the later one of a pair is the duplicate), then its figures."""
    seen: set[tuple[Hashable, int]] = set()
    problems: list[list[TargetProblem]] = []
    for target in targets:
        found: list[TargetProblem] = []
        year = _year_problem(target, start_year, end_year)
        if year is not None:
            found.append(year)
        if (target.indicator, target.year) in seen:
            found.append(_duplicate(target))
        seen.add((target.indicator, target.year))
        found += _figure_problems(target)
        problems.append(found)
    return problems
