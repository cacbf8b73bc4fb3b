"""Deadline reminders and review e-mails: who is due and why, sent once, dry runs, the
admin's one-click reminder and the send_reminders command (real database, locmem e-mail)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from campaigns.models import AuditEntry
from config.celery import app as celery_app
from portal.access import Role
from portal.scoping import scopes_disabled, tenant_scope
from reporting import tasks
from reporting.models import (
    Reminder,
    ReminderReason,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    UnitReport,
)
from reporting.services import periods
from reporting.services import unit_reports as services
from reporting.services.notifications import SUBMITTED_MARKER, report_transition_notify
from reporting.services.reminders import (
    reminder_send_now,
    reminders_due,
    reminders_send,
    scheduled_reason,
)
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.conftest import SECRET_UNIT_NAME, World, login
from tests.factories import member
from tests.reporting.conftest import IN_WINDOW

# Q1 2026 of the world's plan: unit deadline 15/03/2026, remind 5 days before.
BEFORE = date(2026, 3, 10)
DEADLINE = date(2026, 3, 15)
DAY_AFTER = date(2026, 3, 16)


@pytest.fixture
def scope_a(world: World) -> Iterator[None]:
    """Commune A's tenant scope, as the per-commune task and the command enter it."""
    with tenant_scope([world.commune_a.pk]):
        yield


def _submit(world: World, report: UnitReport) -> UnitReport:
    adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS").pk
    news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES").pk
    data = ReportInput(
        values={adults: ValueInput(numerator=Decimal(450), denominator=Decimal(900)),
                news: ValueInput(value=Decimal(75))},
        progress={world.task_a.pk: ProgressInput(status="in_progress")},
    )
    services.unit_report_save(report=report, actor=world.reporter_a, version=report.version,
                              data=data, today=IN_WINDOW)
    report.refresh_from_db()
    return services.unit_report_submit(report=report, actor=world.reporter_a, version=report.version,
                                       today=IN_WINDOW)


# --- Who is due, and why -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "reason"),
    [
        (date(2026, 3, 9), None),
        (BEFORE, ReminderReason.BEFORE_DEADLINE),  # deadline - remind_days_before
        (date(2026, 3, 11), None),
        (date(2026, 3, 14), None),
        (DEADLINE, ReminderReason.ON_DEADLINE),  # the last day to submit
        (DAY_AFTER, ReminderReason.OVERDUE),  # the day after, once
        (date(2026, 3, 17), None),
        (date(2026, 3, 25), None),
    ],
)
def test_due_reminders_fall_on_their_days(world: World, scope_a: None, today: date,
                                          reason: str | None) -> None:
    due = reminders_due(today=today)
    if reason is None:
        assert due == []
        return
    assert [(d.period.pk, d.unit.pk, d.reason) for d in due] == [(world.period_a.pk, world.unit_a.pk, reason)]
    assert due[0].recipients == ("reporter_a@example.vn",)
    assert due[0].event_key == ""


@pytest.mark.django_db
def test_remind_days_before_follows_the_plan(world: World, scope_a: None) -> None:
    world.plan_a.remind_days_before = 2
    world.plan_a.save()
    period = ReportingPeriod.objects.select_related("plan").get(pk=world.period_a.pk)
    assert scheduled_reason(period=period, today=date(2026, 3, 13)) == ReminderReason.BEFORE_DEADLINE
    assert scheduled_reason(period=period, today=BEFORE) is None
    world.plan_a.remind_days_before = 0  # no advance reminder; the deadline day still reminds
    world.plan_a.save()
    period.plan.refresh_from_db()
    assert scheduled_reason(period=period, today=DEADLINE) == ReminderReason.ON_DEADLINE


@pytest.mark.django_db
def test_a_unit_that_submitted_is_not_reminded(world: World, q1: ReportingPeriod,
                                               report_a: UnitReport) -> None:
    with scopes_disabled():
        _submit(world, report_a)
    with tenant_scope([world.commune_a.pk]):
        assert reminders_due(today=DEADLINE) == []
        assert reminders_due(today=DAY_AFTER) == []


@pytest.mark.django_db
def test_a_returned_report_is_reminded_again(world: World, q1: ReportingPeriod,
                                             report_a: UnitReport) -> None:
    with scopes_disabled():
        report = _submit(world, report_a)
        services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                    reason="Thiếu số liệu thôn 3")
    with tenant_scope([world.commune_a.pk]):
        due = reminders_due(today=DAY_AFTER)
        assert [(d.unit.pk, d.reason) for d in due] == [(world.unit_a.pk, ReminderReason.OVERDUE)]
        reminders_send(today=DAY_AFTER)
    assert "trả lại để sửa" in mail.outbox[0].body


@pytest.mark.django_db
def test_recipients_are_active_reporters_with_an_email(world: World, scope_a: None) -> None:
    with scopes_disabled():
        for username in ("reporter_a_2", "reporter_a_gone", "reporter_a_silent"):
            member(Role.UNIT_REPORTER, unit=world.unit_a, username=username)
        users = get_user_model().objects
        users.filter(username="reporter_a_gone").update(is_active=False)
        users.filter(username="reporter_a_silent").update(email="")
    due = reminders_due(today=DEADLINE)
    assert due[0].recipients == ("reporter_a@example.vn", "reporter_a_2@example.vn")


@pytest.mark.django_db
def test_a_unit_without_reporters_is_listed_but_not_sent(world: World, scope_a: None) -> None:
    with scopes_disabled():
        get_user_model().objects.filter(pk=world.reporter_a.pk).update(email="")
    due = reminders_due(today=DEADLINE)
    assert [(d.unit.pk, d.recipients) for d in due] == [(world.unit_a.pk, ())]
    assert reminders_send(today=DEADLINE) == []
    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_reminders_stay_inside_the_scope(world: World) -> None:
    with tenant_scope([world.commune_b.pk, world.commune_c.pk]):
        assert reminders_due(today=DEADLINE) == []


@pytest.mark.django_db
def test_adhoc_periods_are_reminded_on_their_own_deadline(world: World, scope_a: None) -> None:
    period = periods.adhoc_period_create(plan=world.plan_a, actor=world.admin_a, title="Báo cáo đột xuất tháng 5",
                                          year=2026, opens_on=date(2026, 5, 1), deadline=date(2026, 5, 20))
    due = reminders_due(today=date(2026, 5, 20))
    assert [(d.period.pk, d.reason) for d in due] == [(period.pk, ReminderReason.ON_DEADLINE)]


# --- Sent once ----------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(PORTAL_BASE_URL="https://bdhvs.example.vn/")
def test_reminder_email_is_vietnamese_text_and_html_with_a_link(world: World, scope_a: None) -> None:
    sent = reminders_send(today=BEFORE)
    assert len(sent) == 1
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.subject == "[Bình dân học vụ số] Nhắc nộp báo cáo Quý I năm 2026 — hạn 15/03/2026"
    assert message.to == ["reporter_a@example.vn"]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and isinstance(html, str)
    try:
        path = reverse("report_detail", kwargs={"report_pk": world.report_a.pk})
    except NoReverseMatch:  # the report page is not there yet: the unit page instead
        path = reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk})
    assert f"https://bdhvs.example.vn{path}" in message.body
    assert f"https://bdhvs.example.vn{path}" in html
    assert "15/03/2026" in message.body and SECRET_UNIT_NAME in html
    assert "<p>" in html and "<p>" not in message.body


@pytest.mark.django_db
def test_each_reason_has_its_subject(world: World, scope_a: None) -> None:
    reminders_send(today=DEADLINE)
    reminders_send(today=DAY_AFTER)
    assert [m.subject for m in mail.outbox] == [
        "[Bình dân học vụ số] Hôm nay là hạn nộp báo cáo Quý I năm 2026 (15/03/2026)",
        "[Bình dân học vụ số] Quá hạn nộp báo cáo Quý I năm 2026 — hạn 15/03/2026",
    ]


@pytest.mark.django_db
def test_running_twice_sends_once(world: World, scope_a: None) -> None:
    first = reminders_send(today=DEADLINE)
    second = reminders_send(today=DEADLINE)
    assert len(first) == 1 and second == []
    assert len(mail.outbox) == 1
    reminder = Reminder.objects.get()
    assert (reminder.period_id, reminder.unit_id, reminder.reason, reminder.event_key) == (
        world.period_a.pk, world.unit_a.pk, ReminderReason.ON_DEADLINE, "")
    assert reminder.recipients == ["reporter_a@example.vn"]
    assert reminder.sent_at is not None


@pytest.mark.django_db
def test_a_row_claimed_by_another_run_is_not_sent_again(world: World, scope_a: None) -> None:
    # A concurrent run (or the first delivery of a redelivered task) already holds the row.
    Reminder.objects.create(period=world.period_a, unit=world.unit_a, reason=ReminderReason.OVERDUE)
    assert reminders_send(today=DAY_AFTER) == []
    assert mail.outbox == []
    assert Reminder.objects.count() == 1


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP server down")


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_for_the_retry(world: World, scope_a: None) -> None:
    with override_settings(EMAIL_BACKEND="tests.reporting.test_reminders.FailingBackend"), \
            pytest.raises(ConnectionRefusedError):
        reminders_send(today=DEADLINE)
    assert not Reminder.objects.exists()
    assert len(reminders_send(today=DEADLINE)) == 1  # the retry
    assert Reminder.objects.get().sent_at is not None


@pytest.mark.django_db
def test_dry_run_sends_and_records_nothing(world: World, scope_a: None) -> None:
    due = reminders_send(today=DEADLINE, dry_run=True)
    assert [(d.unit.pk, d.reason) for d in due] == [(world.unit_a.pk, ReminderReason.ON_DEADLINE)]
    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_beat_task_fans_out_per_commune_and_sends_once(world: World) -> None:
    # Eager in tests: the fan-out runs each commune's task in place, inside its scope.
    assert tasks.send_due_reminders.delay(today="2026-03-15").get() == 1  # only commune A has a plan
    tasks.send_due_reminders.delay(today="2026-03-15")
    tasks.send_commune_reminders.delay(commune_ids=[world.commune_a.pk], today="2026-03-15")
    assert len(mail.outbox) == 1
    with scopes_disabled():
        assert Reminder.objects.filter(reason=ReminderReason.ON_DEADLINE, sent_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_the_commune_task_refuses_to_run_without_a_scope(world: World) -> None:
    with pytest.raises(TypeError):
        tasks.send_commune_reminders.delay(today="2026-03-15")


@pytest.mark.django_db
def test_the_daily_run_is_scheduled_in_beat() -> None:
    task = PeriodicTask.objects.get(task="reporting.send_due_reminders")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("0", "7", "*")
    assert str(task.crontab.timezone) == "Asia/Ho_Chi_Minh"
    # What beat's DatabaseScheduler builds from the row: a 07:00 crontab in Vietnamese time.
    entry = ModelEntry(task, app=celery_app)
    assert entry.task == "reporting.send_due_reminders"
    assert (entry.schedule.hour, entry.schedule.minute) == ({7}, {0})
    assert str(entry.schedule.tz) == "Asia/Ho_Chi_Minh"


# --- Review e-mails ------------------------------------------------------------------------


@pytest.mark.django_db
def test_returned_report_emails_the_reporters_once_with_the_reason(
        world: World, q1: ReportingPeriod, report_a: UnitReport,
        django_capture_on_commit_callbacks: Any) -> None:
    with scopes_disabled():
        report = _submit(world, report_a)
    mail.outbox.clear()
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                    reason="Thiếu số liệu thôn 3, đề nghị bổ sung")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["reporter_a@example.vn"]
    assert message.subject == f"[Bình dân học vụ số] Báo cáo Quý I năm 2026 của {SECRET_UNIT_NAME} bị trả lại để sửa"
    assert "Thiếu số liệu thôn 3, đề nghị bổ sung" in message.body
    assert "Thiếu số liệu thôn 3, đề nghị bổ sung" in str(message.alternatives[0][0])
    with scopes_disabled():
        transition = ReportTransition.objects.get(report=report, to_state=ReportState.RETURNED)
    with tenant_scope([world.commune_a.pk]):
        report_transition_notify(transition_id=transition.pk)  # a redelivered task
        reminder = Reminder.objects.get(reason=ReminderReason.RETURNED)
    assert len(mail.outbox) == 1
    assert reminder.event_key == str(transition.pk) and reminder.sent_at is not None


@pytest.mark.django_db
def test_each_return_is_its_own_event(world: World, q1: ReportingPeriod, report_a: UnitReport,
                                      django_capture_on_commit_callbacks: Any) -> None:
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        report = _submit(world, report_a)
        report = services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                             reason="Lần 1")
        report = _submit(world, report)
        services.unit_report_return(report=report, actor=world.admin_a, version=report.version,
                                    reason="Lần 2")
    returned = [m for m in mail.outbox if "bị trả lại" in m.subject]
    assert [("Lần 1" in m.body, "Lần 2" in m.body) for m in returned] == [(True, False), (False, True)]
    with scopes_disabled():
        assert Reminder.objects.filter(reason=ReminderReason.RETURNED).count() == 2


@pytest.mark.django_db
def test_accepted_report_emails_the_reporters_once(world: World, q1: ReportingPeriod,
                                                   report_a: UnitReport,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    with scopes_disabled():
        report = _submit(world, report_a)
    mail.outbox.clear()
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)
    assert [m.subject for m in mail.outbox] == [
        f"[Bình dân học vụ số] Báo cáo Quý I năm 2026 của {SECRET_UNIT_NAME} đã được chấp nhận"]
    assert mail.outbox[0].to == ["reporter_a@example.vn"]
    with scopes_disabled():
        transition = ReportTransition.objects.get(report=report, to_state=ReportState.ACCEPTED)
    tasks.on_report_transition.delay(transition_id=transition.pk, commune_ids=[world.commune_a.pk])
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_submitted_report_emails_the_commune_admins_once(world: World, q1: ReportingPeriod,
                                                          report_a: UnitReport,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        report = _submit(world, report_a)
    (message,) = mail.outbox
    assert message.to == ["admin_a@example.vn"]  # not the viewer, not commune B's admin
    assert message.subject == f"[Bình dân học vụ số] {SECRET_UNIT_NAME} đã gửi báo cáo Quý I năm 2026"
    with scopes_disabled():
        transition = ReportTransition.objects.get(report=report, to_state=ReportState.SUBMITTED)
    tasks.on_report_transition.delay(transition_id=transition.pk, commune_ids=[world.commune_a.pk])
    assert len(mail.outbox) == 1
    with scopes_disabled():
        assert AuditEntry.objects.filter(action=SUBMITTED_MARKER, target_id=transition.pk).count() == 1


@pytest.mark.django_db
def test_a_transition_of_another_commune_is_not_seen(world: World, q1: ReportingPeriod,
                                                     report_a: UnitReport) -> None:
    with scopes_disabled():
        report = _submit(world, report_a)
        transition = ReportTransition.objects.get(report=report, to_state=ReportState.SUBMITTED)
    mail.outbox.clear()
    tasks.on_report_transition.delay(transition_id=transition.pk, commune_ids=[world.commune_b.pk])
    assert mail.outbox == []


# --- The one-click reminder ----------------------------------------------------------------


def _remind_url(world: World) -> str:
    return reverse("period_remind", kwargs={"period_pk": world.period_a.pk})


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _expected_manual_reason() -> str:
    # The world's Q1 2026 deadline is 15/03/2026: overdue once the portal's today is past it.
    return ReminderReason.OVERDUE if timezone.localdate() > DEADLINE else ReminderReason.BEFORE_DEADLINE


@pytest.mark.django_db
def test_admin_reminds_one_unit_and_comes_back(world: World) -> None:
    commune_page = reverse("commune_detail", kwargs={"commune_code": world.commune_a.code})
    response = login(world.admin_a).post(_remind_url(world), {"unit": world.unit_a.pk, "next": commune_page})
    assert response.status_code == 302
    assert response["Location"] == commune_page
    assert _messages(response) == [f"Đã gửi nhắc nhở tới 1 đơn vị: {SECRET_UNIT_NAME}."]
    assert [m.to for m in mail.outbox] == [["reporter_a@example.vn"]]
    with scopes_disabled():
        reminder = Reminder.objects.get()
        assert reminder.reason == _expected_manual_reason()
        assert reminder.event_key == timezone.localdate().isoformat()
        entry = AuditEntry.objects.get(action="reminder.send")
        assert entry.actor == world.admin_a and entry.target_id == reminder.pk


@pytest.mark.django_db
def test_one_manual_reminder_per_unit_per_day(world: World) -> None:
    client = login(world.admin_a)
    client.post(_remind_url(world), {"unit": world.unit_a.pk})
    response = client.post(_remind_url(world), {"unit": world.unit_a.pk})
    # The first click's message was never displayed, so it is still queued before this one.
    assert _messages(response)[-1] == f"Đơn vị {SECRET_UNIT_NAME} đã được nhắc hôm nay; không gửi lại."
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_admin_reminds_every_outstanding_unit(world: World) -> None:
    response = login(world.admin_a).post(_remind_url(world), {"next": "https://evil.example.com/"})
    # An outside ``next`` is ignored: back to the commune page.
    assert response["Location"] == reverse("commune_detail", kwargs={"commune_code": world.commune_a.code})
    assert _messages(response) == ["Đã gửi nhắc nhở tới 1 đơn vị."]
    assert len(mail.outbox) == 1  # unit_a only: unit_a2 owes no report this period


@pytest.mark.django_db
def test_remind_refuses_a_unit_that_submitted(world: World, q1: ReportingPeriod,
                                              report_a: UnitReport) -> None:
    with scopes_disabled():
        _submit(world, report_a)
    mail.outbox.clear()
    response = login(world.admin_a).post(_remind_url(world), {"unit": world.unit_a.pk})
    assert response.status_code == 302
    assert _messages(response) == [f"Đơn vị {SECRET_UNIT_NAME} đã nộp báo cáo kỳ này."]
    assert mail.outbox == []
    with scopes_disabled():
        assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_remind_answers_bad_input_without_a_500(world: World) -> None:
    client = login(world.admin_a)
    assert client.get(_remind_url(world)).status_code == 405
    response = client.post(_remind_url(world), {"unit": "abc"})
    assert response.status_code == 302 and _messages(response) == ["Đơn vị không hợp lệ."]
    assert client.post(_remind_url(world), {"unit": world.unit_b.pk}).status_code == 404  # another commune's
    assert mail.outbox == []


@pytest.mark.django_db
def test_remind_is_for_the_commune_admin_only(world: World) -> None:
    for user in (world.viewer_a, world.reporter_a, world.reviewer_p):
        assert login(user).post(_remind_url(world), {"unit": world.unit_a.pk}).status_code == 404
    assert mail.outbox == []


@pytest.mark.django_db
def test_reminder_send_now_refuses_a_period_not_yet_open(world: World, scope_a: None) -> None:
    with pytest.raises(ValidationError, match="chưa mở nhập liệu"):
        reminder_send_now(period=world.period_a, unit=world.unit_a, actor=world.admin_a,
                          today=date(2026, 1, 5))


# --- The command ---------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_dry_run_lists_who_and_why_and_sends_nothing(world: World) -> None:
    output = _command("--dry-run", "--date", "2026-03-15")
    lines = output.splitlines()
    assert lines[0].split(" | ") == [
        "xa-a", world.commune_a.official_name, SECRET_UNIT_NAME, "Quý I năm 2026", "Đến hạn hôm nay",
        "reporter_a@example.vn", "thử, không gửi"]
    assert lines[-1] == "Ngày 15/03/2026: 1 nhắc nhở đến hạn (chạy thử: không gửi, không ghi nhận)."
    assert mail.outbox == []
    with scopes_disabled():
        assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_command_sends_once(world: World) -> None:
    first = _command("--date", "2026-03-16")
    assert "| Quá hạn | reporter_a@example.vn | đã gửi" in first
    assert first.splitlines()[-1] == "Ngày 16/03/2026: 1 nhắc nhở đến hạn, đã gửi 1."
    second = _command("--date", "2026-03-16")
    assert "đã gửi trước đó, bỏ qua" in second
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_command_for_one_commune(world: World) -> None:
    output = _command("--dry-run", "--date", "2026-03-15", "--commune", "xa-b")
    assert output.splitlines() == ["Ngày 15/03/2026: 0 nhắc nhở đến hạn (chạy thử: không gửi, không ghi nhận)."]
    with pytest.raises(CommandError, match="Không có xã/phường mã khong-co"):
        _command("--commune", "khong-co")
