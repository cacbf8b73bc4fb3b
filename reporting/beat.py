"""Beat schedules as data (django-celery-beat's DatabaseScheduler), written by migrations.

An operator may change the hour or disable an entry in the Django admin without a deploy.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def periodic_task_ensure(apps: Any, *, name: str, task: str, hour: str, minute: str,
                         description: str) -> None:
    """Create or update a daily crontab entry in Asia/Ho_Chi_Minh (idempotent)."""
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = crontab_model.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    task_model.objects.update_or_create(
        name=name,
        defaults={"task": task, "crontab": crontab, "interval": None, "solar": None, "clocked": None,
                  "args": "[]", "kwargs": "{}", "enabled": True, "one_off": False,
                  "description": description},
    )
    _touch(apps)


def periodic_task_remove(apps: Any, *, name: str, task: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name, task=task).delete()
    _touch(apps)


def _touch(apps: Any) -> None:
    # Historical models send no signals: tell a running DatabaseScheduler to reload.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()})
