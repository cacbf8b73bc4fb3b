"""Reminders and review e-mails through a real Celery worker, Redis and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns.models import AuditEntry
from portal.scoping import scopes_disabled
from reporting import tasks
from reporting.models import (
    CommuneRollup,
    ProvinceRollup,
    Reminder,
    ReminderReason,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    RollupInputs,
)
from reporting.services import unit_reports as services
from reporting.services.notifications import SUBMITTED_MARKER
from reporting.services.rollup_inputs import plan_rollups_recompute
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.celery_worker import REQUIRES_SERVICES, RealWorker, real_celery_worker_fixture  # noqa: F401
from tests.conftest import World
from tests.reporting.conftest import IN_WINDOW

SCHEDULED_DAYS = {"2026-03-10": ReminderReason.BEFORE_DEADLINE, "2026-03-15": ReminderReason.ON_DEADLINE,
                  "2026-03-16": ReminderReason.OVERDUE}


def _sent_reasons() -> list[str]:
    with scopes_disabled():
        return sorted(Reminder.objects.filter(sent_at__isnull=False).values_list("reason", flat=True))


@pytest.mark.worker
@REQUIRES_SERVICES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_sends_every_reminder_once(world: World, q1: ReportingPeriod,
                                               real_celery_worker: RealWorker) -> None:
    worker = real_celery_worker
    commune_ids = [world.commune_a.pk]

    # The beat's per-commune task for each reminder day, each enqueued twice (a duplicate
    # fan-out or a redelivery): the second of each pair must find the claimed row.
    results = [tasks.send_commune_reminders.delay(commune_ids=commune_ids, today=day)
               for day in SCHEDULED_DAYS for _twice in range(2)]
    worker.wait_until(lambda: len(_sent_reasons()) >= 3, what="the three deadline reminders")
    # Every enqueued task has run (the results are the barrier): one of each pair sent.
    assert sorted(r.get(timeout=60) for r in results) == [0, 0, 0, 1, 1, 1]

    # The unit submits (the commune admins hear of it), then the admin returns the report.
    with scopes_disabled():
        adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
        news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
        report = world.report_a
        services.unit_report_save(report=report, actor=world.reporter_a, version=report.version, today=IN_WINDOW,
                                  data=ReportInput(
                                      values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900)),
                                              news: ValueInput(value=Decimal(75))},
                                      progress={world.task_a.pk: ProgressInput(status="in_progress")}))
        report.refresh_from_db()
        report = services.unit_report_submit(report=report, actor=world.reporter_a, version=report.version,
                                             today=IN_WINDOW)
        report = services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                             reason="Thiếu số liệu thôn 3")
        returned = ReportTransition.objects.get(report=report, to_state=ReportState.RETURNED)
        submitted = ReportTransition.objects.get(report=report, to_state=ReportState.SUBMITTED)

    def review_mails_sent() -> bool:
        with scopes_disabled():
            return (Reminder.objects.filter(reason=ReminderReason.RETURNED, sent_at__isnull=False).exists()
                    and AuditEntry.objects.filter(action=SUBMITTED_MARKER, target_id=submitted.pk).exists())

    worker.wait_until(review_mails_sent, what="the submitted and returned e-mails")
    # A redelivered notification task sends nothing more.
    tasks.on_report_transition.delay(transition_id=returned.pk, commune_ids=commune_ids).get(timeout=60)

    with scopes_disabled():
        rows = list(Reminder.objects.filter(period=q1, unit=world.unit_a).order_by("reason"))
        assert sorted(r.reason for r in rows) == sorted([*SCHEDULED_DAYS.values(), ReminderReason.RETURNED])
        assert all(r.sent_at is not None for r in rows)
        assert all(r.recipients == ["reporter_a@example.vn"] for r in rows)
        assert next(r for r in rows if r.reason == ReminderReason.RETURNED).event_key == str(returned.pk)
        assert AuditEntry.objects.filter(action=SUBMITTED_MARKER).count() == 1
    if worker.email_file_path_honoured:
        # 3 deadline reminders + "submitted" to the admin + "returned" to the reporter.
        files = worker.mail_files()
        assert len(files) == 5, worker.log()
        assert sum("reporter_a@example.vn" in f.read_text(errors="replace") for f in files) == 4


def _caught_up(plan_id: int) -> bool:
    with scopes_disabled():
        rows = list(RollupInputs.objects.filter(plan_id=plan_id, year=2026).values_list(
            "inputs_version", "computed_version"))
    return bool(rows) and all(computed >= inputs > 0 for inputs, computed in rows)


@pytest.mark.worker
@REQUIRES_SERVICES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_runs_the_rollup_chains_the_services_enqueue_by_name(
        world: World, q1: ReportingPeriod, real_celery_worker: RealWorker) -> None:
    """An accepted report's chain (commune step, the province's combine of each quarter, the
    "inputs computed" mark) and the "Tính lại" button's chain, both enqueued by task name
    (portal.tasks) from the services, run on a real worker."""
    worker = real_celery_worker
    with scopes_disabled():
        adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
        news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
        report = world.report_a
        services.unit_report_save(report=report, actor=world.reporter_a, version=report.version, today=IN_WINDOW,
                                  data=ReportInput(
                                      values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900)),
                                              news: ValueInput(value=Decimal(75))},
                                      progress={world.task_a.pk: ProgressInput(status="in_progress")}))
        report.refresh_from_db()
        report = services.unit_report_submit(report=report, actor=world.reporter_a, version=report.version,
                                             today=IN_WINDOW)
        services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)

    worker.wait_until(lambda: _caught_up(world.plan_a.pk), what="the accepted report's rollup chain")
    with scopes_disabled():
        figure = CommuneRollup.objects.get(plan=world.plan_a, indicator_id=news, year=2026, quarter=1)
        assert (figure.value, figure.units_reported) == (Decimal(75), 1)
        assert ProvinceRollup.objects.filter(province=world.province_p, indicator_id=news, year=2026,
                                             quarter=1).exists()
        computed_at = figure.computed_at
        plan_rollups_recompute(plan=world.plan_a, year=2026, quarters=[1])

    def recomputed() -> bool:
        with scopes_disabled():
            return CommuneRollup.objects.filter(plan=world.plan_a, indicator_id=news, year=2026, quarter=1,
                                                computed_at__gt=computed_at).exists()

    worker.wait_until(recomputed, what="the recompute button's rollup chain")
    assert _caught_up(world.plan_a.pk)
