"""The unit report: validation, warnings, workflow, audit trail and lost-update guard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import AuditEntry
from portal.errors import ConflictError
from reporting.models import (
    IndicatorValue,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    UnitReport,
)
from reporting.selectors.reports import period_completeness
from reporting.services import periods
from reporting.services import unit_reports as services
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.conftest import World
from tests.reporting.conftest import IN_WINDOW

pytestmark = pytest.mark.usefixtures("no_scope")


def _ids() -> tuple[int, int]:
    adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
    return adults, news


def _full_input(world: World, numerator: str = "450", denominator: str = "900") -> ReportInput:
    adults, news = _ids()
    return ReportInput(
        values={adults: ValueInput(numerator=Decimal(numerator), denominator=Decimal(denominator), source="Rà soát thôn"),
                news: ValueInput(value=Decimal(75))},
        progress={world.task_a.pk: ProgressInput(status="in_progress", narrative="Đã tổ chức 3 buổi")},
        highlights="Tổ chức 12 buổi học cộng đồng",
    )


def _submit(report: UnitReport, world: World, numerator: str = "450") -> UnitReport:
    services.unit_report_save(report=report, actor=world.reporter_a, version=report.version,
                              data=_full_input(world, numerator=numerator), today=IN_WINDOW)
    report.refresh_from_db()
    return services.unit_report_submit(report=report, actor=world.reporter_a, version=report.version,
                                       today=IN_WINDOW)


@pytest.mark.django_db
def test_periods_cover_each_quarter_of_the_plan_years(world: World, q1: ReportingPeriod) -> None:
    rows = list(ReportingPeriod.objects.filter(plan=world.plan_a).values_list("quarter", "unit_deadline"))
    assert rows == [(1, date(2026, 3, 15)), (2, date(2026, 6, 15)), (3, date(2026, 9, 15)),
                       (4, date(2026, 12, 15))]
    periods.reporting_periods_sync(plan=world.plan_a)  # idempotent
    assert ReportingPeriod.objects.filter(plan=world.plan_a).count() == 4


@pytest.mark.django_db
def test_save_audits_every_changed_value(world: World, report_a: UnitReport) -> None:
    result = services.unit_report_save(report=report_a, actor=world.reporter_a, version=report_a.version,
                                       data=_full_input(world), today=IN_WINDOW)
    assert result.report.version == 2
    adults, _news = _ids()
    value = IndicatorValue.objects.get(report=report_a, indicator_id=adults)
    assert (value.numerator, value.denominator) == (Decimal(450), Decimal(900))
    services.unit_report_save(report=report_a, actor=world.reporter_a, version=2,
                              data=_full_input(world, numerator="500"), today=IN_WINDOW)
    entry = AuditEntry.objects.filter(action="report.save", target_id=report_a.pk).first()
    assert entry is not None
    assert entry.actor == world.reporter_a
    assert entry.changes == {"ADULTS_DIGITAL_SKILLS": {"numerator": ["450", "500"]}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"adults": ValueInput(numerator=Decimal(10), denominator=Decimal(5))}, "Tử số không được lớn hơn mẫu số"),
        ({"adults": ValueInput(numerator=Decimal(-1), denominator=Decimal(5))}, "không được âm"),
        ({"news": ValueInput(value=Decimal(-3))}, "không được âm"),
        ({"adults": ValueInput(value=Decimal(40))}, "nhập tử số và mẫu số"),
        # Counts take whole numbers (issue 13: "12,5 hội nghị"), a percentage's counts too.
        ({"news": ValueInput(value=Decimal("12.5"))}, "Giá trị: phải là số nguyên, không nhập được 12,5 tin, bài."),
        ({"adults": ValueInput(numerator=Decimal("10.5"), denominator=Decimal(20))},
         "Tử số: phải là số nguyên, không nhập được 10,5."),
        ({"adults": ValueInput(numerator=Decimal(10), denominator=Decimal("20.25"))}, "Mẫu số: phải là số nguyên"),
        ({"news": ValueInput(value=Decimal("1e13"))}, "số quá lớn"),
        ({"news": ValueInput(value=Decimal(1), source="x" * 301)}, "dài quá 300 ký tự"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(world: World, report_a: UnitReport,
                                                    values: dict, message: str) -> None:
    adults, news = _ids()
    data = ReportInput(values={{"adults": adults, "news": news}[k]: v for k, v in values.items()})
    with pytest.raises(ValidationError) as caught:
        services.unit_report_save(report=report_a, actor=world.reporter_a, version=1, data=data, today=IN_WINDOW)
    assert message in str(caught.value)
    assert not IndicatorValue.objects.filter(report=report_a).exists()
    report_a.refresh_from_db()
    assert report_a.version == 1


@pytest.mark.django_db
def test_second_writer_with_a_stale_version_is_told_to_reload(world: World, report_a: UnitReport) -> None:
    services.unit_report_save(report=report_a, actor=world.reporter_a, version=1,
                              data=_full_input(world), today=IN_WINDOW)
    with pytest.raises(ConflictError):
        services.unit_report_save(report=report_a, actor=world.admin_a, version=1,
                                  data=_full_input(world, numerator="1"), today=IN_WINDOW)
    adults, _ = _ids()
    assert IndicatorValue.objects.get(report=report_a, indicator_id=adults).numerator == Decimal(450)


@pytest.mark.django_db
def test_submit_requires_every_value_and_task_status(world: World, report_a: UnitReport) -> None:
    with pytest.raises(ValidationError) as caught:
        services.unit_report_submit(report=report_a, actor=world.reporter_a, version=1, today=IN_WINDOW)
    text = " ".join(caught.value.messages)
    assert "Người dân có kỹ năng số cơ bản" in text and "Tin, bài tuyên truyền" in text
    assert "Chưa chọn tình trạng nhiệm vụ" in text
    report_a.refresh_from_db()
    assert report_a.state == ReportState.DRAFT


@pytest.mark.django_db
def test_full_cycle_submit_return_resubmit_accept_reopen(world: World, report_a: UnitReport) -> None:
    report = _submit(report_a, world)
    assert report.state == ReportState.SUBMITTED and report.first_submitted_at is not None
    with pytest.raises(ValidationError):  # a submitted report is not editable
        services.unit_report_save(report=report, actor=world.reporter_a, version=report.version,
                                  data=_full_input(world), today=IN_WINDOW)
    with pytest.raises(ValidationError) as caught:
        services.unit_report_return(report=report, actor=world.admin_a, version=report.version, reason=" ")
    assert "lý do" in str(caught.value)
    report = services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                         reason="Mẫu số chưa khớp số liệu dân cư")
    assert report.state == ReportState.RETURNED
    report = _submit(report, world)
    report = services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)
    assert report.state == ReportState.ACCEPTED
    with pytest.raises(ValidationError):  # accepted reports are locked
        services.unit_report_save(report=report, actor=world.reporter_a, version=report.version,
                                  data=_full_input(world), today=IN_WINDOW)
    with pytest.raises(ValidationError):
        services.unit_report_reopen(report=report, actor=world.admin_a, version=report.version, reason="")
    report = services.unit_report_reopen(report=report, actor=world.admin_a, version=report.version,
                                         reason="Bổ sung số liệu tháng 3")
    assert report.state == ReportState.DRAFT
    trail = list(ReportTransition.objects.filter(report=report).values_list("from_state", "to_state", "reason"))
    assert trail == [
        ("draft", "submitted", ""),
        ("submitted", "returned", "Mẫu số chưa khớp số liệu dân cư"),
        ("returned", "submitted", ""),
        ("submitted", "accepted", ""),
        ("accepted", "draft", "Bổ sung số liệu tháng 3"),
    ]


@pytest.mark.django_db
def test_entry_locks_after_the_window_unless_excepted(world: World, report_a: UnitReport, q1: ReportingPeriod) -> None:
    late = date(2026, 3, 28)
    with pytest.raises(ValidationError) as caught:
        services.unit_report_save(report=report_a, actor=world.reporter_a, version=1,
                                  data=_full_input(world), today=late)
    assert "khóa nhập liệu" in str(caught.value)
    with pytest.raises(ValidationError):
        services.lock_exception_grant(period=q1, unit=world.unit_a, actor=world.admin_a,
                                      until=date(2026, 4, 5), reason="", today=late)
    services.lock_exception_grant(period=q1, unit=world.unit_a, actor=world.admin_a,
                                  until=date(2026, 4, 5), reason="Cán bộ đi tập huấn", today=late)
    services.unit_report_save(report=report_a, actor=world.reporter_a, version=1,
                              data=_full_input(world), today=late)
    early = date(2026, 2, 1)
    with pytest.raises(ValidationError) as caught:
        services.unit_report_save(report=report_a, actor=world.reporter_a, version=2,
                                  data=_full_input(world), today=early)
    assert "chưa mở" in str(caught.value)


@pytest.mark.django_db
def test_warnings_for_a_falling_stock_and_a_big_jump(world: World, q1: ReportingPeriod) -> None:
    q2 = ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=2)
    previous = services.unit_report_open(period=q1, unit=world.unit_a)
    _submit(previous, world, numerator="300")  # 300/900 = 33.3 %
    current = services.unit_report_open(period=q2, unit=world.unit_a)
    adults, _ = _ids()
    result = services.unit_report_save(
        report=current, actor=world.reporter_a, version=1, today=date(2026, 6, 1),
        data=ReportInput(values={adults: ValueInput(numerator=Decimal(10), denominator=Decimal(1000))}))
    messages = " ".join(result.warnings[f"value-{adults}"])
    assert "giảm so với quý trước" in messages
    result = services.unit_report_save(
        report=current, actor=world.reporter_a, version=2, today=date(2026, 6, 1),
        data=ReportInput(values={adults: ValueInput(numerator=Decimal(990), denominator=Decimal(1000))}))
    assert "hơn 50 điểm" in " ".join(result.warnings[f"value-{adults}"])


@pytest.mark.django_db
def test_completeness_counts_expected_received_on_time_accepted(world: World, report_a: UnitReport,
                                                               q1: ReportingPeriod) -> None:
    before = period_completeness(period=q1, today=date(2026, 3, 20))
    assert (before.expected, before.received, before.received_on_time, before.accepted) == (1, 0, 0, 0)
    assert before.rows[0].late
    report = _submit(report_a, world)
    services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)
    after = period_completeness(period=q1, today=date(2026, 3, 20))
    assert (after.expected, after.received, after.accepted) == (1, 1, 1)
    assert after.completeness_pct == 100.0


@pytest.mark.django_db
def test_adhoc_period_has_its_own_due_date(world: World) -> None:
    period = periods.adhoc_period_create(plan=world.plan_a, actor=world.admin_a, title="Báo cáo đột xuất ngày hội 10/10",
                                          year=2026, opens_on=date(2026, 10, 1), deadline=date(2026, 10, 12))
    assert period.kind == "adhoc" and period.locks_on == date(2026, 10, 12)
    with pytest.raises(ValidationError):
        periods.adhoc_period_create(plan=world.plan_a, actor=world.admin_a, title="Sai ngày", year=2026,
                                     opens_on=date(2026, 10, 15), deadline=date(2026, 10, 12))
