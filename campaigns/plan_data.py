"""A plan as one structured document (PlanData), the problems found in one, and its JSON spelling.

Layer: model-level data (no queries, no writes). The Excel workbook (campaigns/workbook/) and
the JSON seed files are two spellings of PlanData; both are validated and imported by
campaigns/services/plan_import.py and exported by campaigns/selectors/plan_export.py, so a
bad workbook, a bad JSON file and a bad form are refused by the same rules. See
docs/plan-data.md.

Problems are reported against a *path* into PlanData ("targets.3.value"); the reader that
produced the PlanData maps paths to places a person can find ("sheet Chỉ tiêu, cell D5").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from campaigns.models import IssuerKind, SectionKind, TasksLayout, UnitKind
from portal.text import nfc, nfc_or_empty

# --- The document -------------------------------------------------------------------------


@dataclass
class UnitData:
    name: str
    kind: str = UnitKind.OTHER


@dataclass
class SectionData:
    number: str
    level: int
    heading: str
    kind: str = SectionKind.OTHER
    body: str = ""
    unit: str | None = None
    year: int | None = None
    run_in: bool = False


@dataclass
class TargetData:
    indicator: str
    year: int
    value: Decimal
    statement: str = ""
    baseline: Decimal | None = None
    stretch: bool = False
    per_period_quantity: Decimal | None = None
    per_period: str | None = None
    reporting_units: list[str] = field(default_factory=list)


@dataclass
class DeliverableData:
    text: str
    quantity: Decimal | None = None
    per_period: str | None = None
    indicator: str | None = None


@dataclass
class TaskData:
    number: str
    title: str
    description: str = ""
    lead: str = ""
    coordinating: list[str] = field(default_factory=list)
    timeframe: str = ""
    deliverables: list[DeliverableData] = field(default_factory=list)


@dataclass
class SignerData:
    authority: str = ""
    deputy: str = ""
    position: str = ""
    name: str = ""


@dataclass
class PlanData:
    issuing_body: str
    title: str
    start_year: int
    end_year: int
    place: str
    commune: str = ""
    issuer_kind: str = IssuerKind.UBND
    parent_body: str = ""
    number: str = ""
    symbol: str = "KH-UBND"
    issue_day: int | None = None
    issue_month: int | None = None
    issue_year: int | None = None
    legal_bases: list[str] = field(default_factory=list)
    preamble: str = ""
    sections: list[SectionData] = field(default_factory=list)
    closing: str = ""
    reporting_duty: str = ""
    recipients: list[str] = field(default_factory=list)
    signer: SignerData = field(default_factory=SignerData)
    tasks_layout: str = TasksLayout.APPENDIX
    appendix_title: str = ""
    appendix_reference: str = ""
    recipients_note: str = ""
    source_gaps: str = ""
    units: list[UnitData] = field(default_factory=list)
    targets: list[TargetData] = field(default_factory=list)
    tasks: list[TaskData] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        normalised = value.normalize()
        return int(normalised) if normalised == normalised.to_integral() else float(normalised)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# --- Problems -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str  # "targets.3.value"
    message: str
    where: str = ""  # filled by the reader: "Trang “Chỉ tiêu”, ô D5"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class PlanImportError(Exception):
    """Nothing was saved; ``problems`` says every reason, each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


# --- From plain data (JSON) ---------------------------------------------------------------


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(str(value)) from exc


def plan_data_from_dict(raw: dict[str, Any]) -> PlanData:
    """Build PlanData from the JSON spelling; every string is normalised to NFC."""
    s = nfc_or_empty
    signer = raw.get("signer") or {}
    return PlanData(
        commune=s(raw.get("commune")),
        issuer_kind=s(raw.get("issuer_kind")) or IssuerKind.UBND,
        parent_body=s(raw.get("parent_body")),
        issuing_body=s(raw.get("issuing_body")),
        number=s(raw.get("number")),
        symbol=s(raw.get("symbol")),
        place=s(raw.get("place")),
        issue_day=raw.get("issue_day"),
        issue_month=raw.get("issue_month"),
        issue_year=raw.get("issue_year"),
        title=s(raw.get("title")),
        start_year=int(raw["start_year"]),
        end_year=int(raw["end_year"]),
        legal_bases=[s(x) for x in raw.get("legal_bases", [])],
        preamble=s(raw.get("preamble")),
        sections=[
            SectionData(number=s(x.get("number")), level=int(x.get("level") or 1),
                        heading=s(x.get("heading")), kind=s(x.get("kind")) or SectionKind.OTHER,
                        body=_body(x.get("body")), unit=s(x.get("unit")) or None, year=x.get("year"),
                        run_in=bool(x.get("run_in")))
            for x in raw.get("sections", [])
        ],
        closing=s(raw.get("closing")),
        reporting_duty=s(raw.get("reporting_duty")),
        recipients=[s(x) for x in raw.get("recipients", [])],
        signer=SignerData(**{k: s(signer.get(k)) for k in ("authority", "deputy", "position", "name")}),
        tasks_layout=s(raw.get("tasks_layout")) or TasksLayout.APPENDIX,
        appendix_title=s(raw.get("appendix_title")),
        appendix_reference=s(raw.get("appendix_reference")),
        recipients_note=s(raw.get("recipients_note")),
        source_gaps=_body(raw.get("source_gaps")),
        units=[UnitData(name=s(u["name"]), kind=s(u.get("kind")) or UnitKind.OTHER)
               for u in raw.get("units", [])],
        targets=[
            TargetData(indicator=s(t["indicator"]), year=int(t["year"]), value=_dec(t["value"]) or Decimal(0),
                       statement=s(t.get("statement")), baseline=_dec(t.get("baseline")),
                       stretch=bool(t.get("stretch")), per_period_quantity=_dec(t.get("per_period_quantity")),
                       per_period=s(t.get("per_period")) or None,
                       reporting_units=[s(u) for u in t.get("reporting_units", [])])
            for t in raw.get("targets", [])
        ],
        tasks=[
            TaskData(number=s(t.get("number")), title=s(t.get("title")), description=_body(t.get("description")),
                     lead=s(t.get("lead")), coordinating=[s(c) for c in t.get("coordinating", [])],
                     timeframe=s(t.get("timeframe")),
                     deliverables=[DeliverableData(text=s(d["text"]), quantity=_dec(d.get("quantity")),
                                                   per_period=s(d.get("per_period")) or None,
                                                   indicator=s(d.get("indicator")) or None)
                                   for d in t.get("deliverables", [])])
            for t in raw.get("tasks", [])
        ],
    )


def _body(value: Any) -> str:
    """Multi-paragraph text: NFC per line, blank lines dropped."""
    lines = [nfc(line) for line in nfc_or_empty(value).split("\n")]
    return "\n".join(line for line in lines if line)
