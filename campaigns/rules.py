"""The rules a plan's tasks obey, in one place. Layer: model-level rules (pure: no queries,
no writes).

The numbering (I, II… groups; 1, 2… or 4.1 items; "-" and "+" tasks) gives each task its
level, and the levels give the tree: a task's parent is the nearest task before it of a
lower level. Every surface that writes tasks checks them here: the task form
(campaigns/services/tasks.py, and campaigns/forms.py for what a form can tell alone) and the
plan import from a workbook or a JSON seed (campaigns/services/plan_import.py). What each
surface looks up itself (units, indicators) stays with that surface.

A problem is (field, message): the field is the task's ("number", "title", "lead_text") or
the deliverable's ("text", "quantity", "per_period"); each surface files it under its own key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from portal.text import nfc
from targets.models import Period

ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
ARABIC = re.compile(r"^\d+(\.\d+)*$")
# Numbers that may repeat inside one group: bullets, not ordinals.
BULLETS = ("-", "+", "")
COLLECTIVE_PREFIXES = ("các ", "cơ quan, đơn vị", "toàn thể", "tất cả", "mọi ")


class TaskProblem(NamedTuple):
    field: str
    message: str


def task_level(number: str) -> int | None:
    """I → 1, 1 or 4.1 → 2, - → 3, + → 4; None for anything else."""
    if ROMAN.match(number):
        return 1
    if ARABIC.match(number):
        return 2
    return {"-": 3, "+": 4, "": 3}.get(number)


def is_collective_phrase(text: str) -> bool:
    """"Các cơ quan, đơn vị", "các cơ quan, đơn vị có liên quan…": a phrase, not one unit."""
    lowered = nfc(text).lower()
    return lowered.startswith(COLLECTIVE_PREFIXES) or "liên quan" in lowered


def task_parents(levels: Sequence[int]) -> list[int | None]:
    """For each row, the index of the nearest previous row of a lower level (its parent)."""
    parents: list[int | None] = []
    stack: list[int] = []
    for index, level in enumerate(levels):
        while stack and levels[stack[-1]] >= level:
            stack.pop()
        parents.append(stack[-1] if stack else None)
        stack.append(index)
    return parents


def sibling_clashes(numbers: Sequence[str], levels: Sequence[int]) -> list[list[int]]:
    """Rows that share a number under the same parent, in groups of two or more, each group in
    row order. Bullets ("-", "+") repeat freely; an ordinal is unique among its siblings."""
    groups: dict[tuple[int | None, str], list[int]] = {}
    for index, (number, parent) in enumerate(zip(numbers, task_parents(levels), strict=True)):
        if number not in BULLETS:
            groups.setdefault((parent, number), []).append(index)
    return [rows for rows in groups.values() if len(rows) > 1]


def number_clash(number: str) -> TaskProblem:
    return TaskProblem("number", _("STT “%(number)s” bị trùng trong cùng một nhóm.") % {"number": number})


def task_problems(*, number: str, title: str) -> list[TaskProblem]:
    """A task's own fields: a number the numbering knows, a title."""
    found = []
    if task_level(number) is None:
        found.append(TaskProblem("number", _("STT “%(number)s” không hợp lệ (dùng I, II…, 1, 2…, “-” hoặc “+”).")
                                 % {"number": number}))
    if not title.strip():
        found.append(TaskProblem("title", _("Nhiệm vụ không được để trống.")))
    return found


def lead_problems(*, has_unit: bool, text: str) -> list[TaskProblem]:
    """The lead is one unit or one collective phrase, never both."""
    if has_unit and text.strip():
        return [TaskProblem("lead_text", _("Chọn một đơn vị chủ trì hoặc ghi cụm từ chung, không ghi cả hai."))]
    return []


def deliverable_problems(*, text: str, quantity: Decimal | None, per_period: str | None) -> list[TaskProblem]:
    """A deliverable names its product; its quantity is not negative; its period is a period."""
    found = []
    if not text.strip():
        found.append(TaskProblem("text", _("Sản phẩm không được để trống.")))
    if quantity is not None and quantity < 0:
        found.append(TaskProblem("quantity", _("Số lượng không được âm.")))
    if per_period and per_period not in Period.values:
        found.append(TaskProblem("per_period", _("Kỳ không hợp lệ.")))
    return found
