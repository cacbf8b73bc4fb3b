"""The target rules (targets.rules) and the task rules (campaigns.rules) on their own: the plan
pages and the plan import apply these same functions (no database here)."""

from __future__ import annotations

from decimal import Decimal

from campaigns.rules import deliverable_problems, sibling_clashes, task_parents, task_problems
from targets.models import Measure
from targets.rules import TargetFigures, targets_check


def _target(**kwargs: object) -> TargetFigures:
    fields: dict[str, object] = {"indicator": 1, "code": "ADULTS", "year": 2026, "value": Decimal(70),
                                 "measure": Measure.PERCENT}
    fields.update(kwargs)
    return TargetFigures(**fields)  # type: ignore[arg-type]


def test_a_target_problem_has_a_row_wording_and_a_list_wording() -> None:
    [[year]] = targets_check([_target(year=2031)], start_year=2026, end_year=2026)
    assert (year.field, year.message) == ("year", "Năm nằm ngoài thời gian của kế hoạch.")
    assert year.listed == "Năm 2031 nằm ngoài thời gian của kế hoạch (2026–2026)."


def test_the_later_of_two_targets_for_one_indicator_and_year_is_the_duplicate() -> None:
    first, second = targets_check([_target(), _target(value=Decimal(80))], start_year=2026, end_year=2026)
    assert first == []
    assert [(p.field, p.listed) for p in second] == [("indicator", "Chỉ tiêu “ADULTS” năm 2026 bị lặp.")]


def test_the_sentence_is_judged_only_once_the_figure_is_valid() -> None:
    sentence = "Câu chỉ tiêu ghi 60"
    [[over]] = targets_check([_target(value=Decimal(120), statement_problem=sentence)],
                             start_year=2026, end_year=2026)
    assert over.message == "Chỉ tiêu phần trăm không được lớn hơn 100."
    [[statement]] = targets_check([_target(statement_problem=sentence)], start_year=2026, end_year=2026)
    assert statement.message == sentence


def test_an_unknown_indicator_is_not_capped_at_100() -> None:
    assert targets_check([_target(value=Decimal(300), measure=None)], start_year=2026, end_year=2026) == [[]]


def test_tasks_hang_under_the_nearest_lower_level_and_ordinals_are_unique_among_siblings() -> None:
    numbers = ["I", "1", "-", "-", "2", "1", "II", "1"]
    levels = [1, 2, 3, 3, 2, 2, 1, 2]
    assert task_parents(levels) == [None, 0, 1, 1, 0, 0, None, 6]
    assert sibling_clashes(numbers, levels) == [[1, 5]]


def test_a_task_needs_a_known_number_and_a_title() -> None:
    assert [p.field for p in task_problems(number="a)", title=" ")] == ["number", "title"]
    assert task_problems(number="4.1", title="Tổ chức") == []


def test_a_deliverable_names_its_product() -> None:
    problems = deliverable_problems(text="", quantity=Decimal(-1), per_period="fortnight")
    assert [p.field for p in problems] == ["text", "quantity", "per_period"]
