"""Issue 13, "figures are never stale" (DESIGN.md rule 9): every change to a rollup's inputs
recomputes the commune's and the province's figures after commit, pages say "Đang cập nhật số
liệu…" while that is pending, and a consolidated report is never frozen from stale figures.

On-commit callbacks run only where a test says so (``committed()``): the test transaction never
commits, so a write whose callbacks are held back is a write whose queue has not run yet.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse

from campaigns.models import AuditEntry, Plan
from campaigns.plan_io import plan_data_export, plan_import
from campaigns.services.plans import plan_issue, plan_update
from campaigns.services.targets import TargetRow, plan_targets_save
from reporting.documents import content, storage
from reporting.models import (
    CommuneReportState,
    CommuneReportTransition,
    CommuneRollup,
    DocumentKind,
    ProvinceRollup,
    RollupInputs,
)
from reporting.rollups.compute import province_rollup_compute
from reporting.selectors.rollups import plan_rollups_pending, rollups_pending
from reporting.services import commune_reports as consolidated
from reporting.services import periods
from reporting.services import unit_reports as services
from targets.models import Target
from tests.conftest import World, login
from tests.factories import PlanFactory
from tests.quarter import ADULTS, CONFIRM, NEWS, READY, VNEID, Quarter, accept, ind, open_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "media")]
PENDING = "Đang cập nhật số liệu…"


def _target(world: World, code: str) -> Target:
    return Target.objects.get(plan=world.plan_a, indicator=ind(code), year=2026)


def _row_of(target: Target, **changes: Any) -> TargetRow:
    row = TargetRow(indicator_id=target.indicator_id, year=target.year, value=target.value, baseline=target.baseline,
                    is_stretch=target.is_stretch, statement=target.statement, target_id=target.pk,
                    reporting_unit_ids=sorted(u.pk for u in target.reporting_units.all()))
    return dataclasses.replace(row, **changes)


def _edit(world: World, *rows: TargetRow) -> Plan:
    return plan_targets_save(plan=world.plan_a, actor=world.admin_a, version=None, rows=list(rows))


def _rollup(world: World, code: str, quarter: int = 1) -> CommuneRollup:
    return CommuneRollup.objects.get(plan=world.plan_a, indicator=ind(code), year=2026, quarter=quarter)


def _province(world: World, code: str, quarter: int = 1) -> ProvinceRollup:
    return ProvinceRollup.objects.get(province=world.province_p, indicator=ind(code), year=2026, quarter=quarter)


# --- Every input change recomputes after commit ----------------------------------------------


def test_editing_a_target_recomputes_the_rollups_after_commit(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    vneid = _target(world, VNEID)
    assert (_rollup(world, VNEID).target, _rollup(world, VNEID).achievement) == (D(70), D("57.1429"))
    with committed():
        _edit(world, _row_of(vneid, value=D(75)))
    row = _rollup(world, VNEID)
    # 800 of 2,000 adults certified: 40 % of a 75 % target is 53.3 % achieved (not 40/70 = 57.1 %).
    assert (row.target, row.ytd_value, row.achievement) == (D(75), D(40), D("53.3333"))
    assert row.expected == D("33.75")  # baseline 20 → 75 by Q4, a quarter of the way
    assert not rollups_pending(commune_ids=[world.commune_a.pk])


def test_target_creation_deletion_and_units_reach_the_commune_and_the_province(
        quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    adults, news = _target(world, ADULTS), _target(world, NEWS)
    assert _rollup(world, ADULTS).units_expected == 3
    with committed():
        _edit(world, _row_of(adults, reporting_unit_ids=[world.unit_a.pk, quarter.village.pk]))
    assert _rollup(world, ADULTS).units_expected == 2
    assert _province(world, ADULTS).units_expected == 2
    with committed():
        _edit(world, _row_of(news, delete=True))
    # The unit figures stay (reports were accepted), the target and its line are gone.
    assert (_rollup(world, NEWS).target, _rollup(world, NEWS).status) == (None, "no_target")
    assert _province(world, NEWS).communes_expected == 0
    with committed():
        _edit(world, TargetRow(indicator_id=ind(NEWS).pk, year=2026, value=D(200),
                               reporting_unit_ids=[world.unit_a.pk, quarter.village.pk]))
    assert (_rollup(world, NEWS).target, _rollup(world, NEWS).achievement) == (D(200), D(35))
    assert _province(world, NEWS).communes_expected == 1


def test_a_plan_reimport_and_a_new_margin_recompute(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    assert _rollup(world, NEWS).status == "on_track"  # 70 articles against 75 expected, within 10 %
    with committed():
        plan_update(plan=world.plan_a, actor=world.admin_a, version=None, fields={"progress_margin": D(5)})
    assert _rollup(world, NEWS).status == "at_risk"  # 70 is below 75 × (1 − 5 %), above 75 × (1 − 10 %)
    data = plan_data_export(plan=world.plan_a)
    data.targets = [dataclasses.replace(t, value=D(50)) if t.indicator == ADULTS else t for t in data.targets]
    with committed():
        plan_import(data=data, commune=world.commune_a, actor=world.admin_a, into=world.plan_a)
    row = _rollup(world, ADULTS)
    assert (row.target, row.units_expected) == (D(50), 3)


def test_reopening_and_accepting_again_with_a_corrected_value(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    report = services.unit_report_open(period=quarter.period, unit=quarter.village)
    with committed():
        report = services.unit_report_reopen(report=report, actor=world.admin_a, version=report.version,
                                             reason="Sửa số liệu VNeID")
    assert _rollup(world, VNEID).ytd_value == D(50)  # only unit A's 500 / 1,000 is accepted now
    day = quarter.period.opens_on
    saved = services.unit_report_save(report=report, actor=None, version=report.version, today=day,
                                      data=services.ReportInput(values={ind(VNEID).pk: services.ValueInput(
                                          numerator=D(700), denominator=D(1000))}))
    report = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version, today=day)
    with committed():
        services.unit_report_accept(report=report, actor=world.admin_a, version=report.version)
    assert _rollup(world, VNEID).ytd_value == D(60)  # 1,200 / 2,000
    assert _province(world, VNEID).ytd_value == D(60)
    assert not rollups_pending(commune_ids=[world.commune_a.pk])


# --- Pending is visible ------------------------------------------------------------------------


def test_pages_say_the_figures_are_updating_until_the_queue_has_run(
        quarter: Quarter, django_capture_on_commit_callbacks: Any) -> None:
    world = quarter.world
    pages = {
        world.admin_a: [reverse("plan_progress", kwargs={"plan_pk": world.plan_a.pk}),
                        reverse("commune_dashboard", kwargs={"commune_code": world.commune_a.code})],
        world.reviewer_p: [reverse("province_progress", kwargs={"province_code": world.province_p.code})],
    }

    def shown() -> list[bool]:
        return [PENDING in login(user).get(url).content.decode() for user, urls in pages.items() for url in urls]

    assert shown() == [False, False, False]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _edit(world, _row_of(_target(world, VNEID), value=D(75)))
    assert rollups_pending(commune_ids=[world.commune_a.pk], year=2026, quarter=1)
    assert plan_rollups_pending(plan=world.plan_a)
    assert _rollup(world, VNEID).target == D(70)  # the queue has not run: the old figure…
    assert shown() == [True, True, True]  # …and every page says it is being updated
    assert not rollups_pending(commune_ids=[world.commune_b.pk])
    for callback in queued:  # the worker catches up
        callback()
    assert _rollup(world, VNEID).target == D(75)
    assert not plan_rollups_pending(plan=world.plan_a)
    assert shown() == [False, False, False]


def test_a_late_older_recompute_does_not_clear_a_newer_change(quarter: Quarter,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    world = quarter.world
    vneid = _target(world, VNEID)
    before = RollupInputs.objects.get(plan=world.plan_a, year=2026, quarter=1).inputs_version
    with django_capture_on_commit_callbacks(execute=False) as first:
        _edit(world, _row_of(vneid, value=D(75)))
    with django_capture_on_commit_callbacks(execute=False) as second:
        _edit(world, _row_of(vneid, value=D(60)))
    for callback in second:
        callback()
    assert not plan_rollups_pending(plan=world.plan_a) and _rollup(world, VNEID).target == D(60)
    marks = RollupInputs.objects.get(plan=world.plan_a, year=2026, quarter=1)
    assert (marks.inputs_version, marks.computed_version) == (before + 2, before + 2)
    for callback in first:  # redelivered late: recomputes the same figures, lowers nothing
        callback()
    marks.refresh_from_db()
    assert marks.computed_version == before + 2 and _rollup(world, VNEID).target == D(60)


# --- Nothing is issued from stale figures --------------------------------------------------------


def _pdf_text(report: Any) -> str:
    document = storage.document_current(kind=DocumentKind.COMMUNE_REPORT, source=report).document
    assert document is not None
    with default_storage.open(str(document.file.name)) as handle, pdfplumber.open(io.BytesIO(handle.read())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_issuing_right_after_a_target_edit_freezes_the_new_target(quarter: Quarter) -> None:
    world = quarter.world
    report = open_report(quarter, **READY)
    _edit(world, _row_of(_target(world, VNEID), value=D(75)))  # its recompute is still queued
    assert _rollup(world, VNEID).achievement == D("57.1429")
    consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version, **CONFIRM)
    row = _rollup(world, VNEID)
    assert (row.target, row.achievement) == (D(75), D("53.3333"))
    assert not rollups_pending(commune_ids=[world.commune_a.pk], year=2026, quarter=1)
    line = next(r for r in content.commune_report_content(report=report).indicators if r.code == VNEID)
    assert (line.target, line.achievement) == ("75,0", "53,3%")
    text = _pdf_text(report)
    assert "53,3%" in text and "57,1%" not in text


def test_issuing_after_a_reopen_leaves_the_reopened_report_out(quarter: Quarter) -> None:
    world = quarter.world
    report = open_report(quarter, **READY)
    village = services.unit_report_open(period=quarter.period, unit=quarter.village)
    services.unit_report_reopen(report=village, actor=world.admin_a, version=village.version, reason="Sai số")
    consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version, **CONFIRM)
    row = _rollup(world, NEWS)
    assert (row.value, row.units_reported) == (D(40), 1)  # unit A's 40 articles; the village's 30 are out


# --- Issuing shows what is incomplete ------------------------------------------------------------


@pytest.fixture
def incomplete(quarter: Quarter) -> Quarter:
    """The school has sent its report, not yet reviewed; the police report adults too and have
    not reported at all (the village and unit A are accepted)."""
    world = quarter.world
    adults = _target(world, ADULTS)
    adults.reporting_units.add(world.unit_a2)
    school = services.unit_report_open(period=quarter.period, unit=quarter.school)
    day = quarter.period.opens_on
    saved = services.unit_report_save(report=school, actor=None, version=school.version, today=day,
                                      data=services.ReportInput(values={ind(ADULTS).pk: services.ValueInput(
                                          numerator=D(100), denominator=D(400))}))
    services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version, today=day)
    return quarter


INCOMPLETE_AUDIT = {"awaiting_review": ["Trường Tiểu học Ánh Dương"], "not_reported": ["Công an xã A"]}


def test_issuing_with_reports_unreviewed_or_missing_needs_confirmation_and_reason(incomplete: Quarter) -> None:
    world = incomplete.world
    report = open_report(incomplete, **READY)
    with pytest.raises(ValidationError) as caught:
        consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version)
    errors = caught.value.message_dict
    assert errors["incomplete_confirmed"] == ["Còn báo cáo đơn vị chưa được duyệt hoặc đơn vị chưa báo cáo: "
                                              "phải xác nhận ban hành khi số liệu chưa đầy đủ."]
    assert errors["incomplete_reason"] == ["Phải ghi lý do ban hành khi số liệu chưa đầy đủ."]
    with pytest.raises(ValidationError) as caught:
        consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version,
                                          incomplete_confirmed=True, incomplete_reason="   ")
    assert set(caught.value.message_dict) == {"incomplete_reason"}
    report.refresh_from_db()
    assert report.state == CommuneReportState.DRAFT and not CommuneReportTransition.objects.exists()
    reason = "Tỉnh yêu cầu nộp đúng hạn; trường học sẽ bổ sung quý sau"
    consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version,
                                      incomplete_confirmed=True, incomplete_reason=reason)
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED
    transition = CommuneReportTransition.objects.get(report=report)
    assert transition.reason == reason
    audit = AuditEntry.objects.get(action="commune_report.issued", target_id=report.pk)
    assert audit.reason == reason and audit.changes["incomplete"] == [None, INCOMPLETE_AUDIT]
    assert "bổ sung quý sau" not in _pdf_text(report)  # kept in the history, printed nowhere


def test_a_complete_period_issues_without_confirmation(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    accept(committed, world, quarter.school, quarter.period, figures={ADULTS: (100, 400)})
    report = open_report(quarter, **READY)
    consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version)
    assert CommuneReportTransition.objects.get(report=report).reason == ""
    assert "incomplete" not in AuditEntry.objects.get(action="commune_report.issued", target_id=report.pk).changes


def _issue_form(report: Any, **changes: str) -> dict[str, str]:
    data = {"version": str(report.version), "number": report.number, "symbol": report.symbol,
            "issue_date": report.issue_date.strftime("%d/%m/%Y"), "place": report.place, "title": report.title,
            "highlights": report.highlights, "difficulties": "", "proposals": "", "next_steps": "",
            "recipients": "\n".join(report.recipients), "signer_authority": report.signer_authority,
            "signer_deputy": report.signer_deputy, "signer_position": report.signer_position,
            "signer_name": report.signer_name}
    data.update(changes)
    return data


def test_the_issue_form_lists_what_is_incomplete_and_asks_for_confirmation(incomplete: Quarter) -> None:
    world = incomplete.world
    client = login(world.admin_a)
    report = open_report(incomplete, **READY)
    detail = reverse("commune_report_detail", kwargs={"commune_report_pk": report.pk})
    page = client.get(detail).content.decode()
    awaiting = page[page.index('id="awaiting-review"'):]
    assert "Trường Tiểu học Ánh Dương" in awaiting[:awaiting.index("</ul>")]
    missing = page[page.index('id="not-reported"'):]
    assert "Công an xã A" in missing[:missing.index("</ul>")]
    assert "Thôn Một" not in page[page.index('id="issue-incomplete"'):page.index("</fieldset>")]
    issue_url = reverse("commune_report_issue", kwargs={"commune_report_pk": report.pk})
    refused = client.post(issue_url, _issue_form(report))
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "phải xác nhận ban hành khi số liệu chưa đầy đủ" in body
    assert "Phải ghi lý do ban hành khi số liệu chưa đầy đủ." in body
    report.refresh_from_db()
    assert report.state == CommuneReportState.DRAFT
    typed = client.post(issue_url, _issue_form(report, incomplete_reason="Đã nhắc các đơn vị"))
    assert typed.status_code == 200 and "Đã nhắc các đơn vị" in typed.content.decode()  # kept for the retry
    report.refresh_from_db()
    done = client.post(issue_url, _issue_form(report, incomplete_confirmed="on", incomplete_reason="Đã nhắc các đơn vị"))
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED
    history = client.get(detail).content.decode()
    assert "Đã nhắc các đơn vị" in history[history.index('id="history"'):]
    assert 'id="issue-incomplete"' not in history


def test_the_recompute_button_clears_a_change_whose_recompute_was_lost(
        quarter: Quarter, committed: Callable[[], Any], django_capture_on_commit_callbacks: Any) -> None:
    world = quarter.world
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happens (a lost message)
        _edit(world, _row_of(_target(world, VNEID), value=D(75)))
    assert plan_rollups_pending(plan=world.plan_a)
    with committed():
        response = login(world.admin_a).post(reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk}))
    assert response.status_code == 302
    assert _rollup(world, VNEID).target == D(75)
    assert not plan_rollups_pending(plan=world.plan_a)


def test_a_reopened_first_quarter_reaches_the_provinces_later_quarter(quarter: Quarter,
                                                                      committed: Callable[[], Any]) -> None:
    world = quarter.world
    q2 = quarter.period.plan.periods.get(year=2026, quarter=2)
    accept(committed, world, world.unit_a, q2, figures={ADULTS: (400, 1000), NEWS: 20, VNEID: (600, 1000)})
    assert (_rollup(world, NEWS, 2).ytd_value, _province(world, NEWS, 2).ytd_value) == (D(90), D(90))
    village = services.unit_report_open(period=quarter.period, unit=quarter.village)
    with committed():
        services.unit_report_reopen(report=village, actor=world.admin_a, version=village.version, reason="Sai số")
    # The village's 30 Q1 articles leave the commune's and the province's Q2 year to date.
    assert (_rollup(world, NEWS, 2).ytd_value, _province(world, NEWS, 2).ytd_value) == (D(60), D(60))


def test_issuing_a_plan_makes_the_province_count_it(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    newer = PlanFactory(commune=world.commune_a)  # a newer draft carries the commune's year for now…
    periods.reporting_periods_sync(plan=newer)
    province_rollup_compute(province_id=world.province_p.pk, year=2026, quarter=1)
    assert not ProvinceRollup.objects.filter(province=world.province_p, indicator=ind(NEWS)).exists()
    with committed():  # …until the older one is issued: an issued plan comes first
        plan_issue(plan=world.plan_a, actor=world.admin_a, version=None)
    assert _province(world, NEWS).ytd_value == D(70)
