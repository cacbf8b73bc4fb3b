"""The nightly rollup run in django-celery-beat: every day at 01:30, Asia/Ho_Chi_Minh."""

from django.db import migrations

from reporting.beat import periodic_task_ensure, periodic_task_remove

TASK = "reporting.nightly_rollups"
NAME = "Tổng hợp số liệu hằng đêm (reporting.nightly_rollups)"


def create_schedule(apps, schema_editor):
    periodic_task_ensure(
        apps, name=NAME, task=TASK, hour="1", minute="30",
        description="Tính lại số liệu tổng hợp của xã/phường và tỉnh cho quý hiện tại (01:30 giờ Việt Nam).",
    )


def delete_schedule(apps, schema_editor):
    periodic_task_remove(apps, name=NAME, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_rollups"),
        ("django_celery_beat", "0016_alter_crontabschedule_timezone"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
