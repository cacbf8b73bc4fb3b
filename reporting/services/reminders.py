"""Deadline reminders by e-mail: who is due today and why, sent at most once.

The once-only rule: a reminder is *claimed* by inserting its Reminder row (unique on period,
unit, reason, event_key) in its own transaction before the e-mail goes out. Only the run whose
insert created the row sends; a second run, a concurrent run (its insert waits on the unique
index, then fails) or a redelivered Celery task finds the row and sends nothing. ``sent_at`` is
set after the mail server accepted the message. If sending raises, the claim is released so a
retry can send; if the process dies between claim and send, the row stays with ``sent_at``
empty: at most once, never twice.

Everything here runs inside the caller's tenant scope (task base class, command, middleware).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Commune, Membership, Unit
from campaigns.services.audit import audit_record
from portal.access import Role
from portal.formats import vn_date
from reporting.deadlines import local_today
from reporting.models import (
    PeriodKind,
    Reminder,
    ReminderReason,
    ReportingPeriod,
    ReportState,
    UnitReport,
)
from reporting.selectors import reports as selectors

DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8000"
SUBJECT_PREFIX = "[Bình dân học vụ số]"
SCHEDULED_REASONS = (ReminderReason.BEFORE_DEADLINE, ReminderReason.ON_DEADLINE, ReminderReason.OVERDUE)


@dataclass(frozen=True)
class DueReminder:
    """One unit to remind about one period, why, and to whom (e-mail addresses)."""

    period: ReportingPeriod
    unit: Unit
    report: UnitReport | None
    reason: str
    recipients: tuple[str, ...] = field(default_factory=tuple)
    event_key: str = ""

    @property
    def commune(self) -> Commune:
        return self.period.plan.commune

    @property
    def reason_label(self) -> str:
        return str(ReminderReason(self.reason).label)


# --- Who is due ----------------------------------------------------------------------------


def fmt_date(value: date) -> str:
    """Dates in e-mails and messages: dd/mm/yyyy, as in Vietnamese documents."""
    return vn_date(value)


def scheduled_reason(*, period: ReportingPeriod, today: date) -> str | None:
    """Which scheduled reminder falls on ``today`` for this period, if any.

    Before the deadline (``plan.remind_days_before`` days ahead), on the deadline day, and once
    on the day after it. With ``remind_days_before`` 0 the deadline-day reminder is the only one.
    """
    deadline = period.unit_deadline
    if today == deadline + timedelta(days=1):
        return ReminderReason.OVERDUE
    if today == deadline:
        return ReminderReason.ON_DEADLINE
    days_before = period.plan.remind_days_before
    if days_before and today == deadline - timedelta(days=days_before):
        return ReminderReason.BEFORE_DEADLINE
    return None


def is_outstanding(report: UnitReport | None) -> bool:
    """Not yet submitted: no report, never sent, or back in the unit's hands (draft/returned)."""
    return (report is None or report.first_submitted_at is None
            or report.state in (ReportState.DRAFT, ReportState.RETURNED))


def reporter_emails(*, units: Iterable[Unit]) -> dict[int, tuple[str, ...]]:
    """Unit id → e-mail addresses of its active reporters (one query for all units)."""
    emails: dict[int, set[str]] = {}
    memberships = (Membership.objects.filter(role=Role.UNIT_REPORTER, unit__in=list(units),
                                             user__is_active=True)
                   .exclude(user__email="").values_list("unit_id", "user__email"))
    for unit_id, email in memberships:
        emails.setdefault(unit_id, set()).add(email.strip())
    return {unit_id: tuple(sorted(addresses)) for unit_id, addresses in emails.items()}


def admin_emails(*, commune: Commune) -> tuple[str, ...]:
    """E-mail addresses of the commune's active administrators."""
    emails = (Membership.objects.filter(role=Role.COMMUNE_ADMIN, commune=commune, user__is_active=True)
              .exclude(user__email="").values_list("user__email", flat=True))
    return tuple(sorted({e.strip() for e in emails}))


def outstanding_units(*, period: ReportingPeriod) -> list[tuple[Unit, UnitReport | None]]:
    """Expected units of the period whose report is not submitted, with their report if any."""
    units = selectors.expected_units(period=period)
    reports = {r.unit_id: r for r in UnitReport.objects.filter(period=period, unit__in=units)}
    return [(unit, reports.get(unit.pk)) for unit in units if is_outstanding(reports.get(unit.pk))]


def reminders_due(*, today: date) -> list[DueReminder]:
    """Who would be reminded today and why, over every plan of the active scope.

    A unit with no reporter e-mail is listed with no recipients (so an operator sees it) but
    is never sent to nor recorded.
    """
    # Only periods whose deadline is yesterday or later can have a reminder today.
    periods = (ReportingPeriod.objects
               .filter(kind__in=[PeriodKind.QUARTERLY, PeriodKind.ADHOC],
                       unit_deadline__gte=today - timedelta(days=1))
               .select_related("plan", "plan__commune")
               .order_by("plan__commune__code", "unit_deadline", "id"))
    due: list[DueReminder] = []
    for period in periods:
        reason = scheduled_reason(period=period, today=today)
        if reason is None:
            continue
        pending = outstanding_units(period=period)
        emails = reporter_emails(units=[unit for unit, _report in pending])
        due.extend(
            DueReminder(period=period, unit=unit, report=report, reason=reason,
                        recipients=emails.get(unit.pk, ()))
            for unit, report in pending
        )
    return due


# --- Sending once --------------------------------------------------------------------------


def portal_url(path: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL)
    return base.rstrip("/") + path


def report_url(*, unit: Unit, report: UnitReport | None) -> str:
    """The report page if the portal has one (and the report exists), else the unit page."""
    if report is not None:
        try:
            return portal_url(reverse("report_detail", kwargs={"report_pk": report.pk}))
        except NoReverseMatch:
            pass
    return portal_url(reverse("unit_detail", kwargs={"unit_pk": unit.pk}))


def build_email(*, template: str, subject: str, recipients: Iterable[str],
                context: dict[str, Any]) -> EmailMultiAlternatives:
    """A text e-mail with its HTML alternative, from templates/reporting/email/<template>.*"""
    context = {"subject": subject, "portal_url": portal_url("/"), **context}
    text = render_to_string(f"reporting/email/{template}.txt", context)
    html = render_to_string(f"reporting/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(recipients))
    message.attach_alternative(html, "text/html")
    return message


def reminder_email(item: DueReminder) -> EmailMultiAlternatives:
    period, unit = item.period, item.unit
    with translation.override(settings.LANGUAGE_CODE):
        values = {"prefix": SUBJECT_PREFIX, "period": period.title,
                  "deadline": fmt_date(period.unit_deadline), "unit": unit.name}
        if item.reason == ReminderReason.ON_DEADLINE:
            subject = _("%(prefix)s Hôm nay là hạn nộp báo cáo %(period)s (%(deadline)s)") % values
        elif item.reason == ReminderReason.OVERDUE:
            subject = _("%(prefix)s Quá hạn nộp báo cáo %(period)s — hạn %(deadline)s") % values
        else:
            subject = _("%(prefix)s Nhắc nộp báo cáo %(period)s — hạn %(deadline)s") % values
        return build_email(template="reminder", subject=subject, recipients=item.recipients, context={
            "reason": item.reason, "unit": unit, "commune": item.commune, "period": period,
            "deadline": fmt_date(period.unit_deadline), "returned": bool(
                item.report is not None and item.report.state == ReportState.RETURNED),
            "url": report_url(unit=unit, report=item.report),
        })


def send_once(*, period: ReportingPeriod, unit: Unit, reason: str, event_key: str,
              recipients: Iterable[str], build: Callable[[], EmailMultiAlternatives],
              after_send: Callable[[Reminder], None] | None = None) -> Reminder | None:
    """Claim the (period, unit, reason, event_key) row, send, then stamp ``sent_at``.

    Returns the Reminder when this call sent the e-mail, None when another run owns it.
    """
    with transaction.atomic():
        # get_or_create inserts inside a savepoint and, on IntegrityError from a concurrent
        # insert of the same key, reads the winner's row instead: exactly one caller creates.
        reminder, created = Reminder.objects.get_or_create(
            period=period, unit=unit, reason=reason, event_key=event_key,
            defaults={"recipients": list(recipients)},
        )
    if not created:
        return None
    try:
        build().send(fail_silently=False)
    except Exception:
        # Not delivered: release the claim so the task's retry (or a later run) can send.
        Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).delete()
        raise
    with transaction.atomic():
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
        if after_send is not None:
            after_send(reminder)
    return reminder


def reminder_deliver(*, item: DueReminder) -> bool:
    """Send one due reminder unless it already went out (or it has nobody to go to)."""
    if not item.recipients:
        return False
    sent = send_once(period=item.period, unit=item.unit, reason=item.reason,
                     event_key=item.event_key, recipients=item.recipients,
                     build=lambda: reminder_email(item))
    return sent is not None


def reminders_send(*, today: date, dry_run: bool = False) -> list[DueReminder]:
    """Send today's due reminders of the active scope; returns those this run sent.

    With ``dry_run`` nothing is sent or recorded and every due reminder is returned.
    """
    due = reminders_due(today=today)
    if dry_run:
        return due
    return [item for item in due if reminder_deliver(item=item)]


# --- The commune admin's one-click reminder ------------------------------------------------


def reminder_send_now(*, period: ReportingPeriod, unit: Unit, actor: Any,
                      today: date | None = None) -> Reminder | None:
    """Remind one unit now; at most one manual reminder per unit, period and local day.

    Returns the Reminder sent, or None if the unit was already reminded by hand today.
    Raises ValidationError (Vietnamese) when there is nothing to remind or nobody to tell.
    """
    today = today or local_today()
    if unit.commune_id != period.plan.commune_id:
        raise ValidationError(_("Đơn vị không thuộc xã/phường của kế hoạch."))
    if today < period.opens_on:
        raise ValidationError(_("Kỳ báo cáo chưa mở nhập liệu (mở từ %(d)s).") % {"d": fmt_date(period.opens_on)})
    report = UnitReport.objects.filter(period=period, unit=unit).first()
    if not is_outstanding(report):
        raise ValidationError(_("Đơn vị %(unit)s đã nộp báo cáo kỳ này.") % {"unit": unit.name})
    recipients = reporter_emails(units=[unit]).get(unit.pk, ())
    if not recipients:
        raise ValidationError(_("Đơn vị %(unit)s chưa có báo cáo viên có địa chỉ e-mail.")
                              % {"unit": unit.name})
    reason = ReminderReason.OVERDUE if today > period.unit_deadline else ReminderReason.BEFORE_DEADLINE
    item = DueReminder(period=period, unit=unit, report=report, reason=reason, recipients=recipients,
                       event_key=today.isoformat())

    def audit(reminder: Reminder) -> None:
        audit_record(commune=period.plan.commune, actor=actor, action="reminder.send", target=reminder,
                     changes={"reason": [None, reason], "recipients": [None, list(recipients)]})

    return send_once(period=period, unit=unit, reason=reason, event_key=item.event_key,
                     recipients=recipients, build=lambda: reminder_email(item), after_send=audit)


@dataclass
class RemindOutcome:
    sent: list[Unit] = field(default_factory=list)
    already: list[Unit] = field(default_factory=list)  # reminded by hand earlier today
    errors: list[str] = field(default_factory=list)


def period_remind_outstanding(*, period: ReportingPeriod, actor: Any,
                              today: date | None = None) -> RemindOutcome:
    """Remind every unit of the period that has not submitted yet (the one-click button)."""
    today = today or local_today()
    outcome = RemindOutcome()
    for unit, _report in outstanding_units(period=period):
        try:
            sent = reminder_send_now(period=period, unit=unit, actor=actor, today=today)
        except ValidationError as exc:
            outcome.errors.extend(exc.messages)
            continue
        (outcome.sent if sent is not None else outcome.already).append(unit)
    return outcome
