"""``manage.py rollup``: recompute a quarter's rollups synchronously (``rollup_run``, the code the
Celery tasks run) for the nation, a province or a commune, and print them. Layer: management,
over ``reporting.rollups.compute``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.models import Commune, Province
from portal.scoping import scopes_disabled, tenant_scope
from reporting.models import CommuneRollup, ProvinceRollup
from reporting.rollups.compute import rollup_run


class Command(BaseCommand):
    help = "Recompute rollups synchronously (the same code the Celery tasks run) and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        parser.add_argument("--province", help="province code")
        parser.add_argument("--commune", help="commune code")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--quiet", action="store_true", help="print the totals only")

    def handle(self, *args: Any, **options: Any) -> None:
        year, quarter = options["year"], options["quarter"]
        # Choosing which communes to run is what defines the scope; the work runs inside it.
        with scopes_disabled():
            communes = Commune.objects.all()
            if options["province"]:
                if not Province.objects.filter(code=options["province"]).exists():
                    raise CommandError(f"Không có tỉnh mã {options['province']}.")
                communes = communes.filter(province__code=options["province"])
            if options["commune"]:
                communes = communes.filter(code=options["commune"])
                if not communes.exists():
                    raise CommandError(f"Không có xã/phường mã {options['commune']}.")
            commune_ids = list(communes.order_by("pk").values_list("pk", flat=True))
        started = time.perf_counter()
        with tenant_scope(commune_ids):
            summary = rollup_run(year=year, quarter=quarter, commune_ids=commune_ids,
                                 batch_size=options["batch_size"])
            elapsed = time.perf_counter() - started
            if not options["quiet"]:
                self._print(commune_ids, year, quarter)
        self.stdout.write(
            f"{summary['plans']} kế hoạch, {summary['commune_rows']} dòng xã/phường, "
            f"{summary['provinces']} tỉnh, {summary['province_rows']} dòng tỉnh — {elapsed:.2f} giây")

    def _print(self, commune_ids: list[int], year: int, quarter: int) -> None:
        rows = (CommuneRollup.objects.filter(commune_id__in=commune_ids, year=year, quarter=quarter)
                .select_related("commune", "indicator").order_by("commune__code", "indicator__order"))
        for r in rows:
            self.stdout.write(
                f"{r.commune.code}\t{r.indicator.code}\tquý={_fmt(r.value)}\tlũy kế={_fmt(r.ytd_value)}"
                f"\tchỉ tiêu={_fmt(r.target)}\tđạt={_fmt(r.achievement)}%\t{r.status}"
                f"\t{r.units_reported}/{r.units_expected} đơn vị")
        province_ids = set(Commune.objects.filter(pk__in=commune_ids).values_list("province_id", flat=True))
        for p in (ProvinceRollup.objects.filter(province_id__in=province_ids, year=year, quarter=quarter)
                  .select_related("province", "indicator").order_by("province__code", "indicator__order")):
            self.stdout.write(
                f"[tỉnh {p.province.code}]\t{p.indicator.code}\tquý={_fmt(p.value)}\tlũy kế={_fmt(p.ytd_value)}"
                f"\t{p.communes_reported}/{p.communes_expected} xã\t{p.communes_at_risk} xã chậm")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"
