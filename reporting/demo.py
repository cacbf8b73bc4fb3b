"""Demo reporting history: the quarters whose unit deadline has passed in each demo plan's
current year (its last year once the plan has ended), reported through the real services, so
the dashboards, progress pages, PDFs and the API have figures to show on a fresh `make run`.

Per commune and quarter: every expected unit reports and is accepted, except that in the
latest quarter one unit's report waits for review and one unit has not reported (what a real
commune looks like on the day after the deadline). Figures follow each target's trajectory
with a deterministic spread, so some indicators are on track and some lag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from campaigns.models import Plan
from portal.scoping import scopes_disabled
from reporting.deadlines import local_today
from reporting.models import PeriodKind, ReportingPeriod, ReportState, TaskStatus, UnitReport
from reporting.rollups.compute import rollup_run
from reporting.selectors import reports as selectors
from reporting.services import unit_reports as services
from reporting.services.periods import reporting_periods_sync
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Measure, Target, TimeAggregation

NARRATIVE = "Đã triển khai theo kế hoạch, tổ chức tuyên truyền và hướng dẫn người dân tại cơ sở."
HIGHLIGHTS = "Tổ chức các lớp “Bình dân học vụ số” tại thôn, tổ dân phố; hướng dẫn người dân cài đặt VNeID."


def _spread(*parts: Any) -> Decimal:
    """A stable factor in [0.70, 1.10] for one unit, indicator and quarter."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return Decimal(70 + digest[0] % 41) / 100


def _figure(target: Target, quarter: int, units: int, factor: Decimal) -> ValueInput:
    indicator = target.indicator
    progress = Decimal(quarter) / 4 * factor
    if indicator.measure == Measure.PERCENT:
        start = target.baseline if target.baseline is not None else Decimal(0)
        percent = min(Decimal(100), start + (target.value - start) * progress)
        denominator = Decimal(40 + int(factor * 200))
        numerator = (denominator * percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
        return ValueInput(numerator=numerator, denominator=denominator, source="Số liệu của đơn vị")
    if indicator.time_aggregation == TimeAggregation.SUM:
        # A flow: this quarter's share of the year's target, split between the units.
        share = target.value / 4 / max(units, 1) * factor
    else:
        share = target.value * progress / max(units, 1)
    return ValueInput(value=share.quantize(Decimal(1), ROUND_HALF_UP), source="Số liệu của đơn vị")


def _stamp(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def _report(period: ReportingPeriod, unit: Any, *, targets: list[Target], tasks: list[Any], accept: bool,
            admin: Any, day: date) -> UnitReport:
    report = services.unit_report_open(period=period, unit=unit)
    if report.state != ReportState.DRAFT:
        return report  # loaded before: the demo is idempotent
    rows = selectors.report_rows(period=period, unit=unit, targets=targets, tasks=tasks)
    values = {indicator.pk: _figure(rows.targets[indicator.pk], period.quarter or 1,
                                    len(rows.targets[indicator.pk].reporting_units.all()),
                                    _spread(unit.pk, indicator.code, period.quarter))
              for indicator in rows.indicators}
    progress = {task.pk: ProgressInput(status=TaskStatus.DONE if period.quarter == 4 else TaskStatus.IN_PROGRESS,
                                       narrative=NARRATIVE) for task in rows.tasks}
    saved = services.unit_report_save(report=report, actor=None, version=report.version, today=day,
                                      data=ReportInput(values=values, progress=progress, highlights=HIGHLIGHTS))
    report = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version, today=day)
    if accept:
        report = services.unit_report_accept(report=report, actor=admin, version=report.version)
    # Backdated: the demo's reports were sent in the reporting window, not on the day it loads.
    UnitReport.objects.filter(pk=report.pk).update(first_submitted_at=_stamp(day), submitted_at=_stamp(day),
                                                   accepted_at=_stamp(day + timedelta(days=2)) if accept else None)
    return report


def demo_year(plan: Plan, today: date) -> int | None:
    """The year the demo reports for a plan: this year, or the plan's last year once it ended;
    None for a plan that starts later."""
    year = min(today.year, plan.end_year)
    return year if year >= plan.start_year else None


def demo_reports_load(*, admins: dict[int, Any], today: date | None = None,
                      say: Callable[[str], None] = lambda _text: None) -> int:
    """Report every past-deadline quarter of each demo plan's current (or last) year
    (``admins``: the accepting administrator per commune id). Returns the number of reports
    made or kept."""
    today = today or local_today()
    made = 0
    quarters: set[tuple[int, int]] = set()
    # The demo's reports are not news: no e-mail to the demo users for each accept.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), \
            scopes_disabled(), transaction.atomic():
        for plan in Plan.objects.filter(commune_id__in=list(admins)).select_related("commune"):
            year = demo_year(plan, today)
            if year is None:
                continue
            reporting_periods_sync(plan=plan)
            periods = list(ReportingPeriod.objects.filter(
                plan=plan, kind=PeriodKind.QUARTERLY, year=year, unit_deadline__lt=today).order_by("quarter"))
            for period in periods:
                quarters.add((year, period.quarter or 1))
                targets = selectors.period_reported_targets(period=period)
                tasks = selectors.period_tasks(period=period)
                units = selectors.expected_units(period=period)
                latest = period == periods[-1]
                reporting = units[:-1] if latest and len(units) > 2 else units
                for index, unit in enumerate(reporting):
                    waiting = latest and index == len(reporting) - 1 and len(units) > 2
                    _report(period, unit, targets=targets, tasks=tasks, accept=not waiting,
                            admin=admins[plan.commune_id], day=period.unit_deadline - timedelta(days=3 + index % 4))
                    made += 1
                say(f"{plan.commune.official_name}: {period.title}, {len(reporting)}/{len(units)} đơn vị báo cáo")
        # The accepts enqueue rollups on commit; computing them here makes the demo complete
        # whether tasks run in-process or on a worker that is not started yet.
        for year, quarter in sorted(quarters):
            rollup_run(year=year, quarter=quarter, commune_ids=list(admins))
    return made
