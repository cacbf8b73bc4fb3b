"""The portal's e-mail, shared by every service that writes one (reminders, review
notifications, the commune report's acknowledgement): who receives it, the links in it, its
subject prefix and date format, building it from templates, and sending it at most once.

The once-only rule (``send_once``): a message is *claimed* by inserting its Reminder row
(unique on period, unit, reason, event_key) in its own transaction before the e-mail goes out.
Only the run whose insert created the row sends; a second run, a concurrent run (its insert
waits on the unique index, then fails) or a redelivered Celery task finds the row and sends
nothing. ``sent_at`` is set after the mail server accepted the message. If sending raises, the
claim is released so a retry can send; if the process dies between claim and send, the row
stays with ``sent_at`` empty: at most once, never twice.

Layer: services (reads the memberships and writes the Reminder log; runs inside the caller's
tenant scope).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from campaigns.models import Commune, Membership, Unit
from portal.access import Role
from portal.formats import vn_date
from reporting.models import Reminder, ReportingPeriod, UnitReport

DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8000"
SUBJECT_PREFIX = "[Bình dân học vụ số]"


def fmt_date(value: date) -> str:
    """Dates in e-mails and messages: dd/mm/yyyy, as in Vietnamese documents."""
    return vn_date(value)


# --- Who receives it -----------------------------------------------------------------------


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


# --- Links and the message -----------------------------------------------------------------


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


# --- Sending once --------------------------------------------------------------------------


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
