from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.synthetic.bulk import synthetic_data_delete
from reporting.synthetic.generate import synthetic_data_generate
from reporting.synthetic.spec import MAX_INDICATORS, SyntheticError, SyntheticSpec

SIZES = ("provinces", "communes", "units", "indicators", "quarters")


class Command(BaseCommand):
    help = (
        "Generate synthetic provinces, communes, units, plans, targets and ACCEPTED quarterly unit "
        "reports with plausible figures, in bulk, for benchmarks and load tests. Rerunning with the "
        "same --prefix first deletes that prefix's synthetic data (communes '<prefix>-NNN-NNNN', "
        "provinces '<prefix>NNN'); other communes, the demo ones included, are never touched. "
        "Bulk data, not users' work: no review transitions, no audit entries, no e-mail. "
        f"Indicators: the standard library first (percentages and counts in turn), then national "
        f"'SYN_NN' count indicators created once, up to {MAX_INDICATORS}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provinces", type=int)
        parser.add_argument("--communes", type=int, help="communes per province")
        parser.add_argument("--units", type=int, help="units per commune")
        parser.add_argument("--indicators", type=int, help="targets per plan and year")
        parser.add_argument("--quarters", type=int, help="quarters reported, from Q1 of --year on (up to 8)")
        parser.add_argument("--year", type=int, default=2026)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--prefix", default="syn", help="code prefix of the synthetic communes")
        parser.add_argument("--delete", action="store_true",
                            help="only delete the prefix's synthetic data")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["delete"]:
            try:
                deleted = synthetic_data_delete(prefix=options["prefix"])
            except SyntheticError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Đã xóa {deleted} xã/phường tổng hợp ({time.perf_counter() - started:.1f} giây).")
            return
        missing = [f"--{name}" for name in SIZES if options[name] is None]
        if missing:
            raise CommandError(f"Thiếu tham số: {', '.join(missing)}.")
        spec = SyntheticSpec(provinces=options["provinces"], communes=options["communes"],
                             units=options["units"], indicators=options["indicators"],
                             quarters=options["quarters"], year=options["year"], seed=options["seed"],
                             prefix=options["prefix"])
        try:
            summary = synthetic_data_generate(
                spec=spec, progress=None if options["verbosity"] < 1 else self.stdout.write)
        except SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"{summary.provinces} tỉnh, {summary.communes} xã/phường, {summary.units} đơn vị, "
            f"{summary.targets} chỉ tiêu, {summary.reports} báo cáo, {summary.values} số liệu "
            f"— {elapsed:.1f} giây ({summary.values / elapsed:,.0f} số liệu/giây)."))
