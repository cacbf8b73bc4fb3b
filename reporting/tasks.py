"""Celery tasks of reporting. Arguments are primary keys; TenantTask enters the scope.

Layer: entry (like the views): a task loads what it needs and calls a service. Services never
import this module; they enqueue its tasks by name (portal.tasks), with the names they define.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from celery import chord, group, shared_task
from django.db import InterfaceError, OperationalError

from campaigns.models import Commune, Plan, Province
from portal.formats import quarter_of
from portal.scoping import scopes_disabled, tenant_scope
from portal.tasks import TenantTask
from reporting.deadlines import local_today
from reporting.documents.registry import spec_for
from reporting.documents.storage import DocumentRefused, document_ensure
from reporting.rollups.compute import (
    commune_rollup_refresh,
    plans_for_year,
    province_rollup_compute,
)
from reporting.selectors.rollups import province_commune_ids
from reporting.services.documents import RENDER_DOCUMENT_TASK
from reporting.services.notifications import report_transition_notify
from reporting.services.reminders import reminders_send
from reporting.services.rollup_inputs import (
    COMMUNE_ROLLUP_TASK,
    INPUTS_COMPUTED_TASK,
    PROVINCE_COMBINE_TASK,
    PROVINCE_ROLLUP_TASK,
    rollup_inputs_caught_up,
)
from reporting.services.unit_reports import REPORT_TRANSITION_TASK

logger = logging.getLogger(__name__)

# Mail delivery failures (smtplib.SMTPException and socket errors are OSErrors) are retried
# like database hiccups: the once-only claim is released when sending raises, so a retry
# sends what the failed attempt did not, and skips what it did.
_RETRY_ON = (OperationalError, InterfaceError, OSError)


@shared_task(base=TenantTask, name=REPORT_TRANSITION_TASK, autoretry_for=_RETRY_ON)
def on_report_transition(*, transition_id: int, commune_ids: list[int]) -> None:
    """After a review transition commits: tell the people concerned by e-mail. (The figures
    a transition into or out of "accepted" changes are recomputed by the chain the transition
    enqueued itself: reporting.services.rollup_inputs.)"""
    report_transition_notify(transition_id=transition_id)


# --- Rollups ------------------------------------------------------------------------------
# Time limits: one commune's rollup is a single aggregate query and a bulk write.


@shared_task(base=TenantTask, name=COMMUNE_ROLLUP_TASK, time_limit=300, soft_time_limit=240)
def commune_rollup(*, plan_ids: list[int], year: int, quarter: int, commune_ids: list[int]) -> int:
    """Recompute the plans' quarter (and later quarters of the year) from accepted reports."""
    return commune_rollup_refresh(plan_ids=plan_ids, year=year, quarter=quarter)


@shared_task(base=TenantTask, name=PROVINCE_COMBINE_TASK, time_limit=300, soft_time_limit=240)
def province_rollup_combine(*_results: Any, province_id: int, year: int, quarter: int,
                            commune_ids: list[int]) -> int:
    """The chord's body: combine the province's commune figures (after every commune task)."""
    return province_rollup_compute(province_id=province_id, year=year, quarter=quarter)


@shared_task(base=TenantTask, name=INPUTS_COMPUTED_TASK, autoretry_for=_RETRY_ON)
def rollup_inputs_computed(*, plan_id: int, year: int, marks: list[list[int]], commune_ids: list[int]) -> int:
    """The chain's last step: the plan's figures have caught up with the input versions in
    ``marks`` ([[quarter, version], …]); pages stop saying "Đang cập nhật số liệu…"."""
    return rollup_inputs_caught_up(plan_id=plan_id, year=year, marks=marks)


@shared_task(name=PROVINCE_ROLLUP_TASK, acks_late=True, reject_on_worker_lost=True)
def province_rollup(*, province_id: int, year: int, quarter: int) -> str:
    """Fan out one commune task per commune of the province, then combine them (a chord)."""
    commune_ids = province_commune_ids(province_id=province_id)
    with tenant_scope(commune_ids):
        plans = dict(Plan.objects.filter(pk__in=plans_for_year(commune_ids=commune_ids, year=year))
                     .values_list("pk", "commune_id"))
    header = group(commune_rollup.si(plan_ids=[plan_id], year=year, quarter=quarter, commune_ids=[commune_id])
                   for plan_id, commune_id in sorted(plans.items()))
    body = province_rollup_combine.s(province_id=province_id, year=year, quarter=quarter,
                                     commune_ids=commune_ids)
    if not plans:
        return str(body.apply_async().id)
    return str(chord(header)(body).id)


@shared_task(name="reporting.nightly_rollups", acks_late=True, reject_on_worker_lost=True)
def nightly_rollups(*, today: str | None = None) -> int:
    """Beat: recompute every province's current quarter (catches anything a hook missed)."""
    day = date.fromisoformat(today) if today else local_today()
    quarter = quarter_of(day)
    province_ids = list(Province.objects.order_by("pk").values_list("pk", flat=True))
    for province_id in province_ids:
        province_rollup.delay(province_id=province_id, year=day.year, quarter=quarter)
    return len(province_ids)


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
    day = date.fromisoformat(today) if today else local_today()
    return len(reminders_send(today=day))


# --- Official PDFs ------------------------------------------------------------------------
# Named reporting.tasks.render_* so CELERY_TASK_ROUTES sends them to the "pdf" queue. A plan
# renders in one to three seconds; the limits leave room for a long consolidated report.


@shared_task(base=TenantTask, name=RENDER_DOCUMENT_TASK, time_limit=180,
             soft_time_limit=150)
def render_document(*, kind: str, object_id: int, commune_ids: list[int]) -> int | None:
    """Render and store the document of one source, unless the stored one is current (so a
    retry or a redelivery is a no-op). Returns the RenderedDocument id, None when the source
    is not in the task's scope (deleted meanwhile)."""
    spec = spec_for(kind)
    source = spec.load(object_id)
    if source is None:
        return None
    try:
        return document_ensure(kind=kind, source=source).pk
    except DocumentRefused as refused:  # a retry cannot supply a signer: say so and stop
        logger.warning("document %s #%s not rendered: %s", kind, object_id, refused)
        return None
