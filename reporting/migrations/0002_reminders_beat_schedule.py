"""The daily reminder run in django-celery-beat: every day at 07:00, Asia/Ho_Chi_Minh.

Beat runs with the DatabaseScheduler (settings.CELERY_BEAT_SCHEDULER), so the schedule is data:
an operator may change the hour or disable it in the Django admin without a deploy.
"""

from django.db import migrations

from reporting.beat import periodic_task_ensure, periodic_task_remove

TASK = "reporting.send_due_reminders"
NAME = "Nhắc nộp báo cáo hằng ngày (reporting.send_due_reminders)"


def create_schedule(apps, schema_editor):
    periodic_task_ensure(
        apps, name=NAME, task=TASK, hour="7", minute="0",
        description="Gửi e-mail nhắc các đơn vị chưa nộp báo cáo: trước hạn, đúng hạn và "
                    "một lần sau hạn (07:00 giờ Việt Nam).",
    )


def delete_schedule(apps, schema_editor):
    periodic_task_remove(apps, name=NAME, task=TASK)


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0016_alter_crontabschedule_timezone"),
    ]

    operations = [
        migrations.RunPython(create_schedule, delete_schedule),
    ]
