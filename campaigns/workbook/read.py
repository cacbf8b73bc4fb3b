"""Reading a plan workbook back: PlanData out of an .xlsx, and its import. Layer: workbook
(above campaigns/services/plan_import.py, which validates and saves).

The workbook is a third spelling of PlanData (after the database and the JSON seeds): the
reader turns it into PlanData and the import goes through ``plan_import`` like every other
import, so the same rules refuse a bad workbook, a bad JSON file and a bad form. Error messages
are translated (gettext) like every other user-facing string; each names its sheet and cell.

Safety, in the order the reader applies it (nothing is parsed before the cheap checks pass):
size of the upload, zip structure (member count, total uncompressed size, compression ratio of
each member) — portal.xlsx —, rows per sheet (campaigns/workbook/tables.py), then cell by
cell: formulas and error values are refused, every string is NFC-normalised and stripped.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from campaigns.models import Commune, Plan
from campaigns.plan_data import PlanData, PlanImportError, Problem
from campaigns.services.plan_import import plan_data_validate, plan_import
from campaigns.workbook.parse import PlanParser
from campaigns.workbook.tables import Collector, load_tables, locate, sorted_problems
from portal.xlsx import Place, WorkbookSource, XlsxRefused, xlsx_bytes


def _read(file: WorkbookSource, *, commune: Commune | None,
          create_units: bool) -> tuple[PlanData, dict[str, Place]]:
    """Parse (and, given a commune, validate): every problem found, or the data and its places."""
    collector = Collector()
    try:
        raw = xlsx_bytes(file)
    except XlsxRefused as exc:
        collector.add(None, exc.message, structural=True)
        raise collector.error() from exc
    tables = load_tables(raw, collector)
    if collector.structural:
        raise collector.error()
    data = PlanParser(tables, collector).plan()
    if commune is not None:
        data.commune = commune.code
    header_ok = not ({"start_year", "end_year"} & collector.bad_paths)
    if commune is not None and header_ok:
        try:
            plan_data_validate(data, commune=commune, create_units=create_units)
        except PlanImportError as exc:
            fresh = [p for p in exc.problems if p.path not in collector.bad_paths]
            collector.problems += locate(fresh, collector.places)
    if collector.problems:
        raise collector.error()
    return data, collector.places


def plan_workbook_read(file: WorkbookSource, *, commune: Commune | None = None,
                       create_units: bool = False) -> PlanData:
    """Read a plan workbook into PlanData, or raise PlanImportError naming sheet and cell.

    Without ``commune`` only the workbook itself is checked (structure, cells, numbers); with
    it the data is also validated against the commune (units, indicators, years), and the
    problems of both kinds are reported together.
    """
    data, _places = _read(file, commune=commune, create_units=create_units)
    return data


def _issued_refusal() -> PlanImportError:
    return PlanImportError([Problem("", _("Kế hoạch đã ban hành nên không thể thay nội dung bằng tệp Excel; "
                                          "mọi thay đổi phải qua sửa đổi có ghi lý do."))])


def plan_workbook_import(*, file: WorkbookSource, commune: Commune, actor: Any,
                         create_units: bool = False, into: Plan | None = None) -> Plan:
    """Read, validate and import a workbook: a new plan, or the content of draft ``into``.

    All or nothing: any problem raises PlanImportError (each problem with its place) and
    nothing is saved.
    """
    if into is not None:
        if into.commune_id != commune.pk:
            raise ValueError("plan_workbook_import: the plan belongs to another commune")
        if into.is_issued:
            raise _issued_refusal()
    data, places = _read(file, commune=commune, create_units=create_units)
    try:
        # plan_import locks ``into`` and refuses it if it was issued in the meantime.
        return plan_import(data=data, commune=commune, actor=actor, create_units=create_units, into=into)
    except PlanImportError as exc:
        raise PlanImportError(sorted_problems(locate(exc.problems, places))) from exc
