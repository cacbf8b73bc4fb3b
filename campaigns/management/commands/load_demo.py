from typing import Any

from django.core.management.base import BaseCommand

from campaigns.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo provinces, communes, units, plans and users (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        demo_load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
