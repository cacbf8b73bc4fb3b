"""A plan read back as one document (PlanData): what the workbook export writes and the
import-export equality tests compare. Layer: selectors (reads).
"""

from __future__ import annotations

from campaigns.models import Plan, PlanSection, Task, Unit
from campaigns.plan_data import (
    DeliverableData,
    PlanData,
    SectionData,
    SignerData,
    TargetData,
    TaskData,
    UnitData,
)
from portal.text import vi_sorted
from targets.models import Target


def plan_data_export(*, plan: Plan) -> PlanData:
    """The plan as PlanData: what the workbook export writes and the equality tests compare."""
    tasks = list(plan.tasks.select_related("lead_unit").prefetch_related(
        "coordinators__unit", "deliverables__indicator"))
    targets = list(plan.targets.select_related("indicator").prefetch_related("reporting_units"))
    sections = list(plan.sections.select_related("unit"))
    ordered_units = vi_sorted(_referenced_units(tasks, targets, sections), key=lambda u: u.name)
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


def _referenced_units(tasks: list[Task], targets: list[Target], sections: list[PlanSection]) -> list[Unit]:
    """The units the plan names (leads, coordinators, reporting units, sections), once each."""
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
    return list(referenced.values())
