"""The plan document: seeds held completely, validation, export → import equality."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from django.core.management import call_command

from campaigns.demo import DEMO_COMMUNES, seed_plan_data
from campaigns.models import Commune, Plan, Task
from campaigns.plan_data import PlanImportError, plan_data_from_dict
from campaigns.rules import task_level
from campaigns.selectors.plan_export import plan_data_export
from campaigns.services.plan_import import plan_import
from campaigns.timeframes import parse_timeframe
from portal.scoping import scopes_disabled
from targets.models import Target

SEEDS = [c.code for c in DEMO_COMMUNES]


@pytest.fixture
def demo(db: None) -> None:
    call_command("load_demo", verbosity=0)


def _plan(code: str) -> Plan:
    return Plan.objects.select_related("commune").get(commune__code=code)


@pytest.mark.django_db
@pytest.mark.parametrize("code", SEEDS)
def test_seed_plan_is_held_completely(demo: None, code: str) -> None:
    raw = seed_plan_data(code)
    with scopes_disabled():
        plan = _plan(code)
        exported = plan_data_export(plan=plan).as_dict()
    source = plan_data_from_dict(raw).as_dict()
    for key in ("title", "issuing_body", "parent_body", "legal_bases", "preamble", "closing",
                "reporting_duty", "recipients", "signer", "appendix_title", "sections", "tasks"):
        assert exported[key] == source[key], key
    by_key = lambda targets: sorted(  # noqa: E731
        (t["indicator"], t["year"], t["value"], t["statement"], sorted(t["reporting_units"])) for t in targets)
    assert by_key(exported["targets"]) == by_key(source["targets"])


@pytest.mark.django_db
def test_ba_ngoi_appendix_numbers_tree_and_rate_targets(demo: None) -> None:
    with scopes_disabled():
        plan = _plan("ba-ngoi")
        groups = list(plan.tasks.filter(level=1).values_list("number", flat=True))
        assert groups == ["I", "II", "III", "IV"]
        first = plan.tasks.get(order=3)
        parent = first.parent
        assert parent is not None and parent.parent is not None
        assert parent.number == "1" and parent.parent.number == "I"
        assert first.lead_unit is not None and first.lead_unit.name == "Phòng Văn hóa – Xã hội"
        assert [c.display for c in first.coordinators.all()] == ["Các cơ quan, đơn vị"]
        assert first.recurrence == "continuous"
        news = Target.objects.get(plan=plan, indicator__code="NEWS_ARTICLES")
        assert (news.value, news.per_period_quantity, news.per_period) == (Decimal(300), Decimal(25), "month")
        police_task = plan.tasks.get(lead_unit__name="Công an phường")
        assert police_task.timeframe_kind == "external"
        assert police_task.timeframe_text == "Theo tiến độ của tỉnh"


@pytest.mark.django_db
def test_ha_tu_targets_per_year(demo: None) -> None:
    with scopes_disabled():
        plan = _plan("ha-tu")
        assert plan.issuer_kind == "dang_uy" and plan.reference == "Số 03-KH/ĐU"
        adults = dict(Target.objects.filter(plan=plan, indicator__code="ADULTS_DIGITAL_SKILLS")
                      .values_list("year", "value"))
        assert adults == {2025: Decimal(80), 2026: Decimal(100)}


@pytest.mark.django_db
@pytest.mark.parametrize("code", SEEDS)
def test_export_then_import_gives_an_equal_plan(demo: None, code: str) -> None:
    with scopes_disabled():
        plan = _plan(code)
        before = plan_data_export(plan=plan)
        copy = plan_import(data=plan_data_from_dict(before.as_dict()), commune=plan.commune)
        after = plan_data_export(plan=copy)
    assert copy.pk != plan.pk
    assert after.as_dict() == before.as_dict()


@pytest.mark.django_db
def test_bad_plan_data_saves_nothing_and_names_every_problem(demo: None) -> None:
    raw = seed_plan_data("ba-ngoi")
    raw["targets"][0]["value"] = 130
    raw["targets"][1]["indicator"] = "KHONG_CO"
    raw["targets"][2]["year"] = 2031
    raw["tasks"][0]["number"] = "X1"
    raw["tasks"][2]["lead"] = "Phòng Ma"
    raw["tasks"][4]["number"] = raw["tasks"][1]["number"]  # duplicate STT under the same group
    with scopes_disabled():
        commune = Commune.objects.get(code="ba-ngoi")
        plans_before, tasks_before = Plan.objects.count(), Task.objects.count()
        with pytest.raises(PlanImportError) as caught:
            plan_import(data=plan_data_from_dict(raw), commune=commune)
        assert (Plan.objects.count(), Task.objects.count()) == (plans_before, tasks_before)
    paths = {p.path: p.message for p in caught.value.problems}
    assert "lớn hơn 100" in paths["targets.0.value"]
    assert "KHONG_CO" in paths["targets.1.indicator"]
    assert "2031" in paths["targets.2.year"]
    assert "X1" in paths["tasks.0.number"]
    assert "Phòng Ma" in paths["tasks.2.lead"]
    assert "trùng" in paths["tasks.4.number"]


@pytest.mark.django_db
def test_unknown_units_are_created_only_when_asked(demo: None) -> None:
    raw = seed_plan_data("son-kim-1")
    raw["tasks"][1]["lead"] = "Hội Nông dân xã"
    with scopes_disabled():
        commune = Commune.objects.get(code="son-kim-1")
        with pytest.raises(PlanImportError):
            plan_import(data=plan_data_from_dict(raw), commune=commune)
        plan = plan_import(data=plan_data_from_dict(raw), commune=commune, create_units=True)
        lead_unit = plan.tasks.get(order=2).lead_unit
        assert lead_unit is not None and lead_unit.name == "Hội Nông dân xã"


@pytest.mark.django_db
def test_nfd_input_is_stored_as_nfc(demo: None) -> None:
    raw = seed_plan_data("dang-thuy-tram")
    raw["title"] = unicodedata.normalize("NFD", raw["title"] + " (bản NFD)")
    with scopes_disabled():
        plan = plan_import(data=plan_data_from_dict(raw), commune=Commune.objects.get(code="dang-thuy-tram"))
    assert plan.title == unicodedata.normalize("NFC", plan.title)
    assert plan.title.endswith("(bản NFD)")


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("Thường xuyên", "recurring", "continuous"),
        ("Hàng tuần", "recurring", "weekly"),
        ("Hằng năm (10/10)", "recurring", "yearly"),
        ("Quý IV/2025; Quý I/2026", "quarters", ["2025-Q4", "2026-Q1"]),
        ("Dự kiến ngày 29/9/2025 (Nội dung có Thông báo cụ thể)", "date", "2025-09-29"),
        ("Từ 01/3/2026 đến 30/6/2026", "range", "2026-03-01"),
        ("Theo tiến độ của tỉnh", "external", None),
        ("Theo chỉ đạo, hướng dẫn Sở Giáo dục và Đào tạo", "external", None),
    ],
)
def test_timeframe_parsing_keeps_the_wording(text: str, kind: str, detail: object) -> None:
    timeframe = parse_timeframe(text)
    assert timeframe.text == text and timeframe.kind == kind
    if kind == "recurring":
        assert timeframe.recurrence == detail
    elif kind == "quarters":
        assert timeframe.quarters == detail
    elif kind in ("date", "range"):
        assert str(timeframe.date_start) == detail


def test_task_levels_follow_the_numbering() -> None:
    assert [task_level(n) for n in ["I", "IV", "1", "4.1", "-", "+", "X1", "IIII"]] == [1, 1, 2, 2, 3, 4, None, None]


@pytest.mark.django_db
def test_overlong_texts_are_problems_not_database_errors(demo: None) -> None:
    raw = seed_plan_data("ba-ngoi")
    raw["number"] = "1" * 21
    raw["tasks"][2]["timeframe"] = "Thường xuyên " * 30
    with scopes_disabled():
        commune = Commune.objects.get(code="ba-ngoi")
        with pytest.raises(PlanImportError) as caught:
            plan_import(data=plan_data_from_dict(raw), commune=commune)
    paths = {p.path: p.message for p in caught.value.problems}
    assert "vượt giới hạn 20 ký tự" in paths["number"]
    assert "vượt giới hạn 300 ký tự" in paths["tasks.2.timeframe"]


@pytest.mark.django_db
def test_an_issued_plan_cannot_be_overwritten_by_an_import(demo: None) -> None:
    with scopes_disabled():
        plan = _plan("ba-ngoi")
        Plan.objects.filter(pk=plan.pk).update(status="issued")
        with pytest.raises(PlanImportError) as caught:
            plan_import(data=plan_data_export(plan=plan), commune=plan.commune, into=plan)
        assert "đã ban hành" in str(caught.value)
        assert Task.objects.filter(plan=plan).count() > 0
