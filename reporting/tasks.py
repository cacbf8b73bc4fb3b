"""Celery tasks of reporting. Arguments are primary keys; TenantTask enters the scope."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError

from campaigns.celery_base import TenantTask
from campaigns.models import Commune
from campaigns.scoping import scopes_disabled
from reporting.deadlines import local_today

# Mail delivery failures (smtplib.SMTPException and socket errors are OSErrors) are retried
# like database hiccups: the once-only claim is released when sending raises, so a retry
# sends what the failed attempt did not, and skips what it did.
_RETRY_ON = (OperationalError, InterfaceError, OSError)


@shared_task(base=TenantTask, name="reporting.on_report_transition", autoretry_for=_RETRY_ON)
def on_report_transition(*, transition_id: int, commune_ids: list[int]) -> None:
    """After a review transition commits: tell the people concerned by e-mail."""
    from reporting.notifications import report_transition_notify

    report_transition_notify(transition_id=transition_id)


@shared_task(name="reporting.send_due_reminders", acks_late=True, reject_on_worker_lost=True)
def send_due_reminders(*, today: str | None = None) -> int:
    """The daily beat entry: one send_commune_reminders task per commune with a live period.

    The scope is disabled only to list commune ids (the fan-out is the one thing that spans
    tenants); every commune's work runs in its own task, inside its own scope. The day is
    fixed here so a commune task that runs late or is redelivered still uses the beat's day.
    Running this twice only enqueues idempotent tasks twice.
    """
    day = date.fromisoformat(today) if today else local_today()
    with scopes_disabled():
        commune_ids = list(
            Commune.objects.filter(plans__periods__unit_deadline__gte=day - timedelta(days=1))
            .order_by("pk").values_list("pk", flat=True).distinct()
        )
    for commune_id in commune_ids:
        send_commune_reminders.delay(commune_ids=[commune_id], today=day.isoformat())
    return len(commune_ids)


@shared_task(base=TenantTask, name="reporting.send_commune_reminders", autoretry_for=_RETRY_ON)
def send_commune_reminders(*, commune_ids: list[int], today: str | None = None) -> int:
    """Send the commune's due reminders of ``today`` (local date, ISO) at most once each."""
    from reporting.reminders import reminders_send

    day = date.fromisoformat(today) if today else local_today()
    return len(reminders_send(today=day))
