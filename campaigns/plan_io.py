"""A plan as one structured document (PlanData), its validation, import and export.

The Excel workbook (campaigns/workbook.py) and the JSON seed files are two spellings of
PlanData; both go through ``plan_data_validate`` and ``plan_import`` here, so a bad workbook,
a bad JSON file and a bad form are refused by the same rules. See docs/plan-data.md.

Problems are reported against a *path* into PlanData ("targets.3.value"); the reader that
produced the PlanData maps paths to places a person can find ("sheet Chỉ tiêu, cell D5").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaigns.models import (
    Commune,
    IssuerKind,
    Plan,
    PlanLegalBasis,
    PlanRecipient,
    PlanSection,
    SectionKind,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    TasksLayout,
    Unit,
    UnitKind,
)
from campaigns.timeframes import parse_timeframe
from portal.text import nfc, nfc_or_empty, vi_sorted
from targets.models import Indicator, Measure, Period, Target

ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
ARABIC = re.compile(r"^\d+(\.\d+)*$")
COLLECTIVE_PREFIXES = ("các ", "cơ quan, đơn vị", "toàn thể", "tất cả", "mọi ")


def is_collective_phrase(text: str) -> bool:
    """"Các cơ quan, đơn vị", "các cơ quan, đơn vị có liên quan…": a phrase, not one unit."""
    lowered = nfc(text).lower()
    return lowered.startswith(COLLECTIVE_PREFIXES) or "liên quan" in lowered


def task_level(number: str) -> int | None:
    """I → 1, 1 or 4.1 → 2, - → 3, + → 4; None for anything else."""
    if ROMAN.match(number):
        return 1
    if ARABIC.match(number):
        return 2
    return {"-": 3, "+": 4, "": 3}.get(number)


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


# --- Validation ---------------------------------------------------------------------------


def _limit(model: type[Any], field_name: str) -> int:
    return int(model._meta.get_field(field_name).max_length)


# Column lengths, read from the models, so a long text is a clear error and never a database
# error. Keys are PlanData paths with the list indexes left out.
TEXT_LIMITS: dict[str, int] = {
    **{name: _limit(Plan, name) for name in ("number", "symbol", "place", "parent_body", "issuing_body")},
    "signer.authority": _limit(Plan, "signer_authority"), "signer.deputy": _limit(Plan, "signer_deputy"),
    "signer.position": _limit(Plan, "signer_position"), "signer.name": _limit(Plan, "signer_name"),
    "recipients": _limit(PlanRecipient, "text"), "units.name": _limit(Unit, "name"),
    "sections.number": _limit(PlanSection, "number"), "sections.unit": _limit(Unit, "name"),
    "targets.indicator": _limit(Indicator, "code"), "targets.reporting_units": _limit(Unit, "name"),
    "tasks.number": _limit(Task, "number"), "tasks.lead": _limit(Task, "lead_text"),
    "tasks.coordinating": _limit(TaskCoordinator, "text"), "tasks.timeframe": _limit(Task, "timeframe_text"),
    "tasks.deliverables.indicator": _limit(Indicator, "code"),
}


def _text_paths(data: PlanData) -> list[tuple[str, str, str]]:
    """(path, limit key, text) for every bounded text of the document."""
    items = [(name, name, getattr(data, name)) for name in ("number", "symbol", "place", "parent_body", "issuing_body")]
    items += [(f"signer.{k}", f"signer.{k}", getattr(data.signer, k)) for k in ("authority", "deputy", "position", "name")]
    items += [(f"recipients.{i}", "recipients", t) for i, t in enumerate(data.recipients)]
    items += [(f"units.{i}.name", "units.name", u.name) for i, u in enumerate(data.units)]
    for i, section in enumerate(data.sections):
        items += [(f"sections.{i}.number", "sections.number", section.number),
                  (f"sections.{i}.unit", "sections.unit", section.unit or "")]
    for i, target in enumerate(data.targets):
        items.append((f"targets.{i}.indicator", "targets.indicator", target.indicator))
        items += [(f"targets.{i}.reporting_units.{j}", "targets.reporting_units", u)
                  for j, u in enumerate(target.reporting_units)]
    for i, task in enumerate(data.tasks):
        items += [(f"tasks.{i}.number", "tasks.number", task.number), (f"tasks.{i}.lead", "tasks.lead", task.lead),
                  (f"tasks.{i}.timeframe", "tasks.timeframe", task.timeframe)]
        items += [(f"tasks.{i}.coordinating.{j}", "tasks.coordinating", c) for j, c in enumerate(task.coordinating)]
        items += [(f"tasks.{i}.deliverables.{j}.indicator", "tasks.deliverables.indicator", d.indicator or "")
                  for j, d in enumerate(task.deliverables)]
    return items


@dataclass
class Resolved:
    """What validation looked up, handed to the writer so it does not look again."""

    units: dict[str, Unit]
    new_units: dict[str, str]
    indicators: dict[str, Indicator]


def plan_data_validate(data: PlanData, *, commune: Commune, create_units: bool = False) -> Resolved:
    """Check everything; raise PlanImportError listing every problem, or return lookups."""
    problems: list[Problem] = []

    def bad(path: str, message: str) -> None:
        problems.append(Problem(path, message))

    for path, key, text in _text_paths(data):
        if len(text) > TEXT_LIMITS[key]:
            bad(path, _("Dài %(length)s ký tự, vượt giới hạn %(max)s ký tự.")
                % {"length": len(text), "max": TEXT_LIMITS[key]})

    if data.issuer_kind not in IssuerKind.values:
        bad("issuer_kind", _("Cơ quan ban hành phải là “ubnd” hoặc “dang_uy”."))
    for name in ("issuing_body", "title", "place", "symbol"):
        if not getattr(data, name):
            bad(name, _("Không được để trống."))
    if not (2020 <= data.start_year <= 2100) or not (2020 <= data.end_year <= 2100):
        bad("start_year", _("Năm phải trong khoảng 2020–2100."))
    elif data.start_year > data.end_year:
        bad("end_year", _("Năm kết thúc phải không nhỏ hơn năm bắt đầu."))
    _check_date(data, bad)
    if data.tasks_layout not in TasksLayout.values:
        bad("tasks_layout", _("Cách trình bày nhiệm vụ không hợp lệ."))

    existing = {u.name: u for u in Unit.objects.filter(commune=commune)}
    known_units: dict[str, Unit] = {}
    new_units: dict[str, str] = {}
    seen_names: set[str] = set()
    for i, unit in enumerate(data.units):
        if not unit.name:
            bad(f"units.{i}.name", _("Tên đơn vị không được để trống."))
            continue
        if unit.name in seen_names:
            bad(f"units.{i}.name", _("Đơn vị “%(name)s” bị lặp.") % {"name": unit.name})
        seen_names.add(unit.name)
        if unit.kind not in UnitKind.values:
            bad(f"units.{i}.kind", _("Loại đơn vị “%(kind)s” không hợp lệ.") % {"kind": unit.kind})
        if unit.name in existing:
            known_units[unit.name] = existing[unit.name]
        elif create_units:
            new_units[unit.name] = unit.kind
        else:
            bad(f"units.{i}.name", _("Đơn vị “%(name)s” chưa có trong danh sách đơn vị của %(commune)s.")
                % {"name": unit.name, "commune": commune.official_name})

    def check_unit_ref(path: str, name: str, *, allow_phrase: bool) -> None:
        if not name or name in known_units or name in new_units or name in existing:
            if name in existing:
                known_units.setdefault(name, existing[name])
            return
        if allow_phrase and is_collective_phrase(name):
            return
        if create_units:
            new_units[name] = UnitKind.OTHER
            return
        bad(path, _("Đơn vị “%(name)s” chưa có trong danh sách đơn vị của %(commune)s.")
            % {"name": name, "commune": commune.official_name})

    for i, section in enumerate(data.sections):
        if section.level not in (1, 2, 3):
            bad(f"sections.{i}.level", _("Cấp của mục phải là 1, 2 hoặc 3."))
        if section.kind not in SectionKind.values:
            bad(f"sections.{i}.kind", _("Loại mục “%(kind)s” không hợp lệ.") % {"kind": section.kind})
        if section.unit:
            check_unit_ref(f"sections.{i}.unit", section.unit, allow_phrase=False)
        if section.year is not None and not (data.start_year <= section.year <= data.end_year):
            bad(f"sections.{i}.year", _("Năm phải nằm trong thời gian của kế hoạch."))

    codes = {t.indicator for t in data.targets} | {
        d.indicator for t in data.tasks for d in t.deliverables if d.indicator
    }
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes).filter(
        Q(commune__isnull=True) | Q(commune=commune))}
    seen_targets: set[tuple[str, int]] = set()
    for i, target in enumerate(data.targets):
        indicator = indicators.get(target.indicator)
        if indicator is None:
            bad(f"targets.{i}.indicator", _("Không có chỉ số mã “%(code)s” trong thư viện chỉ số.")
                % {"code": target.indicator})
        if not (data.start_year <= target.year <= data.end_year):
            bad(f"targets.{i}.year", _("Năm %(year)s nằm ngoài thời gian của kế hoạch (%(start)s–%(end)s).")
                % {"year": target.year, "start": data.start_year, "end": data.end_year})
        if (target.indicator, target.year) in seen_targets:
            bad(f"targets.{i}.indicator", _("Chỉ tiêu “%(code)s” năm %(year)s bị lặp.")
                % {"code": target.indicator, "year": target.year})
        seen_targets.add((target.indicator, target.year))
        if target.value < 0:
            bad(f"targets.{i}.value", _("Chỉ tiêu không được âm."))
        elif indicator is not None and indicator.measure == Measure.PERCENT and target.value > 100:
            bad(f"targets.{i}.value", _("Chỉ tiêu phần trăm không được lớn hơn 100."))
        if target.baseline is not None and target.baseline < 0:
            bad(f"targets.{i}.baseline", _("Số liệu gốc không được âm."))
        if target.per_period and target.per_period not in Period.values:
            bad(f"targets.{i}.per_period", _("Kỳ định mức không hợp lệ."))
        if target.per_period_quantity is not None and target.per_period_quantity < 0:
            bad(f"targets.{i}.per_period_quantity", _("Định mức không được âm."))
        for j, name in enumerate(target.reporting_units):
            check_unit_ref(f"targets.{i}.reporting_units.{j}", name, allow_phrase=False)

    siblings: dict[tuple[int, ...], set[str]] = {}
    stack: list[tuple[int, int]] = []  # (level, index)
    for i, task in enumerate(data.tasks):
        level = task_level(task.number)
        if level is None:
            bad(f"tasks.{i}.number", _("STT “%(number)s” không hợp lệ (dùng I, II…, 1, 2…, “-” hoặc “+”).")
                % {"number": task.number})
            continue
        if not task.title:
            bad(f"tasks.{i}.title", _("Nhiệm vụ không được để trống."))
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent_key = tuple(index for _level, index in stack)
        if task.number not in ("-", "+", ""):
            used = siblings.setdefault(parent_key, set())
            if task.number in used:
                bad(f"tasks.{i}.number", _("STT “%(number)s” bị trùng trong cùng một nhóm.")
                    % {"number": task.number})
            used.add(task.number)
        stack.append((level, i))
        if task.lead:
            check_unit_ref(f"tasks.{i}.lead", task.lead, allow_phrase=True)
        for j, name in enumerate(task.coordinating):
            check_unit_ref(f"tasks.{i}.coordinating.{j}", name, allow_phrase=True)
        for j, deliverable in enumerate(task.deliverables):
            if not deliverable.text:
                bad(f"tasks.{i}.deliverables.{j}.text", _("Sản phẩm không được để trống."))
            if deliverable.quantity is not None and deliverable.quantity < 0:
                bad(f"tasks.{i}.deliverables.{j}.quantity", _("Số lượng không được âm."))
            if deliverable.per_period and deliverable.per_period not in Period.values:
                bad(f"tasks.{i}.deliverables.{j}.per_period", _("Kỳ không hợp lệ."))
            if deliverable.indicator and deliverable.indicator not in indicators:
                bad(f"tasks.{i}.deliverables.{j}.indicator",
                    _("Không có chỉ số mã “%(code)s” trong thư viện chỉ số.") % {"code": deliverable.indicator})

    if problems:
        raise PlanImportError(problems)
    return Resolved(units=known_units, new_units=new_units, indicators=indicators)


def _check_date(data: PlanData, bad: Any) -> None:
    day, month, year = data.issue_day, data.issue_month, data.issue_year
    if month is not None and not (1 <= month <= 12):
        bad("issue_month", _("Tháng phải từ 1 đến 12."))
        return
    if day is not None:
        if month is None or year is None:
            bad("issue_day", _("Có ngày thì phải có cả tháng và năm."))
            return
        try:
            date(year, month, day)
        except ValueError:
            bad("issue_day", _("Ngày %(d)s/%(m)s/%(y)s không tồn tại.") % {"d": day, "m": month, "y": year})


# --- Writing ------------------------------------------------------------------------------


@transaction.atomic
def plan_import(*, data: PlanData, commune: Commune, actor: Any = None, create_units: bool = False,
                into: Plan | None = None) -> Plan:
    """Validate, then save the whole plan in one transaction (all or nothing).

    ``into`` replaces the content of an existing draft plan instead of creating a new one.
    """
    resolved = plan_data_validate(data, commune=commune, create_units=create_units)
    from campaigns.services.audit import audit_record
    from campaigns.services.organisation import unit_upsert

    units = dict(resolved.units)
    for name, kind in resolved.new_units.items():
        units[name] = unit_upsert(commune=commune, name=name, kind=kind, actor=actor)

    header = {
        "issuer_kind": data.issuer_kind, "parent_body": data.parent_body,
        "issuing_body": data.issuing_body, "number": data.number, "symbol": data.symbol,
        "place": data.place, "issue_day": data.issue_day, "issue_month": data.issue_month,
        "issue_year": data.issue_year, "title": data.title, "start_year": data.start_year,
        "end_year": data.end_year, "preamble": data.preamble, "closing": data.closing,
        "reporting_duty": data.reporting_duty, "signer_authority": data.signer.authority,
        "signer_deputy": data.signer.deputy, "signer_position": data.signer.position,
        "signer_name": data.signer.name, "tasks_layout": data.tasks_layout,
        "appendix_title": data.appendix_title, "appendix_reference": data.appendix_reference,
        "recipients_note": data.recipients_note, "source_gaps": data.source_gaps,
    }
    if into is None:
        plan = Plan.objects.create(commune=commune, **header)
        action = "plan.import"
    else:
        # Lock the row: the plan cannot be issued while its content is being replaced, and an
        # issued plan changes only through recorded amendments, never by a re-import.
        plan = Plan.objects.select_for_update().get(pk=into.pk)
        if plan.is_issued or plan.commune_id != commune.pk:
            raise PlanImportError([Problem("status", _(
                "Kế hoạch đã ban hành: không nhập đè được, mọi thay đổi phải qua sửa đổi có ghi lý do."))])
        for key, value in header.items():
            setattr(plan, key, value)
        plan.version += 1
        plan.save()
        for related in (plan.legal_bases, plan.sections, plan.recipients, plan.targets):
            related.all().delete()
        plan.tasks.all().delete()
        action = "plan.reimport"
    _write_parts(plan, data, units, resolved.indicators)
    from campaigns.services.plans import plan_periods_sync, plan_rollups_inputs_changed

    plan_periods_sync(plan)
    # Its targets and units are the figures' inputs (a re-import replaces them all).
    plan_rollups_inputs_changed(plan=plan, years=plan.years)
    audit_record(commune=commune, actor=actor, action=action, target=plan,
                 changes={"title": [None, plan.title], "tasks": [None, len(data.tasks)],
                          "targets": [None, len(data.targets)]})
    return plan


def _write_parts(plan: Plan, data: PlanData, units: dict[str, Unit],
                 indicators: dict[str, Indicator]) -> None:
    PlanLegalBasis.objects.bulk_create(
        PlanLegalBasis(plan=plan, order=i, text=t) for i, t in enumerate(data.legal_bases, 1))
    PlanRecipient.objects.bulk_create(
        PlanRecipient(plan=plan, order=i, text=t) for i, t in enumerate(data.recipients, 1))
    PlanSection.objects.bulk_create(
        PlanSection(plan=plan, order=i, number=s.number, level=s.level, heading=s.heading,
                    kind=s.kind, body=s.body, unit=units.get(s.unit) if s.unit else None, year=s.year,
                    run_in=s.run_in)
        for i, s in enumerate(data.sections, 1))
    for i, t in enumerate(data.targets, 1):
        target = Target.objects.create(
            plan=plan, indicator=indicators[t.indicator], year=t.year, order=i, value=t.value,
            baseline=t.baseline, is_stretch=t.stretch, per_period_quantity=t.per_period_quantity,
            per_period=t.per_period or "", statement=t.statement)
        target.reporting_units.set([units[name] for name in t.reporting_units])
    stack: list[Task] = []
    for i, t in enumerate(data.tasks, 1):
        level = task_level(t.number) or 3
        while stack and stack[-1].level >= level:
            stack.pop()
        timeframe = parse_timeframe(t.timeframe)
        lead_unit = units.get(t.lead) if t.lead and not is_collective_phrase(t.lead) else None
        task = Task.objects.create(
            plan=plan, order=i, parent=stack[-1] if stack else None, number=t.number, level=level,
            title=t.title, description=t.description, lead_unit=lead_unit,
            lead_text="" if lead_unit else t.lead, timeframe_text=timeframe.text,
            timeframe_kind=timeframe.kind, recurrence=timeframe.recurrence,
            date_start=timeframe.date_start, date_end=timeframe.date_end, quarters=timeframe.quarters)
        stack.append(task)
        TaskCoordinator.objects.bulk_create(
            TaskCoordinator(task=task, order=j,
                            unit=None if is_collective_phrase(name) else units.get(name),
                            text=name if is_collective_phrase(name) or name not in units else "")
            for j, name in enumerate(t.coordinating, 1))
        TaskDeliverable.objects.bulk_create(
            TaskDeliverable(task=task, order=j, text=d.text, quantity=d.quantity,
                            per_period=d.per_period or "",
                            indicator=indicators.get(d.indicator) if d.indicator else None)
            for j, d in enumerate(t.deliverables, 1))


# --- Reading ------------------------------------------------------------------------------


def plan_data_export(*, plan: Plan) -> PlanData:
    """The plan as PlanData: what the workbook export writes and the equality tests compare."""
    tasks = list(plan.tasks.select_related("lead_unit").prefetch_related(
        "coordinators__unit", "deliverables__indicator"))
    targets = list(plan.targets.select_related("indicator").prefetch_related("reporting_units"))
    sections = list(plan.sections.select_related("unit"))
    referenced: dict[str, Unit] = {}
    for task in tasks:
        if task.lead_unit:
            referenced[task.lead_unit.name] = task.lead_unit
        for c in task.coordinators.all():
            if c.unit:
                referenced[c.unit.name] = c.unit
    for target in targets:
        for unit in target.reporting_units.all():
            referenced[unit.name] = unit
    for section in sections:
        if section.unit:
            referenced[section.unit.name] = section.unit
    ordered_units = vi_sorted(referenced.values(), key=lambda u: u.name)
    return PlanData(
        commune=plan.commune.code, issuer_kind=plan.issuer_kind, parent_body=plan.parent_body,
        issuing_body=plan.issuing_body, number=plan.number, symbol=plan.symbol, place=plan.place,
        issue_day=plan.issue_day, issue_month=plan.issue_month, issue_year=plan.issue_year,
        title=plan.title, start_year=plan.start_year, end_year=plan.end_year,
        legal_bases=[b.text for b in plan.legal_bases.all()], preamble=plan.preamble,
        sections=[SectionData(number=s.number, level=s.level, heading=s.heading, kind=s.kind,
                              body=s.body, unit=s.unit.name if s.unit else None, year=s.year,
                              run_in=s.run_in)
                  for s in sections],
        closing=plan.closing, reporting_duty=plan.reporting_duty,
        recipients=[r.text for r in plan.recipients.all()],
        signer=SignerData(authority=plan.signer_authority, deputy=plan.signer_deputy,
                          position=plan.signer_position, name=plan.signer_name),
        tasks_layout=plan.tasks_layout, appendix_title=plan.appendix_title,
        appendix_reference=plan.appendix_reference, recipients_note=plan.recipients_note,
        source_gaps=plan.source_gaps,
        units=[UnitData(name=u.name, kind=u.kind) for u in ordered_units],
        targets=[TargetData(indicator=t.indicator.code, year=t.year, value=t.value,
                            statement=t.statement, baseline=t.baseline, stretch=t.is_stretch,
                            per_period_quantity=t.per_period_quantity, per_period=t.per_period or None,
                            reporting_units=sorted(u.name for u in t.reporting_units.all()))
                 for t in targets],
        tasks=[TaskData(number=t.number, title=t.title, description=t.description,
                        lead=t.lead_display, coordinating=[c.display for c in t.coordinators.all()],
                        timeframe=t.timeframe_text,
                        deliverables=[DeliverableData(text=d.text, quantity=d.quantity,
                                                      per_period=d.per_period or None,
                                                      indicator=d.indicator.code if d.indicator else None)
                                      for d in t.deliverables.all()])
               for t in tasks],
    )


__all__ = [
    "DeliverableData", "PlanData", "PlanImportError", "Problem", "SectionData",
    "SignerData", "TargetData", "TaskData", "UnitData", "is_collective_phrase", "plan_data_export",
    "plan_data_from_dict", "plan_data_validate", "plan_import", "task_level",
]
