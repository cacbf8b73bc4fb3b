"""Send (or, with --dry-run, list) the deadline reminders due on a day, commune by commune."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Commune
from portal.formats import vn_date
from portal.scoping import scopes_disabled, tenant_scope
from reporting.deadlines import local_today
from reporting.services.reminders import DueReminder, reminder_deliver, reminders_due


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            _("Ngày không hợp lệ: %(v)s (định dạng YYYY-MM-DD).") % {"v": value}) from exc


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # Translated when argparse asks (a lazy string breaks argparse's text wrapping).
        return _("Gửi e-mail nhắc nộp báo cáo đến hạn trong ngày (--dry-run: chỉ liệt kê, "
                 "không gửi, không ghi nhận).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help=_("Chỉ liệt kê ai sẽ được nhắc và vì sao; không gửi, không ghi nhận."))
        parser.add_argument("--date", type=_day, default=None,
                            help=_("Ngày nhắc (YYYY-MM-DD), mặc định hôm nay theo giờ Việt Nam."))
        parser.add_argument("--commune", default=None, help=_("Chỉ một xã/phường (mã)."))

    def handle(self, *args: Any, **options: Any) -> None:
        today: date = options["date"] or local_today()
        dry_run: bool = options["dry_run"]
        # Unscoped only to list the communes; each commune's work runs inside its own scope.
        with scopes_disabled():
            communes = Commune.objects.order_by("code")
            if options["commune"]:
                communes = communes.filter(code=options["commune"])
            commune_ids = list(communes.values_list("pk", flat=True))
        if options["commune"] and not commune_ids:
            raise CommandError(_("Không có xã/phường mã %(code)s.") % {"code": options["commune"]})

        total = sent = 0
        for commune_id in commune_ids:
            with tenant_scope([commune_id]):
                for item in reminders_due(today=today):
                    total += 1
                    if dry_run:
                        status = _("thử, không gửi")
                    elif not item.recipients:
                        status = _("bỏ qua: không có người nhận")
                    elif reminder_deliver(item=item):
                        sent += 1
                        status = _("đã gửi")
                    else:
                        status = _("đã gửi trước đó, bỏ qua")
                    self.stdout.write(self._line(item, status))
        if dry_run:
            summary = _("Ngày %(d)s: %(n)s nhắc nhở đến hạn (chạy thử: không gửi, không ghi nhận).")
        else:
            summary = _("Ngày %(d)s: %(n)s nhắc nhở đến hạn, đã gửi %(s)s.")
        self.stdout.write(summary % {"d": vn_date(today), "n": total, "s": sent})

    @staticmethod
    def _line(item: DueReminder, status: str) -> str:
        recipients = ", ".join(item.recipients) or _("(không có báo cáo viên có e-mail)")
        return " | ".join([item.commune.code, item.commune.official_name, item.unit.name,
                           item.period.title, item.reason_label, recipients, status])
