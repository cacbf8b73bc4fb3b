from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from campaigns.demo import DEMO_COMMUNES, demo_load
from campaigns.models import Commune
from portal.scoping import scopes_disabled
from reporting.demo import demo_reports_load


class Command(BaseCommand):
    help = ("Load the demo provinces, communes, units, plans and users, and this year's reported "
            "quarters (idempotent).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-reports", action="store_true",
                            help="Only the organisation, plans and users: no reporting history")

    def handle(self, *args: Any, **options: Any) -> None:
        demo_load(stdout=self.stdout)
        if not options["no_reports"]:
            users = get_user_model().objects.in_bulk([f"admin.{c.short}" for c in DEMO_COMMUNES], field_name="username")
            with scopes_disabled():
                ids = dict(Commune.objects.filter(code__in=[c.code for c in DEMO_COMMUNES]).values_list("code", "pk"))
            admins = {ids[c.code]: users[f"admin.{c.short}"] for c in DEMO_COMMUNES}
            made = demo_reports_load(admins=admins, say=self.stdout.write)
            self.stdout.write(f"{made} báo cáo đơn vị trong các quý đã qua hạn của năm nay.")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
