"""Task writes (campaigns.task_services): placement, tree, version check, audit, amendments."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import AuditEntry, Plan, PlanAmendment, PlanStatus, Task
from campaigns.services.tasks import DeliverableInput, TaskInput, task_delete, task_save
from portal.errors import ConflictError
from portal.scoping import tenant_scope
from targets.models import Indicator
from tests.conftest import World
from tests.factories import TaskFactory


@pytest.fixture
def scoped(world: World) -> Iterator[World]:
    """Services run inside the commune's scope, as the web middleware sets it."""
    with tenant_scope([world.commune_a.pk]):
        yield world


def _tree(plan: Plan) -> list[tuple[str, str, int, str | None]]:
    """(number, title, level, parent title) in order: the table as a reader sees it."""
    return [(t.number, t.title, t.level, t.parent.title if t.parent else None)
            for t in Task.objects.filter(plan=plan).select_related("parent").order_by("order")]


def _grouped_plan(world: World) -> Plan:
    """plan_a with: I / 1 / - a1 / - a2 / II / - b1 (task_a is removed for a clean tree)."""
    plan = world.plan_a
    world.task_a.delete()
    rows = [("I", 1, "Nhóm I"), ("1", 2, "Mục 1"), ("-", 3, "Việc a1"), ("-", 3, "Việc a2"),
            ("II", 1, "Nhóm II"), ("-", 3, "Việc b1")]
    stack: list[Task] = []
    for order, (number, level, title) in enumerate(rows, start=1):
        while stack and stack[-1].level >= level:
            stack.pop()
        task = TaskFactory(plan=plan, order=order * 10, number=number, level=level, title=title,
                           parent=stack[-1] if stack else None)
        stack.append(task)
    return plan


def _version(plan: Plan) -> int:
    return Plan.objects.get(pk=plan.pk).version


def _group(plan: Plan, title: str) -> Task:
    return Task.objects.get(plan=plan, title=title)


def test_new_task_goes_at_the_end_of_its_group(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
              data=TaskInput(number="-", title="Việc a3", place_under_id=_group(plan, "Mục 1").pk))
    task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
              data=TaskInput(number="2", title="Mục 2", place_under_id=_group(plan, "Nhóm I").pk))
    assert _tree(plan) == [
        ("I", "Nhóm I", 1, None), ("1", "Mục 1", 2, "Nhóm I"), ("-", "Việc a1", 3, "Mục 1"),
        ("-", "Việc a2", 3, "Mục 1"), ("-", "Việc a3", 3, "Mục 1"), ("2", "Mục 2", 2, "Nhóm I"),
        ("II", "Nhóm II", 1, None), ("-", "Việc b1", 3, "Nhóm II"),
    ]
    orders = list(Task.objects.filter(plan=plan).values_list("order", flat=True))
    assert len(orders) == len(set(orders))


def test_task_without_a_group_goes_at_the_end_of_the_table(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    task = task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
                     data=TaskInput(number="+", title="Việc con cuối"))
    assert _tree(plan)[-1] == ("+", "Việc con cuối", 4, "Việc b1")
    assert task.order == max(Task.objects.filter(plan=plan).values_list("order", flat=True))


def test_a_group_cannot_hold_a_higher_level_number(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    with pytest.raises(ValidationError) as exc:
        task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
                  data=TaskInput(number="III", title="Nhóm sai chỗ", place_under_id=_group(plan, "Mục 1").pk))
    assert "place_under" in exc.value.error_dict
    assert Task.objects.filter(plan=plan).count() == 6


def test_duplicate_number_in_one_group_is_refused(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    with pytest.raises(ValidationError) as exc:
        task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
                  data=TaskInput(number="1", title="Mục 1 lặp", place_under_id=_group(plan, "Nhóm I").pk))
    assert "bị trùng" in exc.value.error_dict["number"][0].messages[0]


def test_bad_number_and_empty_title_are_refused_together(scoped: World) -> None:
    plan = scoped.plan_a
    with pytest.raises(ValidationError) as exc:
        task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
                  data=TaskInput(number="a)", title="  "))
    assert {"number", "title"} <= set(exc.value.error_dict)


def test_editing_a_number_rebuilds_the_tree(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    item = _group(plan, "Mục 1")
    task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), task=item,
              data=TaskInput(number="III", title="Nhóm III"))
    tree = _tree(plan)
    assert tree[1] == ("III", "Nhóm III", 1, None)
    assert tree[2] == ("-", "Việc a1", 3, "Nhóm III")


def test_stale_version_is_a_conflict_and_saves_nothing(scoped: World) -> None:
    plan = scoped.plan_a
    stale = _version(plan)
    task_save(plan=plan, actor=scoped.admin_a, version=stale, data=TaskInput(number="-", title="Trước"))
    with pytest.raises(ConflictError):
        task_save(plan=plan, actor=scoped.admin_a, version=stale, data=TaskInput(number="-", title="Sau"))
    assert not Task.objects.filter(plan=plan, title="Sau").exists()


def test_text_is_stored_as_nfc(scoped: World) -> None:
    plan = scoped.plan_a
    decomposed = unicodedata.normalize("NFD", "Tuyên truyền cho người dân")
    task = task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), data=TaskInput(
        number="-", title=decomposed, description=f"  {decomposed}\r\n\r\n- ý hai  ",
        lead_text=unicodedata.normalize("NFD", "Các cơ quan, đơn vị"),
        coordinator_texts=[unicodedata.normalize("NFD", "Các đoàn thể")],
        deliverables=[DeliverableInput(text=unicodedata.normalize("NFD", "Báo cáo quý"))]))
    task.refresh_from_db()
    assert task.title == "Tuyên truyền cho người dân"
    assert task.description == "Tuyên truyền cho người dân\n- ý hai"
    assert task.lead_text == "Các cơ quan, đơn vị"
    assert [c.text for c in task.coordinators.all()] == ["Các đoàn thể"]
    assert [d.text for d in task.deliverables.all()] == ["Báo cáo quý"]


@pytest.mark.parametrize(
    ("wording", "expected"),
    [
        ("Thường xuyên", {"timeframe_kind": "recurring", "recurrence": "continuous"}),
        ("Hàng quý", {"timeframe_kind": "recurring", "recurrence": "quarterly"}),
        ("Quý IV/2025; Quý I/2026", {"timeframe_kind": "quarters", "quarters": ["2025-Q4", "2026-Q1"]}),
        ("Dự kiến ngày 29/9/2026", {"timeframe_kind": "date"}),
        ("Từ 01/3/2026 đến 30/6/2026", {"timeframe_kind": "range"}),
        ("Theo tiến độ của tỉnh", {"timeframe_kind": "external"}),
    ],
)
def test_timeframe_wording_is_parsed_and_kept(scoped: World, wording: str, expected: dict[str, Any]) -> None:
    plan = scoped.plan_a
    task = task_save(plan=plan, actor=scoped.admin_a, version=_version(plan),
                     data=TaskInput(number="-", title="Việc có thời hạn", timeframe_text=wording))
    task.refresh_from_db()
    assert task.timeframe_text == wording
    for key, value in expected.items():
        assert getattr(task, key) == value


def test_units_and_indicators_of_another_commune_are_refused(scoped: World) -> None:
    plan = scoped.plan_a
    with pytest.raises(ValidationError) as exc:
        task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), data=TaskInput(
            number="-", title="Việc", lead_unit_id=scoped.unit_b.pk,
            coordinator_unit_ids=[scoped.unit_b.pk],
            deliverables=[DeliverableInput(text="Sản phẩm", indicator_id=987654)]))
    assert {"lead_unit", "coordinator_units", "deliverable-0"} <= set(exc.value.error_dict)


def test_update_records_old_and_new_and_keeps_the_version_when_nothing_changed(scoped: World) -> None:
    plan, task = scoped.plan_a, scoped.task_a
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES")
    task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), task=task, data=TaskInput(
        number="-", title=task.title, lead_unit_id=scoped.unit_a.pk,
        coordinator_unit_ids=[scoped.unit_a2.pk], coordinator_texts=["Các cơ quan, đơn vị"],
        timeframe_text="Hàng tháng",
        deliverables=[DeliverableInput(text="Tin, bài", quantity=Decimal(25), per_period="month",
                                       indicator_id=news.pk)]))
    entry = AuditEntry.objects.filter(action="task.update", target_id=task.pk).get()
    assert entry.changes["timeframe_text"] == ["Thường xuyên", "Hàng tháng"]
    assert entry.changes["coordinating"] == [[], ["Công an xã A", "Các cơ quan, đơn vị"]]
    assert entry.changes["deliverables"] == [[], ["Tin, bài (25 | month | NEWS_ARTICLES)"]]
    version = _version(plan)
    same = TaskInput(number="-", title=task.title, lead_unit_id=scoped.unit_a.pk,
                     coordinator_unit_ids=[scoped.unit_a2.pk], coordinator_texts=["Các cơ quan, đơn vị"],
                     timeframe_text="Hàng tháng",
                     deliverables=[DeliverableInput(text="Tin, bài", quantity=Decimal("25.00"),
                                                    per_period="month", indicator_id=news.pk)])
    task_save(plan=plan, actor=scoped.admin_a, version=version, task=task, data=same)
    assert _version(plan) == version
    assert AuditEntry.objects.filter(action="task.update", target_id=task.pk).count() == 1


def test_issued_plan_task_change_needs_a_reason_and_becomes_an_amendment(scoped: World) -> None:
    plan = scoped.plan_a
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.ISSUED)
    with pytest.raises(ValidationError) as exc:
        task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), task=scoped.task_a,
                  data=TaskInput(number="-", title="Tên mới", lead_unit_id=scoped.unit_a.pk))
    assert "reason" in exc.value.error_dict
    scoped.task_a.refresh_from_db()
    assert scoped.task_a.title != "Tên mới"
    assert not PlanAmendment.objects.filter(plan=plan).exists()

    old_title = scoped.task_a.title
    task_save(plan=plan, actor=scoped.admin_a, version=_version(plan), task=scoped.task_a,
              data=TaskInput(number="-", title="Tên mới", lead_unit_id=scoped.unit_a.pk),
              reason="Điều chỉnh theo chỉ đạo của tỉnh")
    amendment = PlanAmendment.objects.get(plan=plan)
    assert amendment.reason == "Điều chỉnh theo chỉ đạo của tỉnh"
    assert amendment.changes["action"] == "task.update"
    assert amendment.changes["fields"]["title"] == [old_title, "Tên mới"]


def test_delete_refuses_a_group_with_tasks_and_records_a_leaf(scoped: World) -> None:
    plan = _grouped_plan(scoped)
    with pytest.raises(ValidationError):
        task_delete(task=_group(plan, "Mục 1"), actor=scoped.admin_a, version=_version(plan))
    leaf = _group(plan, "Việc a2")
    task_delete(task=leaf, actor=scoped.admin_a, version=_version(plan))
    assert not Task.objects.filter(pk=leaf.pk).exists()
    entry = AuditEntry.objects.get(action="task.delete", target_id=leaf.pk)
    assert entry.changes["title"] == ["Việc a2", None]


def test_delete_with_a_stale_version_is_a_conflict(scoped: World) -> None:
    stale = _version(scoped.plan_a)
    task_save(plan=scoped.plan_a, actor=scoped.admin_a, version=stale, data=TaskInput(number="-", title="Khác"))
    with pytest.raises(ConflictError):
        task_delete(task=scoped.task_a, actor=scoped.admin_a, version=stale)
    assert Task.objects.filter(pk=scoped.task_a.pk).exists()
