"""The reporting periods of a plan: the quarters its rules give (kept in step with the plan
through campaigns.hooks) and ad-hoc requests."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Plan
from campaigns.services.audit import audit_record
from portal.formats import quarter_title
from portal.text import nfc
from reporting.deadlines import period_dates
from reporting.models import (
    PeriodKind,
    ReportingPeriod,
)


@transaction.atomic
def reporting_periods_sync(*, plan: Plan) -> list[ReportingPeriod]:
    """Create or update the quarterly periods of every year of the plan (idempotent)."""
    periods = []
    for year in plan.years:
        for quarter in (1, 2, 3, 4):
            dates = period_dates(
                year=year, quarter=quarter, unit_day=plan.unit_deadline_day,
                unit_offset=plan.unit_deadline_month_offset, commune_day=plan.commune_deadline_day,
                commune_offset=plan.commune_deadline_month_offset,
                opens_days_before=plan.entry_opens_days_before, lock_after_days=plan.lock_after_days,
            )
            period, _created = ReportingPeriod.objects.update_or_create(
                plan=plan, kind=PeriodKind.QUARTERLY, year=year, quarter=quarter,
                # A stored title is document data, Vietnamese whatever the user's interface language.
                defaults={"title": quarter_title(quarter, year),
                          "opens_on": dates.opens_on, "unit_deadline": dates.unit_deadline,
                          "commune_deadline": dates.commune_deadline, "locks_on": dates.locks_on},
            )
            periods.append(period)
    return periods


@transaction.atomic
def adhoc_period_create(*, plan: Plan, actor: Any, title: str, year: int, opens_on: date,
                        deadline: date, locks_on: date | None = None) -> ReportingPeriod:
    """A báo cáo đột xuất with its own due date; units fill the same form as each quarter."""
    title = nfc(title)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Phải có tên kỳ báo cáo.")
    if opens_on > deadline:
        errors["deadline"] = _("Hạn nộp phải sau ngày mở nhập liệu.")
    if locks_on is not None and locks_on < deadline:
        errors["locks_on"] = _("Ngày khóa phải không trước hạn nộp.")
    if errors:
        raise ValidationError(errors)
    period = ReportingPeriod.objects.create(
        plan=plan, kind=PeriodKind.ADHOC, year=year, quarter=None, title=title, opens_on=opens_on,
        unit_deadline=deadline, commune_deadline=deadline, locks_on=locks_on or deadline)
    audit_record(commune=plan.commune, actor=actor, action="period.adhoc", target=period,
                 changes={"title": [None, title], "deadline": [None, deadline.isoformat()]})
    return period


def on_plan_schedule_changed(sender: Any, *, plan: Plan, **_kwargs: Any) -> None:
    """campaigns.hooks.plan_schedule_changed: the plan's periods follow its years and rules."""
    reporting_periods_sync(plan=plan)
