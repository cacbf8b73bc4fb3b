"""Import a plan workbook into a commune:
``manage.py import_plan ke-hoach.xlsx --commune ba-ngoi [--create-units] [--into PLAN_ID]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Commune, Plan
from campaigns.plan_data import PlanImportError
from campaigns.workbook.read import plan_workbook_import
from portal.scoping import scopes_disabled, tenant_scope


class Command(BaseCommand):
    help = "Import a plan from an Excel workbook (all or nothing; docs/plan-workbook.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the .xlsx file")
        parser.add_argument("--commune", required=True, help="code of the commune, e.g. ba-ngoi")
        parser.add_argument("--create-units", action="store_true",
                            help="create the units the commune does not have yet")
        parser.add_argument("--into", type=int, help="ID of a draft plan whose content the workbook replaces")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Không có tệp %(file)s.") % {"file": path})
        with scopes_disabled():  # the one unscoped lookup: which commune to enter
            commune = Commune.objects.filter(code=options["commune"]).first()
        if commune is None:
            raise CommandError(_("Không có xã/phường mã “%(code)s”.") % {"code": options["commune"]})
        with tenant_scope([commune.pk]):
            into = None
            if options["into"] is not None:
                into = Plan.objects.filter(pk=options["into"], commune=commune).first()
                if into is None:
                    raise CommandError(_("%(commune)s không có kế hoạch #%(pk)s.")
                                       % {"commune": commune.official_name, "pk": options["into"]})
            try:
                with path.open("rb") as handle:
                    plan = plan_workbook_import(file=handle, commune=commune, actor=None,
                                                create_units=options["create_units"], into=into)
            except PlanImportError as exc:
                for problem in exc.problems:
                    self.stderr.write(str(problem))
                raise CommandError(_("Không nhập được tệp %(file)s: %(count)s lỗi, chưa lưu gì.")
                                   % {"file": path, "count": len(exc.problems)}) from exc
            self.stdout.write(self.style.SUCCESS(
                _("Đã nhập kế hoạch #%(pk)s vào %(commune)s: %(tasks)s nhiệm vụ, %(targets)s chỉ tiêu.")
                % {"pk": plan.pk, "commune": commune.official_name, "tasks": plan.tasks.count(),
                   "targets": plan.targets.count()}))
