"""Write a plan's workbook: ``manage.py export_plan --plan ID --output ke-hoach.xlsx``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Plan
from campaigns.workbook.write import plan_workbook_export
from portal.scoping import scopes_disabled, tenant_scope


class Command(BaseCommand):
    help = "Export a plan as an Excel workbook (docs/plan-workbook.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", type=int, required=True, help="ID of the plan")
        parser.add_argument("--output", required=True, help="path of the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        # Outside a request there is no scope: find the plan's commune unscoped, then work
        # inside that one commune's scope only.
        with scopes_disabled():
            plan = Plan.objects.select_related("commune").filter(pk=options["plan"]).first()
        if plan is None:
            raise CommandError(_("Không có kế hoạch #%(pk)s.") % {"pk": options["plan"]})
        with tenant_scope([plan.commune_id]):
            content = plan_workbook_export(plan=plan)
        output = Path(options["output"])
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(_("Không ghi được tệp %(file)s: %(error)s") % {"file": output, "error": exc}) from exc
        self.stdout.write(self.style.SUCCESS(_("Đã xuất kế hoạch #%(pk)s (%(commune)s) ra %(file)s.")
                                             % {"pk": plan.pk, "commune": plan.commune.official_name,
                                                "file": output}))
