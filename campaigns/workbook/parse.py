"""Reading the plan workbook, second half: the tables of cells turned into PlanData.
Layer: workbook.

Each cell reader records the place of the PlanData path it fills, so a problem found later
(by the validation, against a path) can still be shown at its sheet and cell; each reports
its own problems (a number that is not one, a choice not in its list) and marks the path
failed, so the validation does not report it twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from campaigns.models import IssuerKind, SectionKind, TasksLayout, UnitKind
from campaigns.plan_data import (
    DeliverableData,
    PlanData,
    SectionData,
    SignerData,
    TargetData,
    TaskData,
    UnitData,
)
from campaigns.rules import ROMAN
from campaigns.workbook.layout import (
    CHOICE_CLASSES,
    GENERAL_FIELDS,
    LABEL_LEGAL_BASIS,
    LABEL_RECIPIENT,
    SHEET_GENERAL,
    SHEET_SECTIONS,
    SHEET_TARGETS,
    SHEET_TASKS,
    SHEET_UNITS,
)
from campaigns.workbook.tables import Collector, Table
from portal.text import nfc
from portal.xlsx import (
    Cell,
    CellError,
    Place,
    Reported,
    cell_int,
    cell_number,
    choice_labels,
    fold,
    raw_text,
)

T = TypeVar("T")


class PlanParser:
    """Turns the tables into PlanData, recording the place of every path it fills."""

    def __init__(self, tables: dict[str, Table], collector: Collector) -> None:
        self.tables = tables
        self.c = collector
        self.choices = {kind: _choice_map(choices) for kind, choices in CHOICE_CLASSES.items()}

    # Cell readers: each records the place of ``path`` and reports its own problems.

    def text(self, cell: Cell | None, path: str) -> str:
        if cell is None:
            return ""
        self._seen(cell, path)
        return nfc(raw_text(cell.value))

    def body(self, cell: Cell | None, path: str) -> str:
        """Paragraphs: each line NFC and stripped, blank lines dropped (as plan_data_from_dict does)."""
        if cell is None:
            return ""
        self._seen(cell, path)
        return "\n".join(line for line in (nfc(x) for x in raw_text(cell.value).split("\n")) if line)

    def lines(self, cell: Cell | None, path: str) -> list[str]:
        """One entry per non-blank line of the cell; each entry's place names its line."""
        if cell is None:
            return []
        self._seen(cell, path)
        raw = [nfc(x) for x in raw_text(cell.value).split("\n")]
        several = len([x for x in raw if x]) > 1
        entries: list[str] = []
        for line_number, entry in enumerate(raw, 1):
            if not entry:
                continue
            place = replace(cell.place, line=line_number) if several else cell.place
            entry_path = f"{path}.{len(entries)}"
            self.c.places[entry_path] = place
            entries.append(entry)
        return entries

    def number(self, cell: Cell | None, path: str, *, required: bool = False) -> Decimal | None:
        return self._read(cell, path, cell_number, required=required)

    def integer(self, cell: Cell | None, path: str, *, required: bool = False) -> int | None:
        return self._read(cell, path, cell_int, required=required)

    def _read(self, cell: Cell | None, path: str, reader: Callable[[Cell], T | None], *,
              required: bool) -> T | None:
        """One cell through ``reader`` (a number, a whole number): its problem is recorded at
        its place, and an empty required cell is one."""
        if cell is None:
            return None
        self.c.places[path] = cell.place
        try:
            value = reader(cell)
        except CellError as exc:
            self.c.add(cell.place, str(exc), path=path)
            return None
        if value is None and required:
            self._required(cell, path)
        return value

    def choice(self, cell: Cell | None, path: str, kind: str, *, default: str | None) -> str | None:
        if cell is None:
            return default
        self._seen(cell, path)
        text = nfc(raw_text(cell.value))
        if not text:
            return default
        code = self.choices[kind].get(fold(text))
        if code is None:
            options = "; ".join(label for _code, label in choice_labels(CHOICE_CLASSES[kind]))
            self.c.add(cell.place, _("“%(value)s” không có trong danh sách (%(options)s).")
                       % {"value": text, "options": options}, path=path)
            return text
        return code

    def flag(self, cell: Cell | None, path: str) -> bool:
        if cell is None:
            return False
        self._seen(cell, path)
        text = fold(raw_text(cell.value))
        if text in ("", "0", "không"):
            return False
        if text in ("x", "có", "1", "true", "yes"):
            return True
        self.c.add(cell.place, _("Ghi “x” nếu có, hoặc để trống (không nhận “%(value)s”).")
                   % {"value": nfc(raw_text(cell.value))}, path=path)
        return False

    def _seen(self, cell: Cell, path: str) -> None:
        """Record where ``path`` comes from; a cell already reported makes the path failed."""
        self.c.places[path] = cell.place
        if isinstance(cell.value, Reported):
            self.c.bad_paths.add(path)

    def _required(self, cell: Cell, path: str) -> None:
        if isinstance(cell.value, Reported):
            self.c.bad_paths.add(path)  # the formula or error is already reported
        else:
            self.c.add(cell.place, _("Không được để trống."), path=path)

    # Sheets.

    def plan(self) -> PlanData:
        data = self.general()
        data.sections = self.sections()
        data.units = self.units()
        data.targets = self.targets()
        data.tasks = self.tasks()
        return data

    def general(self) -> PlanData:
        found, legal_bases, recipients = self._general_rows()
        values = self._general_values(found)

        def text(path: str) -> str:
            return values.get(path) or ""

        return PlanData(
            issuer_kind=values.get("issuer_kind") or IssuerKind.UBND,
            parent_body=text("parent_body"), issuing_body=text("issuing_body"), number=text("number"),
            symbol=text("symbol"), place=text("place"), issue_day=values.get("issue_day"),
            issue_month=values.get("issue_month"), issue_year=values.get("issue_year"), title=text("title"),
            start_year=values.get("start_year") or 0, end_year=values.get("end_year") or 0,
            legal_bases=legal_bases, preamble=text("preamble"), closing=text("closing"),
            reporting_duty=text("reporting_duty"), recipients=recipients,
            signer=SignerData(authority=text("signer.authority"), deputy=text("signer.deputy"),
                              position=text("signer.position"), name=text("signer.name")),
            tasks_layout=values.get("tasks_layout") or TasksLayout.APPENDIX,
            appendix_title=text("appendix_title"), appendix_reference=text("appendix_reference"),
            recipients_note=text("recipients_note"), source_gaps=text("source_gaps"),
        )

    def _general_rows(self) -> tuple[dict[str, tuple[int, Cell]], list[str], list[str]]:
        """The rows of "Thông tin chung": each field's (row, value cell) by folded label, and
        the legal bases and recipients in order (one row each)."""
        table = self.tables[SHEET_GENERAL]
        by_label = {fold(spec.label): spec for spec in GENERAL_FIELDS}
        found: dict[str, tuple[int, Cell]] = {}
        legal_bases: list[str] = []
        recipients: list[str] = []
        lists = {fold(LABEL_LEGAL_BASIS): ("legal_bases", legal_bases), fold(LABEL_RECIPIENT): ("recipients", recipients)}
        empty = Cell(None, place=Place(SHEET_GENERAL))
        for row_number, cells in table.rows:
            label_cell = cells.get("label")
            value_cell = cells.get("value") or replace(
                empty, place=Place(SHEET_GENERAL, row_number, table.columns["value"]))
            label = fold(raw_text(label_cell.value)) if label_cell else ""
            if not label:
                self.c.add(Place(SHEET_GENERAL, row_number, table.columns["label"]),
                           _("Có giá trị nhưng thiếu tên trường ở cột “Trường”."))
            elif label in lists:
                path, entries = lists[label]
                entry = self.text(value_cell, f"{path}.{len(entries)}")
                if entry:
                    entries.append(entry)
            elif label not in by_label:
                assert label_cell is not None  # noqa: S101 - a non-empty label has a cell
                self.c.add(label_cell.place, _("Không rõ trường “%(label)s” (xem danh sách trường ở trang "
                                               "“Hướng dẫn”).") % {"label": nfc(raw_text(label_cell.value))})
            elif label in found:
                assert label_cell is not None  # noqa: S101
                self.c.add(label_cell.place, _("Trường “%(label)s” bị lặp (đã có ở dòng %(row)s).")
                           % {"label": by_label[label].label, "row": found[label][0]})
            else:
                found[label] = (row_number, value_cell)
        return found, legal_bases, recipients

    def _general_values(self, found: dict[str, tuple[int, Cell]]) -> dict[str, Any]:
        """Each general field's value by PlanData path; a missing row is a problem."""
        table = self.tables[SHEET_GENERAL]
        values: dict[str, Any] = {}
        for spec in GENERAL_FIELDS:
            entry = found.get(fold(spec.label))
            if entry is None:
                self.c.add(Place(SHEET_GENERAL, column=table.columns["label"]),
                           _("Thiếu dòng “%(label)s”.") % {"label": spec.label}, path=spec.path)
                values[spec.path] = None
                continue
            cell = entry[1]
            if spec.kind == "int":
                required = spec.path in ("start_year", "end_year")
                values[spec.path] = self.integer(cell, spec.path, required=required)
            elif spec.kind in ("issuer", "layout"):
                values[spec.path] = self.choice(cell, spec.path, spec.kind, default=None)
                if values[spec.path] is None and spec.path not in self.c.bad_paths:
                    self.c.add(cell.place, _("Không được để trống."), path=spec.path)
            else:
                values[spec.path] = self.text(cell, spec.path)
        return values

    def sections(self) -> list[SectionData]:
        sections = []
        for i, (row_number, cells) in enumerate(self.tables[SHEET_SECTIONS].rows):
            p = f"sections.{i}"
            self.c.places[p] = Place(SHEET_SECTIONS, row=row_number)
            number = self.text(cells.get("number"), f"{p}.number")
            level = self.integer(cells.get("level"), f"{p}.level")
            sections.append(SectionData(
                number=number,
                level=level if level is not None else _section_level(number),
                heading=self.text(cells.get("heading"), f"{p}.heading"),
                kind=self.choice(cells.get("kind"), f"{p}.kind", "section", default=SectionKind.OTHER)
                or SectionKind.OTHER,
                body=self.body(cells.get("body"), f"{p}.body"),
                unit=self.text(cells.get("unit"), f"{p}.unit") or None,
                year=self.integer(cells.get("year"), f"{p}.year"),
                run_in=self.flag(cells.get("run_in"), f"{p}.run_in"),
            ))
        return sections

    def units(self) -> list[UnitData]:
        units = []
        for i, (row_number, cells) in enumerate(self.tables[SHEET_UNITS].rows):
            p = f"units.{i}"
            self.c.places[p] = Place(SHEET_UNITS, row=row_number)
            name_cell = cells.get("name") or Cell(None, place=Place(
                SHEET_UNITS, row_number, self.tables[SHEET_UNITS].columns["name"]))
            units.append(UnitData(
                name=self.text(name_cell, f"{p}.name"),
                kind=self.choice(cells.get("kind"), f"{p}.kind", "unit", default=UnitKind.OTHER) or UnitKind.OTHER,
            ))
        return units

    def targets(self) -> list[TargetData]:
        table = self.tables[SHEET_TARGETS]
        targets = []
        for i, (row_number, cells) in enumerate(table.rows):
            p = f"targets.{i}"
            self.c.places[p] = Place(SHEET_TARGETS, row=row_number)

            def cell(key: str, row_number: int = row_number, cells: dict[str, Cell] = cells) -> Cell:
                return cells.get(key) or Cell(None, place=Place(SHEET_TARGETS, row_number, table.columns[key]))

            indicator = self.text(cell("indicator"), f"{p}.indicator")
            if not indicator:
                self.c.add(cell("indicator").place, _("Mã chỉ số không được để trống."), path=f"{p}.indicator")
            year = self.integer(cell("year"), f"{p}.year", required=True)
            value = self.number(cell("value"), f"{p}.value", required=True)
            targets.append(TargetData(
                indicator=indicator,
                # A year that failed to read gets a placeholder no plan can hold, so validation
                # neither repeats the problem nor reports two failed rows as duplicates.
                year=year if year is not None else -(i + 1),
                value=value if value is not None else Decimal(0),
                baseline=self.number(cell("baseline"), f"{p}.baseline"),
                stretch=self.flag(cell("stretch"), f"{p}.stretch"),
                per_period_quantity=self.number(cell("per_period_quantity"), f"{p}.per_period_quantity"),
                per_period=self.choice(cell("per_period"), f"{p}.per_period", "period", default=None),
                statement=self.text(cell("statement"), f"{p}.statement"),
                reporting_units=self.lines(cell("reporting_units"), f"{p}.reporting_units"),
            ))
        return targets

    def tasks(self) -> list[TaskData]:
        table = self.tables[SHEET_TASKS]
        tasks = []
        for i, (row_number, cells) in enumerate(table.rows):
            p = f"tasks.{i}"
            self.c.places[p] = Place(SHEET_TASKS, row=row_number)

            def cell(key: str, row_number: int = row_number, cells: dict[str, Cell] = cells) -> Cell:
                return cells.get(key) or Cell(None, place=Place(SHEET_TASKS, row_number, table.columns[key]))

            tasks.append(TaskData(
                number=self.text(cell("number"), f"{p}.number"),
                title=self.text(cell("title"), f"{p}.title"),
                description=self.body(cell("description"), f"{p}.description"),
                lead=self.text(cell("lead"), f"{p}.lead"),
                coordinating=self.lines(cell("coordinating"), f"{p}.coordinating"),
                timeframe=self.text(cell("timeframe"), f"{p}.timeframe"),
                deliverables=self.deliverables(cell("deliverables"), cell("deliverable_specs"), p),
            ))
        return tasks

    def deliverables(self, texts_cell: Cell, specs_cell: Cell, task_path: str) -> list[DeliverableData]:
        """Line k of "Sản phẩm/kết quả" goes with line k of "Chỉ số sản phẩm"."""
        texts = [nfc(x) for x in raw_text(texts_cell.value).split("\n")]
        specs = [nfc(x) for x in raw_text(specs_cell.value).split("\n")]
        count = max(len(texts), len(specs))
        texts += [""] * (count - len(texts))
        specs += [""] * (count - len(specs))
        several = count > 1
        deliverables: list[DeliverableData] = []
        for k, (text, spec) in enumerate(zip(texts, specs, strict=True), 1):
            if not text and not spec:
                continue
            p = f"{task_path}.deliverables.{len(deliverables)}"
            text_place = replace(texts_cell.place, line=k) if several else texts_cell.place
            spec_place = replace(specs_cell.place, line=k) if several else specs_cell.place
            self.c.places[p] = self.c.places[f"{p}.text"] = text_place
            for key in ("quantity", "per_period", "indicator"):
                self.c.places[f"{p}.{key}"] = spec_place
            deliverables.append(self._deliverable(text, spec, spec_place, p))
        return deliverables

    def _deliverable(self, text: str, spec: str, place: Place, path: str) -> DeliverableData:
        parts = [part.strip() for part in spec.split("|")] if spec else []
        if len(parts) > 3:
            self.c.add(place, _("“%(value)s” phải có dạng “MÃ_CHỈ_SỐ | số lượng | kỳ”.") % {"value": spec},
                       path=f"{path}.indicator")
            return DeliverableData(text=text)
        parts += [""] * (3 - len(parts))
        code, quantity_text, period_text = parts
        quantity = self.number(Cell(quantity_text or None, place=place), f"{path}.quantity")
        period = self.choice(Cell(period_text or None, place=place), f"{path}.per_period", "period",
                             default=None)
        self.c.places[f"{path}.quantity"] = self.c.places[f"{path}.per_period"] = place
        return DeliverableData(text=text, quantity=quantity, per_period=period, indicator=code or None)


def _choice_map(choices: Any) -> dict[str, str]:
    """Folded label or code → code: a cell may hold either."""
    mapping = {}
    for code, label in choice_labels(choices):
        mapping[fold(code)] = code
        mapping[fold(label)] = code
    return mapping


def _section_level(number: str) -> int:
    """A section level left blank follows its number: I → 1, 1 → 2, 4.1 → 3."""
    if ROMAN.match(number):
        return 1
    if re.fullmatch(r"\d+\.\d+", number):
        return 3
    if number.isdigit():
        return 2
    return 1
