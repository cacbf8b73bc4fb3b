"""The plan pages: list, create, the document, header edit, issue, targets grid, tasks, unit page."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campaigns.demo import seed_plan_data
from campaigns.models import (
    AuditEntry,
    Membership,
    Plan,
    PlanAmendment,
    PlanStatus,
    Task,
    TaskCoordinator,
    TaskDeliverable,
)
from campaigns.services.plans import PLAN_HEADER_FIELDS
from portal.access import Role
from portal.scoping import scopes_disabled
from targets.models import Indicator, Target
from tests.conftest import World, login
from tests.factories import TargetFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFLICT_TEXT = "Dữ liệu vừa được người khác cập nhật"


def _indicator(code: str) -> Indicator:
    with scopes_disabled():
        return Indicator.objects.get(commune__isnull=True, code=code)


def _plan(pk: int) -> Plan:
    with scopes_disabled():
        return Plan.objects.get(pk=pk)


def header_data(plan: Plan, **changes: Any) -> dict[str, Any]:
    """The header form as the browser sends it, from what is saved, with ``changes``."""
    data: dict[str, Any] = {}
    for name in PLAN_HEADER_FIELDS:
        value = getattr(plan, name)
        data[name] = "" if value is None else value
    data["version"] = plan.version
    data.update(changes)
    return data


# --- Every page renders for its roles ------------------------------------------------------

PAGES = [
    # (url name, keyword → world attribute, users who get 200, users who get 404)
    ("plan_list", {"commune_code": "commune_a.code"}, ["admin_a", "viewer_a", "reviewer_p"], ["reporter_a"]),
    ("plan_create", {"commune_code": "commune_a.code"}, ["admin_a"], ["viewer_a", "reviewer_p", "reporter_a"]),
    ("plan_detail", {"plan_pk": "plan_a.pk"}, ["admin_a", "viewer_a", "reviewer_p", "reporter_a", "reporter_a2"], []),
    ("plan_edit", {"plan_pk": "plan_a.pk"}, ["admin_a"], ["viewer_a", "reviewer_p", "reporter_a"]),
    ("plan_targets", {"plan_pk": "plan_a.pk"}, ["admin_a"], ["viewer_a", "reviewer_p", "reporter_a"]),
    ("plan_tasks", {"plan_pk": "plan_a.pk"}, ["admin_a", "viewer_a", "reviewer_p", "reporter_a"], []),
    ("task_create", {"plan_pk": "plan_a.pk"}, ["admin_a"], ["viewer_a", "reviewer_p", "reporter_a"]),
    ("task_edit", {"task_pk": "task_a.pk"}, ["admin_a"], ["viewer_a", "reviewer_p", "reporter_a"]),
]


def _resolve(world: World, path: str) -> Any:
    value: Any = world
    for part in path.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize(("name", "kwargs", "allowed", "refused"), PAGES, ids=[p[0] for p in PAGES])
def test_plan_page_renders_for_its_roles_only(world: World, name: str, kwargs: dict[str, str],
                                              allowed: list[str], refused: list[str]) -> None:
    url = reverse(name, kwargs={k: _resolve(world, v) for k, v in kwargs.items()})
    for user in allowed:
        response = login(getattr(world, user)).get(url)
        assert response.status_code == 200, (name, user)
        assert 'lang="vi"' in response.content.decode()
    for user in refused:
        assert login(getattr(world, user)).get(url).status_code == 404, (name, user)


def test_post_only_views_answer_get_with_405(world: World) -> None:
    client = login(world.admin_a)
    assert client.get(reverse("plan_issue", kwargs={"plan_pk": world.plan_a.pk})).status_code == 405
    assert client.get(reverse("task_delete", kwargs={"task_pk": world.task_a.pk})).status_code == 405


def test_plan_list_shows_status_years_and_the_create_button_for_admins(world: World) -> None:
    url = reverse("plan_list", kwargs={"commune_code": world.commune_a.code})
    body = login(world.admin_a).get(url).content.decode()
    assert world.plan_a.title in body and "Dự thảo" in body and "2026" in body
    assert "Tạo kế hoạch" in body
    assert "Tạo kế hoạch" not in login(world.viewer_a).get(url).content.decode()


# --- Creating and editing the header -------------------------------------------------------


def test_admin_creates_a_plan(world: World) -> None:
    client = login(world.admin_a)
    url = reverse("plan_create", kwargs={"commune_code": world.commune_a.code})
    assert "ỦY BAN NHÂN DÂN XÃ" in client.get(url).content.decode()  # sensible defaults
    template = _plan(world.plan_a.pk)
    data = header_data(template, title="Kế hoạch năm 2027", start_year=2027, end_year=2027, version="")
    response = client.post(url, data)
    assert response.status_code == 302
    with scopes_disabled():
        plan = Plan.objects.get(commune=world.commune_a, title="Kế hoạch năm 2027")
        assert AuditEntry.objects.filter(action="plan.create", target_id=plan.pk).exists()
    assert response["Location"] == reverse("plan_detail", kwargs={"plan_pk": plan.pk})
    assert plan.status == PlanStatus.DRAFT and plan.years == [2027]


def test_create_form_shows_vietnamese_field_errors_and_saves_nothing(world: World) -> None:
    client = login(world.admin_a)
    url = reverse("plan_create", kwargs={"commune_code": world.commune_a.code})
    data = header_data(_plan(world.plan_a.pk), title="Kế hoạch lỗi", start_year=2027, end_year=2026,
                       issue_day=31, issue_month=2, issue_year=2026)
    body = client.post(url, data).content.decode()
    assert "Năm kết thúc phải không nhỏ hơn năm bắt đầu." in body
    assert "Ngày 31/2/2026 không tồn tại." in body
    with scopes_disabled():
        assert not Plan.objects.filter(title="Kế hoạch lỗi").exists()


def test_admin_edits_the_header(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    response = login(world.admin_a).post(reverse("plan_edit", kwargs={"plan_pk": plan.pk}),
                                         header_data(plan, signer_name="Nguyễn Văn An"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.signer_name == "Nguyễn Văn An"
    assert plan.version == 2


def test_header_edit_conflict_keeps_the_first_save_and_the_users_input(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    url = reverse("plan_edit", kwargs={"plan_pk": plan.pk})
    first = login(world.admin_a).post(url, header_data(plan, title="Bản của người thứ nhất"))
    assert first.status_code == 302
    other_admin = UserFactory(username="admin_a_2")
    Membership.objects.create(user=other_admin, role=Role.COMMUNE_ADMIN, commune=world.commune_a)
    second = login(other_admin).post(url, header_data(plan, title="Bản của người thứ hai"))
    assert second.status_code == 409
    body = second.content.decode()
    assert CONFLICT_TEXT in body
    assert "Bản của người thứ hai" in body  # the typed input is still in the form
    plan.refresh_from_db()
    assert plan.title == "Bản của người thứ nhất"


def test_issue_refuses_a_plan_without_number_date_or_signer(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    client = login(world.admin_a)
    response = client.post(reverse("plan_issue", kwargs={"plan_pk": plan.pk}),
                           {"version": plan.version}, follow=True)
    body = response.content.decode()
    assert "Chưa thể ban hành, còn thiếu" in body and "số văn bản" in body and "người ký" in body
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def _issue(world: World) -> Plan:
    plan = _plan(world.plan_a.pk)
    client = login(world.admin_a)
    client.post(reverse("plan_edit", kwargs={"plan_pk": plan.pk}),
                header_data(plan, number="12", issue_day=5, signer_position="CHỦ TỊCH",
                            signer_name="Nguyễn Văn An"))
    plan.refresh_from_db()
    response = client.post(reverse("plan_issue", kwargs={"plan_pk": plan.pk}), {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    return plan


def test_admin_issues_a_complete_plan(world: World) -> None:
    plan = _issue(world)
    assert plan.status == PlanStatus.ISSUED and plan.issued_at is not None
    body = login(world.viewer_a).get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "Đã ban hành" in body and "Số: 12/KH-UBND" in body
    assert "ngày 05 tháng 01 năm 2026" in body


def test_issued_plan_needs_a_reason_and_records_the_amendment(world: World) -> None:
    plan = _issue(world)
    old_title = plan.title
    client = login(world.admin_a)
    url = reverse("plan_edit", kwargs={"plan_pk": plan.pk})
    assert "Lý do sửa đổi" in client.get(url).content.decode()
    refused = client.post(url, header_data(plan, title="Tên đã sửa"))
    assert refused.status_code == 200
    assert "phải ghi lý do sửa đổi" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.title == old_title

    accepted = client.post(url, header_data(plan, title="Tên đã sửa", reason="Sửa theo góp ý của Sở"))
    assert accepted.status_code == 302
    with scopes_disabled():
        amendment = PlanAmendment.objects.get(plan=plan)
    assert amendment.reason == "Sửa theo góp ý của Sở"
    assert amendment.changes["fields"]["title"] == [old_title, "Tên đã sửa"]
    assert amendment.actor == world.admin_a
    body = client.get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "Sửa theo góp ý của Sở" in body and "Tên đã sửa" in body and "Lịch sử sửa đổi" in body


# --- Targets grid --------------------------------------------------------------------------


def grid_data(version: int, rows: list[dict[str, Any]], existing: int, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version, "t-TOTAL_FORMS": len(rows), "t-INITIAL_FORMS": existing,
                            "t-MIN_NUM_FORMS": 0, "t-MAX_NUM_FORMS": 1000, **extra}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"t-{i}-{key}"] = value
    return data


def _row(indicator: str, year: int, value: Any, **more: Any) -> dict[str, Any]:
    return {"indicator": _indicator(indicator).pk, "year": year, "value": value, "baseline": "",
            "statement": "", **more}


def test_targets_grid_saves_changed_and_new_rows(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    url = reverse("plan_targets", kwargs={"plan_pk": plan.pk})
    client = login(world.admin_a)
    page = client.get(url).content.decode()
    assert "Người dân có kỹ năng số cơ bản" in page and "Dòng mới" in page
    rows = [
        _row("ADULTS_DIGITAL_SKILLS", 2026, "85", reporting_units=[world.unit_a.pk]),
        _row("NEWS_ARTICLES", 2026, "300", baseline="120", is_stretch="on",
             statement="Tin, bài: 25 tin, bài/tháng", reporting_units=[world.unit_a.pk, world.unit_a2.pk]),
        {"indicator": "", "year": 2026, "value": ""},  # an untouched empty row
    ]
    response = client.post(url, grid_data(plan.version, rows, existing=1))
    assert response.status_code == 302
    with scopes_disabled():
        world.target_a.refresh_from_db()
        assert world.target_a.value == Decimal(85)
        news = Target.objects.get(plan=plan, indicator__code="NEWS_ARTICLES")
        assert (news.value, news.baseline, news.is_stretch) == (Decimal(300), Decimal(120), True)
        assert set(news.reporting_units.values_list("pk", flat=True)) == {world.unit_a.pk, world.unit_a2.pk}
        assert Target.objects.filter(plan=plan).count() == 2


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ({"code": "ADULTS_DIGITAL_SKILLS", "value": "120"}, "Chỉ tiêu phần trăm không được lớn hơn 100."),
        ({"code": "NEWS_ARTICLES", "value": "-5"}, "Chỉ tiêu không được âm."),
        ({"code": "ADULTS_DIGITAL_SKILLS", "value": "90"}, "Chỉ tiêu bị lặp (cùng chỉ số, cùng năm)."),
    ],
    ids=["over-100-percent", "negative", "duplicate-indicator-year"],
)
def test_targets_grid_refuses_bad_rows_and_saves_nothing(world: World, bad_row: dict[str, str],
                                                         message: str) -> None:
    plan = _plan(world.plan_a.pk)
    url = reverse("plan_targets", kwargs={"plan_pk": plan.pk})
    rows = [_row("ADULTS_DIGITAL_SKILLS", 2026, "85"), _row(bad_row["code"], 2026, bad_row["value"])]
    response = login(world.admin_a).post(url, grid_data(plan.version, rows, existing=1))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    # The message sits inside the second row's fieldset, next to the row it is about.
    row_html = body[body.index('id="row-1"'):]
    assert message in row_html[: row_html.index("</fieldset>")]
    with scopes_disabled():
        world.target_a.refresh_from_db()
        assert world.target_a.value == Decimal(80)  # the valid change was not saved either
        assert Target.objects.filter(plan=plan).count() == 1
    assert _plan(plan.pk).version == plan.version


def test_targets_grid_deletes_a_row(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    rows = [_row("ADULTS_DIGITAL_SKILLS", 2026, "80", delete="on")]
    response = login(world.admin_a).post(reverse("plan_targets", kwargs={"plan_pk": plan.pk}),
                                         grid_data(plan.version, rows, existing=1))
    assert response.status_code == 302
    with scopes_disabled():
        assert not Target.objects.filter(plan=plan).exists()


def test_targets_grid_with_a_stale_version_is_a_conflict(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    rows = [_row("ADULTS_DIGITAL_SKILLS", 2026, "70")]
    response = login(world.admin_a).post(reverse("plan_targets", kwargs={"plan_pk": plan.pk}),
                                         grid_data(plan.version + 5, rows, existing=1))
    assert response.status_code == 409
    assert CONFLICT_TEXT in response.content.decode()
    with scopes_disabled():
        world.target_a.refresh_from_db()
    assert world.target_a.value == Decimal(80)


def test_targets_grid_on_an_issued_plan_needs_a_reason(world: World) -> None:
    plan = _issue(world)
    url = reverse("plan_targets", kwargs={"plan_pk": plan.pk})
    client = login(world.admin_a)
    rows = [_row("ADULTS_DIGITAL_SKILLS", 2026, "90")]
    refused = client.post(url, grid_data(plan.version, rows, existing=1))
    assert "phải ghi lý do sửa đổi" in refused.content.decode()
    accepted = client.post(url, grid_data(plan.version, rows, existing=1, reason="Tỉnh giao bổ sung"))
    assert accepted.status_code == 302
    with scopes_disabled():
        amendment = PlanAmendment.objects.get(plan=plan)
    assert amendment.reason == "Tỉnh giao bổ sung"
    assert amendment.changes["fields"]["value"] == ["80.00", "90"]


# --- Tasks through the pages ---------------------------------------------------------------


def task_data(version: int, deliverables: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    deliverables = deliverables or []
    data: dict[str, Any] = {
        "version": version, "number": "-", "title": "", "description": "", "lead_unit": "",
        "lead_text": "", "coordinator_texts": "", "timeframe_text": "",
        "d-TOTAL_FORMS": len(deliverables), "d-INITIAL_FORMS": 0, "d-MIN_NUM_FORMS": 0,
        "d-MAX_NUM_FORMS": 1000, **fields,
    }
    for i, row in enumerate(deliverables):
        for key, value in row.items():
            data[f"d-{i}-{key}"] = value
    return data


def test_task_create_edit_and_delete_through_the_pages(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    client = login(world.admin_a)
    news = _indicator("NEWS_ARTICLES")
    response = client.post(reverse("task_create", kwargs={"plan_pk": plan.pk}), task_data(
        plan.version, title="Đăng tin, bài về phong trào", lead_unit=world.unit_a.pk,
        coordinator_units=[world.unit_a2.pk], coordinator_texts="Các cơ quan, đơn vị\n\n",
        timeframe_text="Quý IV/2026",
        deliverables=[{"text": "Tin, bài: 25 tin, bài/tháng", "quantity": "25", "per_period": "month",
                       "indicator": news.pk},
                      {"text": "Chuyên mục trên trang thông tin", "quantity": "", "per_period": "",
                       "indicator": ""},
                      {"text": "", "quantity": "", "per_period": "", "indicator": ""}]))
    assert response.status_code == 302
    with scopes_disabled():
        task = Task.objects.get(plan=plan, title="Đăng tin, bài về phong trào")
        assert task.lead_unit == world.unit_a
        assert [c.display for c in task.coordinators.all()] == ["Công an xã A", "Các cơ quan, đơn vị"]
        assert [(d.text, d.quantity, d.per_period, d.indicator_id) for d in task.deliverables.all()] == [
            ("Tin, bài: 25 tin, bài/tháng", Decimal(25), "month", news.pk),
            ("Chuyên mục trên trang thông tin", None, "", None)]
        assert (task.timeframe_kind, task.quarters) == ("quarters", ["2026-Q4"])

    plan.refresh_from_db()
    edit_url = reverse("task_edit", kwargs={"task_pk": task.pk})
    page = client.get(edit_url).content.decode()
    assert "Đăng tin, bài về phong trào" in page and "Theo quý" in page
    response = client.post(edit_url, task_data(
        plan.version, title="Đăng tin, bài về phong trào", lead_text="Các cơ quan, đơn vị",
        timeframe_text="Hàng tuần",
        deliverables=[{"text": "Tin, bài", "quantity": "", "per_period": "", "indicator": ""}]))
    assert response.status_code == 302
    with scopes_disabled():
        task.refresh_from_db()
        assert (task.lead_unit, task.lead_text) == (None, "Các cơ quan, đơn vị")
        assert (task.timeframe_kind, task.recurrence) == ("recurring", "weekly")
        assert not TaskCoordinator.objects.filter(task=task).exists()
        assert list(TaskDeliverable.objects.filter(task=task).values_list("text", flat=True)) == ["Tin, bài"]

    plan.refresh_from_db()
    response = client.post(reverse("task_delete", kwargs={"task_pk": task.pk}), {"del-version": plan.version})
    assert response.status_code == 302
    with scopes_disabled():
        assert not Task.objects.filter(pk=task.pk).exists()


def test_task_form_shows_errors_next_to_the_fields(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    response = login(world.admin_a).post(reverse("task_create", kwargs={"plan_pk": plan.pk}), task_data(
        plan.version, number="a)", title="Việc", lead_unit=world.unit_a.pk, lead_text="Các đơn vị",
        deliverables=[{"text": "", "quantity": "3", "per_period": "", "indicator": ""}]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chọn một đơn vị chủ trì hoặc ghi cụm từ chung, không ghi cả hai." in body
    assert "Sản phẩm không được để trống." in body
    with scopes_disabled():
        assert not Task.objects.filter(plan=plan, title="Việc").exists()


def test_task_number_error_from_the_service_shows_on_the_number_field(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    response = login(world.admin_a).post(reverse("task_create", kwargs={"plan_pk": plan.pk}),
                                         task_data(plan.version, number="a)", title="Việc"))
    body = response.content.decode()
    assert response.status_code == 200
    number_field = body[body.index('id="id_number"'):]
    assert "STT “a)” không hợp lệ" in number_field[: number_field.index("</div>")]


def test_task_edit_with_a_stale_version_is_a_conflict(world: World) -> None:
    plan = _plan(world.plan_a.pk)
    response = login(world.admin_a).post(reverse("task_edit", kwargs={"task_pk": world.task_a.pk}),
                                         task_data(plan.version + 1, title="Đổi tên"))
    assert response.status_code == 409
    assert CONFLICT_TEXT in response.content.decode() and "Đổi tên" in response.content.decode()
    with scopes_disabled():
        world.task_a.refresh_from_db()
    assert world.task_a.title != "Đổi tên"


def _filter_world(world: World) -> dict[str, Task]:
    """plan_a: I / - police-led (quarters) / II / - unit_a-led (recurring), coordinated by police."""
    with scopes_disabled():
        world.task_a.delete()
        plan = world.plan_a
        group_one = TaskFactory(plan=plan, order=1, number="I", level=1, title="NHÓM TRUYỀN THÔNG")
        police = TaskFactory(plan=plan, order=2, parent=group_one, title="Việc công an chủ trì",
                             lead_unit=world.unit_a2, timeframe_text="Quý IV/2026",
                             timeframe_kind="quarters", recurrence="", quarters=["2026-Q4"])
        group_two = TaskFactory(plan=plan, order=3, number="II", level=1, title="NHÓM PHỔ CẬP")
        team = TaskFactory(plan=plan, order=4, parent=group_two, title="Việc tổ công nghệ chủ trì",
                           lead_unit=world.unit_a)
        TaskCoordinator.objects.create(task=team, order=1, unit=world.unit_a2)
        external = TaskFactory(plan=plan, order=5, parent=group_two, title="Việc theo tỉnh",
                               lead_text="Các cơ quan, đơn vị", timeframe_text="Theo tiến độ của tỉnh",
                               timeframe_kind="external", recurrence="")
    return {"group_one": group_one, "group_two": group_two, "police": police, "team": team,
            "external": external}


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"unit": "unit_a2"}, ["police", "team"], ["external"]),
        ({"unit": "unit_a"}, ["team"], ["police", "external"]),
        ({"group": "group_one"}, ["police"], ["team", "external"]),
        ({"kind": "external"}, ["external"], ["police", "team"]),
        ({"kind": "recurring", "group": "group_two"}, ["team"], ["police", "external"]),
    ],
    ids=["lead-or-coordinating-unit", "lead-unit", "section", "timeframe-kind", "kind-and-section"],
)
def test_task_list_filters(world: World, query: dict[str, str], shown: list[str], hidden: list[str]) -> None:
    tasks = _filter_world(world)
    params = {}
    for key, value in query.items():
        params[key] = getattr(world, value).pk if key == "unit" else (
            tasks[value].pk if key == "group" else value)
    response = login(world.viewer_a).get(reverse("plan_tasks", kwargs={"plan_pk": world.plan_a.pk}), params)
    assert response.status_code == 200
    body = response.content.decode()
    for name in shown:
        assert tasks[name].title in body, name
    for name in hidden:
        assert tasks[name].title not in body, name


def test_task_list_ignores_a_bad_filter_value_with_a_message(world: World) -> None:
    _filter_world(world)
    response = login(world.viewer_a).get(reverse("plan_tasks", kwargs={"plan_pk": world.plan_a.pk}),
                                         {"kind": "sometimes"})
    assert response.status_code == 200
    assert "Việc theo tỉnh" in response.content.decode()


# --- Unit and commune pages ----------------------------------------------------------------


def test_reporter_sees_exactly_their_units_tasks_and_targets(world: World) -> None:
    tasks = _filter_world(world)
    with scopes_disabled():
        police_target = TargetFactory(plan=world.plan_a, indicator=_indicator("CITIZENS16_DIGITAL_ID"),
                                      statement="Chỉ tiêu định danh của công an")
        police_target.reporting_units.set([world.unit_a2])
        world.target_a.statement = "Chỉ tiêu kỹ năng số của tổ"
        world.target_a.save()
    body = login(world.reporter_a).get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk})).content.decode()
    assert tasks["team"].title in body and "Chủ trì" in body
    assert "Chỉ tiêu kỹ năng số của tổ" in body
    assert tasks["police"].title not in body and tasks["external"].title not in body
    assert "Chỉ tiêu định danh của công an" not in body

    body = login(world.reporter_a2).get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a2.pk})).content.decode()
    assert tasks["police"].title in body and tasks["team"].title in body  # lead and coordinating
    assert "Phối hợp" in body and "Quý IV/2026" in body
    assert "Chỉ tiêu định danh của công an" in body
    assert "Chỉ tiêu kỹ năng số của tổ" not in body


def test_commune_staff_see_a_units_assignments(world: World) -> None:
    tasks = _filter_world(world)
    url = reverse("unit_detail", kwargs={"unit_pk": world.unit_a2.pk})
    for user in (world.admin_a, world.viewer_a, world.reviewer_p):
        body = login(user).get(url).content.decode()
        assert tasks["police"].title in body, user


def test_commune_page_lists_plans_and_admin_actions(world: World) -> None:
    url = reverse("commune_detail", kwargs={"commune_code": world.commune_a.code})
    body = login(world.admin_a).get(url).content.decode()
    assert world.plan_a.title in body
    assert reverse("plan_detail", kwargs={"plan_pk": world.plan_a.pk}) in body
    assert "Tạo kế hoạch" in body and "Nhập kế hoạch từ Excel" in body
    viewer_body = login(world.viewer_a).get(url).content.decode()
    assert world.plan_a.title in viewer_body and "Tạo kế hoạch" not in viewer_body


# --- The seed plan reads like the paper document -------------------------------------------


def test_ba_ngoi_plan_page_shows_every_legal_basis_every_task_and_the_signer() -> None:
    call_command("load_demo", verbosity=0)
    raw = seed_plan_data("ba-ngoi")
    with scopes_disabled():
        plan = Plan.objects.get(commune__code="ba-ngoi")
    client = Client()
    client.force_login(_user("xem.bangoi"))
    body = client.get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    text = html.unescape(body)
    for basis in raw["legal_bases"]:
        assert basis in text
    for task in raw["tasks"]:
        assert task["title"] in text, task["title"][:60]
    for recipient in raw["recipients"]:
        assert recipient in text
    assert raw["signer"]["name"] in text and raw["signer"]["authority"] in text
    assert "Chi tiết tại Phụ lục" in text
    assert "(Ban hành kèm theo Kế hoạch số /KH-UBND ngày / 01 /2026" in text  # as written
    assert text.index(raw["legal_bases"][-1]) < text.index(raw["signer"]["name"]) < text.index(
        raw["tasks"][0]["title"])  # document, then the appendix


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


# --- Query counts stay constant as a plan grows --------------------------------------------


def _grow(world: World, count: int) -> None:
    with scopes_disabled():
        start = Task.objects.filter(plan=world.plan_a).count() + 1000
        for i in range(count):
            task = TaskFactory(plan=world.plan_a, order=start + i, lead_unit=world.unit_a2)
            TaskCoordinator.objects.create(task=task, order=1, unit=world.unit_a)
            TaskCoordinator.objects.create(task=task, order=2, text="Các cơ quan, đơn vị")
            TaskDeliverable.objects.create(task=task, order=1, text="Báo cáo",
                                           indicator=_indicator("NEWS_ARTICLES"))
        target = TargetFactory(plan=world.plan_a, indicator=_indicator("NEWS_ARTICLES"), year=2026,
                               value=100 + count)
        target.reporting_units.set([world.unit_a, world.unit_a2])
        world.plan_a.amendments.create(number=count, reason="Thử", changes={
            "action": "target.update", "target": f"target#{target.pk}",
            "fields": {"indicator_id": [None, str(target.indicator_id)]}})


@pytest.mark.parametrize(
    ("name", "user", "key"),
    [("plan_detail", "admin_a", "plan"), ("plan_tasks", "viewer_a", "plan"),
     ("unit_detail", "reporter_a", "unit"), ("plan_targets", "admin_a", "plan")],
)
def test_query_count_is_constant_as_the_plan_grows(world: World, django_assert_max_num_queries: Any,
                                                    name: str, user: str, key: str) -> None:
    kwargs = {"plan_pk": world.plan_a.pk} if key == "plan" else {"unit_pk": world.unit_a.pk}
    url = reverse(name, kwargs=kwargs)
    client = login(getattr(world, user))
    _grow(world, 2)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    with scopes_disabled():
        world.plan_a.amendments.all().delete()
        Target.objects.filter(plan=world.plan_a, indicator__code="NEWS_ARTICLES").delete()
    _grow(world, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- Targets no unit reports (issue 13) ------------------------------------------------------


def _reporting_cell(body: str, code: str) -> str:
    import re

    row = re.search(rf'<tr>\s*<td data-label="Chỉ số">[^<]*<span class="pp-muted">{code}</span>.*?</tr>', body, re.S)
    assert row, code
    cell = re.search(r'<td data-label="Đơn vị báo cáo"[^>]*>(.*?)</td>', row.group(0), re.S)
    assert cell, code
    return cell.group(0)


def test_targets_no_unit_reports_are_flagged_on_the_plan_page(world: World) -> None:
    with scopes_disabled():
        plan = world.plan_a
        orphan = TargetFactory(plan=plan, indicator=_indicator("ADULTS_VNEID_CERTIFIED"), value=70)
        fed = TargetFactory(plan=plan, indicator=_indicator("NEWS_ARTICLES"), value=300)
        TaskDeliverable.objects.create(task=world.task_a, order=1, text="25 tin, bài mỗi tháng",
                                       indicator=fed.indicator)
    body = html.unescape(login(world.viewer_a).get(reverse("plan_detail", kwargs={"plan_pk": plan.pk}))
                         .content.decode())
    # No reporting unit and no deliverable counting towards it: flagged, in words.
    assert "Chưa giao đơn vị báo cáo" in _reporting_cell(body, orphan.indicator.code)
    assert f'data-unreported="{orphan.indicator.code}"' in body
    # A task's deliverable feeds the other one; the world's target has a reporting unit.
    assert "Chưa giao đơn vị báo cáo" not in _reporting_cell(body, fed.indicator.code)
    assert "Chưa giao đơn vị báo cáo" not in _reporting_cell(body, world.target_a.indicator.code)
    assert 'data-unreported="1"' in body and "1 chỉ tiêu chưa giao đơn vị báo cáo" in body
