"""The plan's own words (issue 13, DESIGN.md rules 8 and 10): what a document prints when the
plan was written in the browser, a target's sentence against its figure, and what issuing asks
for when the source document is incomplete."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Plan, PlanAmendment, PlanSection, PlanStatus, SectionKind
from campaigns.selectors.plan_text import (
    plan_blocks,
    target_statement_problem,
    target_text_problems,
)
from campaigns.selectors.plans import plan_document
from campaigns.services.plans import plan_issue
from campaigns.services.targets import TargetRow, plan_targets_save
from portal.scoping import scopes_disabled
from reporting.documents.storage import document_render
from reporting.models import DocumentKind
from targets.models import Target
from tests.conftest import World, login
from tests.documents import pdfcheck as pc
from tests.documents.fidelity import squeeze

pytestmark = pytest.mark.django_db


def _row(target: Target, **changes: Any) -> TargetRow:
    row = TargetRow(indicator_id=target.indicator_id, year=target.year, value=target.value,
                    statement=target.statement, target_id=target.pk,
                    reporting_unit_ids=[u.pk for u in target.reporting_units.all()])
    return replace(row, **changes)


@pytest.mark.parametrize(("value", "statement", "agrees"), [
    (70, "70% người dân trong độ tuổi trưởng thành được xác nhận", True),
    (75, "70% người dân trong độ tuổi trưởng thành được xác nhận", False),
    (300, "Tin, bài: 25 tin, bài/tháng", True),
    (624, "Tần suất phát đài: 12 lần/tuần", True),
    (2, "Tổ chức 02 Hội nghị phổ biến, quán triệt", True),
    (Decimal("70.5"), "70,5% hộ gia đình", True),
    (100, "mỗi hộ gia đình có ít nhất một thành viên", True),  # no figure written: nothing to contradict
    (100, "", True),
])
def test_a_target_sentence_must_write_its_figure(value: object, statement: str, agrees: bool) -> None:
    problem = target_statement_problem(value=Decimal(str(value)), per_period_quantity=None, statement=statement)
    assert (problem is None) is agrees


def test_a_plan_written_in_the_browser_prints_its_targets_marked_as_composed(world: World) -> None:
    """Finding: a plan created in the browser with targets printed none of them."""
    with scopes_disabled():
        plan = world.plan_a
        assert not plan.sections.exists()
        target = world.target_a
        blocks = plan_blocks(plan_document(plan=plan))
        generated = [b.text for b in blocks if b.generated]
        assert generated[0] == "CHỈ TIÊU" and len(generated) == 2
        assert target.indicator.name in generated[1] and "80%" in generated[1]
        rendered = document_render(kind=DocumentKind.PLAN, source=plan)
    with pc.open_pdf(rendered.content) as pdf:
        assert squeeze(generated[1]) in squeeze(pc.stream_text(pdf))
    page = login(world.admin_a).get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "pp-doc-generated" in page and "được tạo từ bảng chỉ tiêu" in page


def test_a_targets_section_with_its_own_text_prints_the_text_once(world: World) -> None:
    """Finding (Hà Tu): the targets were printed from the section's text and again from the table."""
    with scopes_disabled():
        plan = world.plan_a
        target = world.target_a
        target.statement = "80% người dân trưởng thành có kỹ năng số cơ bản."
        target.save()
        PlanSection.objects.create(plan=plan, order=1, number="II", level=1, heading="CHỈ TIÊU",
                                   kind=SectionKind.TARGETS, body=f"- {target.statement}")
        texts = [b.text for b in plan_blocks(plan_document(plan=plan))]
    assert texts == ["II. CHỈ TIÊU", f"- {target.statement}"]


def _issued_plan_with_written_target(world: World) -> tuple[Plan, Target, PlanSection]:
    with scopes_disabled():
        plan = world.plan_a
        target = world.target_a
        target.value = Decimal(70)
        target.statement = "70% người dân trưởng thành có kỹ năng số cơ bản."
        target.save()
        section = PlanSection.objects.create(plan=plan, order=1, number="II", level=1, heading="CHỈ TIÊU",
                                             kind=SectionKind.TARGETS, body=f"- {target.statement}")
        plan.number, plan.issue_day, plan.signer_position, plan.signer_name = "12", 5, "CHỦ TỊCH", "Nguyễn Văn An"
        plan.save()
        plan = plan_issue(plan=plan, actor=world.admin_a, version=plan.version)
    return plan, target, section


def test_changing_a_figure_asks_for_the_sentence_in_the_same_amendment(world: World) -> None:
    """Finding: 70 → 75 left the plan's sentence at "70%" with nothing to warn."""
    plan, target, section = _issued_plan_with_written_target(world)
    with scopes_disabled():
        with pytest.raises(ValidationError) as refused:
            plan_targets_save(plan=plan, actor=world.admin_a, version=plan.version,
                              rows=[_row(target, value=Decimal(75))], reason="Tỉnh giao thêm")
        assert "ghi 70" in str(refused.value) and "75" in str(refused.value)
        target.refresh_from_db()
        assert target.value == Decimal(70)  # nothing saved

        new = "75% người dân trưởng thành có kỹ năng số cơ bản."
        plan.refresh_from_db()
        plan_targets_save(plan=plan, actor=world.admin_a, version=plan.version,
                          rows=[_row(target, value=Decimal(75), statement=new)], reason="Tỉnh giao thêm")
        section.refresh_from_db()
        assert section.body == f"- {new}"  # the document's sentence follows, in the same save
        amendments = list(PlanAmendment.objects.filter(plan=plan).order_by("number"))
        assert [a.changes["action"] for a in amendments] == ["target.update", "section.update"]
        assert {a.reason for a in amendments} == {"Tỉnh giao thêm"}
        assert target_text_problems(plan_document(plan=plan)) == []


def test_the_page_warns_when_the_table_and_the_text_disagree(world: World) -> None:
    plan, target, _section = _issued_plan_with_written_target(world)
    with scopes_disabled():
        target.value = Decimal(75)  # as an import or an old edit could have left it
        target.save()
        problems = target_text_problems(plan_document(plan=plan))
    assert [p.target.pk for p in problems] == [target.pk]
    page = login(world.admin_a).get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "Chỉ tiêu có câu chữ và con số chưa khớp" in page


def test_issuing_asks_for_what_the_source_lacks_and_prints_none_of_it(world: World) -> None:
    """Finding: an incomplete source (Hà Tu's lost passages, a plan with no signer) printed as
    if whole; the gaps are shown, never printed, and issuing asks for them."""
    with scopes_disabled():
        plan = world.plan_a
        plan.number, plan.issue_day, plan.signer_name = "12", 5, "Nguyễn Văn An"
        plan.source_gaps = "Mục I.1 bị cắt sau “có trọng”."
        plan.save()
        with pytest.raises(ValidationError) as refused:
            plan_issue(plan=plan, actor=world.admin_a, version=plan.version)
        message = str(refused.value)
        assert "chức vụ người ký" in message and "có trọng" in message
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DRAFT
        rendered = document_render(kind=DocumentKind.PLAN, source=plan)
    with pc.open_pdf(rendered.content) as pdf:
        assert "cótrọng" not in squeeze(pc.stream_text(pdf))
    page = login(world.admin_a).get(reverse("plan_detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert "Văn bản gốc còn thiếu" in page and "Mục I.1 bị cắt" in page
