"""Render an official PDF synchronously, through the same registry the task and views use.

    python manage.py render_pdf --plan 3 --output ke-hoach.pdf
    python manage.py render_pdf --commune-report 7            # stores it, prints the path
    python manage.py render_pdf --province 56 --year 2026 --quarter 1 --output tinh.pdf

Each source option belongs to one document kind; it works as soon as a module of
reporting.documents registers that kind (the spec's ``resolve_cli`` turns the options into
the source's id, the default reads the integer given to the option).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.scoping import scopes_disabled, tenant_scope
from reporting.documents.registry import spec_for
from reporting.documents.storage import DocumentRefused, document_render, document_render_and_store
from reporting.models import DocumentKind


@dataclass(frozen=True)
class SourceOption:
    flag: str
    dest: str
    kind: str
    metavar: str
    help: str
    type: Any = int


SOURCE_OPTIONS = (
    SourceOption("--plan", "plan", DocumentKind.PLAN, "ID", "the plan (KẾ HOẠCH) with this id"),
    SourceOption("--unit-report", "unit_report", DocumentKind.UNIT_REPORT, "ID",
                 "a unit's quarterly report"),
    SourceOption("--commune-report", "commune_report", DocumentKind.COMMUNE_REPORT, "ID",
                 "a commune's consolidated report"),
    SourceOption("--province", "province", DocumentKind.PROVINCE_SUMMARY, "CODE",
                 "a province's summary (with --year and --quarter)", str),
)


class Command(BaseCommand):
    help = "Render an official-format PDF (the same pipeline as the pdf queue's task)."

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_mutually_exclusive_group(required=True)
        for option in SOURCE_OPTIONS:
            sources.add_argument(option.flag, dest=option.dest, metavar=option.metavar,
                                 type=option.type, help=option.help)
        parser.add_argument("--year", type=int, help="with --province")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], help="with --province")
        parser.add_argument("--output", type=Path,
                            help="write the PDF here; without it the document is stored "
                                 "(replacing the previous non-frozen one)")

    def handle(self, *args: Any, **options: Any) -> None:
        option = next(o for o in SOURCE_OPTIONS if options.get(o.dest) is not None)
        try:
            spec = spec_for(option.kind)
        except KeyError:
            raise CommandError(f"{option.flag}: văn bản loại “{option.kind}” chưa được hỗ trợ "
                               f"(chưa có mô-đun nào trong reporting.documents đăng ký).") from None
        # Finding the source and its commune(s) is what defines the scope; the rendering
        # runs inside it, like the Celery task.
        with scopes_disabled():
            object_id = (spec.resolve_cli(options) if spec.resolve_cli
                         else int(options[option.dest]))
            source = spec.load(object_id)
            if source is None:
                raise CommandError(f"{option.flag}: không tìm thấy {options[option.dest]}.")
            commune_ids = spec.commune_ids_of(source)
        with tenant_scope(commune_ids):
            source = spec.load(object_id)
            output: Path | None = options["output"]
            if output is not None:
                rendered = document_render(kind=option.kind, source=source)
                output.write_bytes(rendered.content)
                self.stdout.write(f"{output}: {rendered.pages} trang, {len(rendered.content)} byte "
                                  f"(phiên bản dữ liệu {rendered.data_version})")
                return
            try:
                document = document_render_and_store(kind=option.kind, source=source)
            except DocumentRefused as refused:
                raise CommandError(" ".join(refused.missing)) from None
            self.stdout.write(f"{document.file.name}: {document.pages} trang, {document.size} byte"
                              f"{' (đã khóa, giữ nguyên)' if document.is_frozen else ''}")
