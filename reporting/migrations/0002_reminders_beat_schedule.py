"""The daily reminder run in django-celery-beat: every day at 07:00, Asia/Ho_Chi_Minh.

Beat runs with the DatabaseScheduler (settings.CELERY_BEAT_SCHEDULER), so the schedule is data:
an operator may change the hour or disable it in the Django admin without a deploy.
"""

from django.db import migrations
from django.utils import timezone

TASK = "reporting.send_due_reminders"
NAME = "Nhắc nộp báo cáo hằng ngày (reporting.send_due_reminders)"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "solar": None,
            "clocked": None,
            "args": "[]",
            "kwargs": "{}",
            "enabled": True,
            "one_off": False,
            "description": "Gửi e-mail nhắc các đơn vị chưa nộp báo cáo: trước hạn, đúng hạn và "
                           "một lần sau hạn (07:00 giờ Việt Nam).",
        },
    )
    # Historical models send no signals: tell a running DatabaseScheduler to reload.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0016_alter_crontabschedule_timezone"),
    ]

    operations = [
        migrations.RunPython(create_schedule, delete_schedule),
    ]
