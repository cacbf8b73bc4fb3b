"""E-mails about a report's review transitions, each sent at most once per transition.

- returned / accepted → the unit's reporters. Once-only through the Reminder log, reason
  returned/accepted with ``event_key = str(transition_id)``: the same claim-then-send rule as
  the deadline reminders (reporting.services.mail.send_once).
- submitted → the commune's administrators. No Reminder reason fits, so the marker is an
  AuditEntry ``report.submitted.notified`` on the transition, claimed while holding a row lock
  on that ReportTransition: concurrent deliveries of the same transition queue on the lock and
  the later one finds the marker. The marker is committed before sending and removed only if
  sending raises, as for Reminder rows.
- other transitions (a reopened report back to draft) send nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from campaigns.models import AuditEntry
from campaigns.services.audit import audit_record
from reporting.deadlines import local_day
from reporting.models import ReminderReason, ReportState, ReportTransition
from reporting.services.mail import (
    SUBJECT_PREFIX,
    admin_emails,
    build_email,
    fmt_date,
    report_url,
    reporter_emails,
    send_once,
)

SUBMITTED_MARKER = "report.submitted.notified"


def report_transition_notify(*, transition_id: int) -> None:
    """Tell the people concerned about a review transition (inside the tenant scope)."""
    transition = (ReportTransition.objects
                  .select_related("report", "report__period", "report__period__plan",
                                  "report__period__plan__commune", "report__unit", "actor")
                  .filter(pk=transition_id).first())
    if transition is None:  # rolled back, deleted, or not in this scope: nothing to tell
        return
    if transition.to_state in (ReportState.RETURNED, ReportState.ACCEPTED):
        _notify_reporters(transition)
    elif transition.to_state == ReportState.SUBMITTED:
        _notify_admins(transition)


def _context(transition: ReportTransition) -> dict[str, object]:
    report = transition.report
    period = report.period
    return {
        "transition": transition, "report": report, "unit": report.unit, "period": period,
        "commune": period.plan.commune, "reason": transition.reason,
        "deadline": fmt_date(period.unit_deadline), "day": fmt_date(local_day(transition.created_at)),
        "actor": (transition.actor.get_full_name() or transition.actor.username) if transition.actor else "",
        "url": report_url(unit=report.unit, report=report),
    }


def _notify_reporters(transition: ReportTransition) -> None:
    report = transition.report
    recipients = reporter_emails(units=[report.unit]).get(report.unit_id, ())
    if not recipients:
        return
    returned = transition.to_state == ReportState.RETURNED
    reason = ReminderReason.RETURNED if returned else ReminderReason.ACCEPTED

    def build() -> EmailMultiAlternatives:
        with translation.override(settings.LANGUAGE_CODE):
            values = {"prefix": SUBJECT_PREFIX, "period": report.period.title, "unit": report.unit.name}
            if returned:
                subject = _("%(prefix)s Báo cáo %(period)s của %(unit)s bị trả lại để sửa") % values
            else:
                subject = _("%(prefix)s Báo cáo %(period)s của %(unit)s đã được chấp nhận") % values
            return build_email(template="report_returned" if returned else "report_accepted",
                               subject=subject, recipients=recipients, context=_context(transition))

    send_once(period=report.period, unit=report.unit, reason=reason, event_key=str(transition.pk),
              recipients=recipients, build=build)


def _notify_admins(transition: ReportTransition) -> None:
    report = transition.report
    commune = report.period.plan.commune
    recipients = admin_emails(commune=commune)
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {"prefix": SUBJECT_PREFIX, "period": report.period.title, "unit": report.unit.name}
        subject = _("%(prefix)s %(unit)s đã gửi báo cáo %(period)s") % values
        message = build_email(template="report_submitted", subject=subject, recipients=recipients,
                              context=_context(transition))
    with transaction.atomic():
        # The row lock serialises two deliveries of the same transition (a redelivered task
        # racing the original); the later one then sees the first one's committed marker.
        ReportTransition.objects.select_for_update(of=("self",)).filter(pk=transition.pk).first()
        if AuditEntry.objects.filter(action=SUBMITTED_MARKER, target_type="reporting.reporttransition",
                                     target_id=transition.pk).exists():
            return
        marker = audit_record(commune=commune, actor=None, action=SUBMITTED_MARKER, target=transition,
                              changes={"recipients": [None, list(recipients)]})
    try:
        message.send(fail_silently=False)
    except Exception:
        AuditEntry.objects.filter(pk=marker.pk).delete()  # not delivered: let a retry send it
        raise
