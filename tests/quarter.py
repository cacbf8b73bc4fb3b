"""A quarter of commune A with accepted unit reports, and its consolidated report issued.

Shared by the consolidated-report tests and the API tests: the reports go through the real
services (save, submit, accept), the accept's rollups run as after a commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any, TypedDict

import pytest

from campaigns.models import TaskDeliverable, Unit, UnitKind
from reporting.models import CommuneReport, ReportingPeriod, UnitReport
from reporting.selectors import reports as selectors
from reporting.services import commune_reports as consolidated
from reporting.services import unit_reports as services
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.conftest import World
from tests.factories import TargetFactory, TaskFactory, UnitFactory

ADULTS = "ADULTS_DIGITAL_SKILLS"
NEWS = "NEWS_ARTICLES"
VNEID = "ADULTS_VNEID_CERTIFIED"


def ind(code: str) -> Indicator:
    return Indicator.objects.get(commune__isnull=True, code=code)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run on-commit callbacks (eager Celery rollups, e-mails) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def accept(committed: Callable[[], Any], world: World, unit: Unit, period: ReportingPeriod, *,
           figures: dict[str, Any], status: str = "in_progress", quantity: D | None = None,
           highlights: str = "") -> UnitReport:
    """The unit's report for the period, filled, submitted and accepted through the services;
    the accept's on-commit rollups run as after a real commit."""
    report = services.unit_report_open(period=period, unit=unit)
    rows = selectors.report_rows(period=period, unit=unit)
    values = {}
    for indicator in rows.indicators:
        figure = figures[indicator.code]
        values[indicator.pk] = (ValueInput(numerator=D(figure[0]), denominator=D(figure[1])) if indicator.is_percent
                                else ValueInput(value=D(figure)))
    progress = {t.pk: ProgressInput(status=status, output_quantity=quantity, narrative="Đã tổ chức các lớp học")
                for t in rows.tasks}
    day = period.opens_on + timedelta(days=1)
    saved = services.unit_report_save(report=report, actor=None, version=report.version, today=day,
                                      data=ReportInput(values=values, progress=progress, highlights=highlights))
    report = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version, today=day)
    with committed():
        return services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)


@dataclass
class Quarter:
    world: World
    period: ReportingPeriod
    village: Unit
    school: Unit


@pytest.fixture
def quarter(world: World, committed: Callable[[], Any]) -> Quarter:
    """Q1 2026 of commune A: three units report two key indicators and a count; two of them
    have accepted reports, the third has not reported."""
    plan = world.plan_a
    plan.signer_authority, plan.signer_deputy = "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"
    plan.signer_position, plan.signer_name, plan.number = "PHÓ CHỦ TỊCH", "Nguyễn Văn Hòa", "12"
    plan.issue_day = 5
    plan.save()
    village = UnitFactory(commune=world.commune_a, name="Thôn Một", kind=UnitKind.VILLAGE)
    school = UnitFactory(commune=world.commune_a, name="Trường Tiểu học Ánh Dương", kind=UnitKind.SCHOOL)
    world.target_a.reporting_units.set([world.unit_a, village, school])
    news = TargetFactory(plan=plan, indicator=ind(NEWS), value=300, order=2)
    news.reporting_units.set([world.unit_a, village])
    vneid = TargetFactory(plan=plan, indicator=ind(VNEID), value=70, baseline=20, order=3)
    vneid.reporting_units.set([world.unit_a, village])
    classes = TaskFactory(plan=plan, lead_unit=village, title="Mở lớp “Bình dân học vụ số” tại thôn, tổ dân phố")
    TaskDeliverable.objects.create(task=classes, order=1, text="12 lớp học", quantity=12)
    period = ReportingPeriod.objects.select_related("plan", "plan__commune").get(pk=world.period_a.pk)
    accept(committed, world, world.unit_a, period, status="done", quantity=D(4), highlights="Ra mắt Tổ công nghệ số",
           figures={ADULTS: (300, 1000), NEWS: 40, VNEID: (500, 1000)})
    accept(committed, world, village, period, status="in_progress", quantity=D(3),
           figures={ADULTS: (200, 1000), NEWS: 30, VNEID: (300, 1000)})
    return Quarter(world=world, period=period, village=village, school=school)


def open_report(quarter: Quarter, **fields: Any) -> CommuneReport:
    report = consolidated.commune_report_open(period=quarter.period, actor=quarter.world.admin_a)
    if fields:
        report = consolidated.commune_report_update(report=report, actor=quarter.world.admin_a,
                                                    version=report.version, fields=fields)
    return report


READY = {"number": "5", "issue_date": date(2026, 4, 2), "highlights": "Đã tổ chức 12 lớp học cho người dân."}


# The quarter's school has not reported: issuing needs the admin's confirmation and reason.
class Confirmation(TypedDict):
    incomplete_confirmed: bool
    incomplete_reason: str


CONFIRM: Confirmation = {"incomplete_confirmed": True,
                         "incomplete_reason": "Trường học chưa báo cáo, đã nhắc; báo cáo đúng hạn"}


def issue(quarter: Quarter, **fields: Any) -> CommuneReport:
    report = open_report(quarter, **{**READY, **fields})
    return consolidated.commune_report_issue(report=report, actor=quarter.world.admin_a, version=report.version,
                                             **CONFIRM)
