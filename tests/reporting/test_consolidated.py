"""The commune's consolidated report: services and workflow, the content of the three quarterly
documents, and the pages per role."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import AuditEntry
from campaigns.selectors.access import resolve_access
from portal.errors import ConflictError
from reporting.documents import content, storage
from reporting.models import (
    CommuneReport,
    CommuneReportState,
    CommuneReportTransition,
    CommuneRollup,
    DocumentKind,
    PeriodKind,
    ReportingPeriod,
    UnitReport,
)
from reporting.selectors import reports as selectors
from reporting.services import commune_reports as consolidated
from reporting.services import periods
from tests.conftest import World, login
from tests.factories import (
    CommuneFactory,
    PlanFactory,
    TaskFactory,
    UnitFactory,
)
from tests.quarter import ADULTS, CONFIRM, NEWS, VNEID, Quarter, accept, ind, issue, open_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "media")]



def current(report: CommuneReport) -> storage.DocumentStatus:
    return storage.document_current(kind=DocumentKind.COMMUNE_REPORT, source=report)


# --- Opening and editing -------------------------------------------------------------------


def test_open_prefills_the_draft_from_the_plan_and_is_idempotent(quarter: Quarter) -> None:
    world = quarter.world
    report = consolidated.commune_report_open(period=quarter.period, actor=world.admin_a)
    assert report.state == CommuneReportState.DRAFT and report.commune == world.commune_a
    assert report.title == ("Kết quả thực hiện Phong trào “Bình dân học vụ số” quý I năm 2026 trên địa bàn "
                            "xã Bí Mật Tuyệt Đối")
    assert report.place == world.plan_a.place and report.symbol == "BC-UBND"
    assert (report.signer_authority, report.signer_deputy, report.signer_position, report.signer_name) == (
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Hòa")
    assert report.recipients[0] == "Sở Khoa học và Công nghệ (b/c);"
    assert report.recipients[-1] == "Lưu: VT, VHXH."
    again = consolidated.commune_report_open(period=quarter.period, actor=world.admin_a)
    assert again.pk == report.pk and CommuneReport.objects.count() == 1
    assert AuditEntry.objects.filter(action="commune_report.open", target_id=report.pk).count() == 1


def test_a_party_plan_gets_the_party_symbol_and_archive_line(world: World) -> None:
    plan = PlanFactory(commune=world.commune_b, issuer_kind="dang_uy", symbol="KH/ĐU",
                       issuing_body="ĐẢNG ỦY XÃ BÊN CẠNH", parent_body="ĐẢNG BỘ TỈNH PHÍA BẮC")
    periods.reporting_periods_sync(plan=plan)
    period = ReportingPeriod.objects.get(plan=plan, year=2026, quarter=2)
    report = consolidated.commune_report_open(period=period, actor=world.admin_b)
    assert report.symbol == "BC/ĐU" and report.recipients[-1] == "Lưu Văn phòng Đảng ủy."
    assert "quý II năm 2026" in report.title


def test_an_adhoc_period_has_no_consolidated_report(world: World) -> None:
    period = periods.adhoc_period_create(plan=world.plan_a, actor=world.admin_a, title="Báo cáo nhanh",
                                          year=2026, opens_on=date(2026, 5, 1), deadline=date(2026, 5, 10))
    assert period.kind == PeriodKind.ADHOC
    with pytest.raises(ValidationError):
        consolidated.commune_report_open(period=period, actor=world.admin_a)
    assert not CommuneReport.objects.exists()


def test_update_normalises_text_and_audits_old_and_new(quarter: Quarter) -> None:
    report = open_report(quarter)
    decomposed = unicodedata.normalize("NFD", "Khó khăn về thiết bị")
    report = consolidated.commune_report_update(
        report=report, actor=quarter.world.admin_a, version=report.version,
        fields={"number": "7", "difficulties": decomposed, "recipients": "- Sở Khoa học và Công nghệ;\n\n- Lưu: VT."})
    report.refresh_from_db()
    assert report.number == "07"  # Nghị định 30: a number below 10 takes a leading zero
    assert report.difficulties == "Khó khăn về thiết bị" and unicodedata.is_normalized("NFC", report.difficulties)
    assert report.recipients == ["Sở Khoa học và Công nghệ;", "Lưu: VT."]
    assert report.version == 2
    entry = AuditEntry.objects.get(action="commune_report.update", target_id=report.pk)
    assert entry.changes["number"] == ["", "07"] and entry.actor == quarter.world.admin_a


def test_update_refuses_a_number_that_is_not_a_number_and_changes_nothing(quarter: Quarter) -> None:
    report = open_report(quarter)
    with pytest.raises(ValidationError) as caught:
        consolidated.commune_report_update(report=report, actor=None, version=report.version,
                                           fields={"number": "12/BC", "title": "Khác"})
    assert "number" in caught.value.error_dict
    report.refresh_from_db()
    assert report.number == "" and report.title.startswith("Kết quả") and report.version == 1


def test_a_stale_version_is_a_conflict(quarter: Quarter) -> None:
    report = open_report(quarter)
    consolidated.commune_report_update(report=report, actor=None, version=1, fields={"number": "3"})
    with pytest.raises(ConflictError):
        consolidated.commune_report_update(report=report, actor=None, version=1, fields={"number": "4"})
    with pytest.raises(ConflictError):
        consolidated.commune_report_issue(report=report, actor=None, version=1)
    report.refresh_from_db()
    assert report.number == "03" and report.state == CommuneReportState.DRAFT


# --- Issuing -------------------------------------------------------------------------------


def test_issue_requires_number_date_and_signer(quarter: Quarter) -> None:
    report = open_report(quarter, signer_name="")
    with pytest.raises(ValidationError) as caught:
        consolidated.commune_report_issue(report=report, actor=quarter.world.admin_a, version=report.version)
    assert {"number", "issue_date", "signer_name"} <= set(caught.value.error_dict)
    report.refresh_from_db()
    assert report.state == CommuneReportState.DRAFT and not CommuneReportTransition.objects.exists()
    assert current(report).document is None


def test_issue_renders_a_frozen_pdf_and_records_the_signer(quarter: Quarter) -> None:
    report = issue(quarter)
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED and report.issued_by == quarter.world.admin_a
    assert report.issued_at is not None
    status = current(report)
    assert status.is_frozen and status.document is not None and status.document.pages >= 2
    assert default_storage.open(str(status.document.file.name)).read().startswith(b"%PDF")
    transition = CommuneReportTransition.objects.get(report=report)
    assert (transition.from_state, transition.to_state, transition.actor) == ("draft", "issued", quarter.world.admin_a)
    audit = AuditEntry.objects.get(action="commune_report.issued", target_id=report.pk)
    assert audit.changes["signer_name"] == [None, "Nguyễn Văn Hòa"] and audit.changes["number"] == [None, "05"]
    document_audit = AuditEntry.objects.get(action="commune_report.document", target_id=report.pk)
    assert document_audit.changes["document"][1]["sha256"] == status.document.sha256


def test_an_issued_report_cannot_be_edited_or_issued_again(quarter: Quarter) -> None:
    report = issue(quarter)
    with pytest.raises(ValidationError):
        consolidated.commune_report_update(report=report, actor=None, version=report.version, fields={"title": "X"})
    with pytest.raises(ValidationError):
        consolidated.commune_report_issue(report=report, actor=None, version=report.version)


def test_a_change_after_issue_does_not_re_render_the_issued_pdf(quarter: Quarter, committed: Callable[[], Any]) -> None:
    report = issue(quarter)
    signed = current(report).document
    assert signed is not None
    before = CommuneRollup.objects.get(plan=quarter.world.plan_a, indicator=ind(ADULTS), quarter=1).value
    # A third unit's report is accepted after the issue: the figures move on…
    accept(committed, quarter.world, quarter.school, quarter.period, figures={ADULTS: (900, 1000)})
    after = CommuneRollup.objects.get(plan=quarter.world.plan_a, indicator=ind(ADULTS), quarter=1).value
    assert after != before
    status = current(report)
    assert status.is_stale and status.is_frozen and status.is_servable  # …the signed PDF does not
    kept = storage.document_ensure(kind=DocumentKind.COMMUNE_REPORT, source=report)
    assert (kept.pk, kept.sha256, kept.file.name) == (signed.pk, signed.sha256, signed.file.name)
    again = storage.document_render_and_store(kind=DocumentKind.COMMUNE_REPORT, source=report)
    assert again.sha256 == signed.sha256
    response = login(quarter.world.admin_a).get(reverse("commune_report_pdf", kwargs={"commune_report_pk": report.pk}))
    assert response.status_code == 200 and response["ETag"] == f'"{signed.sha256}"'


# --- The province's review -----------------------------------------------------------------


def test_return_requires_a_reason(quarter: Quarter) -> None:
    report = issue(quarter)
    with pytest.raises(ValidationError) as caught:
        consolidated.commune_report_return(report=report, actor=quarter.world.reviewer_p, version=report.version,
                                           reason="  ")
    assert "reason" in caught.value.error_dict
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED


def test_only_an_issued_report_is_acknowledged_or_returned(quarter: Quarter) -> None:
    report = open_report(quarter)
    with pytest.raises(ValidationError):
        consolidated.commune_report_acknowledge(report=report, actor=quarter.world.reviewer_p, version=report.version)
    with pytest.raises(ValidationError):
        consolidated.commune_report_return(report=report, actor=quarter.world.reviewer_p, version=report.version,
                                           reason="Thiếu số liệu")


def test_acknowledge_records_the_transition_and_tells_the_admins(quarter: Quarter,
                                                                 committed: Callable[[], Any]) -> None:
    report = issue(quarter)
    mail.outbox.clear()  # the unit reports' acceptance notices
    with committed():
        consolidated.commune_report_acknowledge(report=report, actor=quarter.world.reviewer_p, version=report.version)
    report.refresh_from_db()
    assert report.state == CommuneReportState.ACKNOWLEDGED
    assert list(report.transitions.values_list("to_state", flat=True)) == ["issued", "acknowledged"]
    assert AuditEntry.objects.filter(action="commune_report.acknowledged", actor=quarter.world.reviewer_p).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [quarter.world.admin_a.email]
    assert "đã tiếp nhận" in mail.outbox[0].subject


def test_reissue_after_return_makes_a_new_frozen_pdf_and_keeps_the_returned_one(
        quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    report = issue(quarter)
    first = current(report).document
    assert first is not None
    first_name = str(first.file.name)
    first_bytes = default_storage.open(first_name).read()
    with committed():
        consolidated.commune_report_return(report=report, actor=world.reviewer_p, version=report.version,
                                           reason="Bổ sung số liệu của trường học")
    report.refresh_from_db()
    assert report.state == CommuneReportState.RETURNED
    assert "bị tỉnh trả lại" in mail.outbox[-1].subject and "Bổ sung số liệu" in mail.outbox[-1].body
    returned = current(report).document
    assert returned is not None and returned.sha256 == first.sha256  # the returned PDF stays as returned
    with committed():
        report = consolidated.commune_report_update(report=report, actor=world.admin_a, version=report.version,
                                                    fields={"number": "9", "issue_date": date(2026, 4, 20)})
        report = consolidated.commune_report_issue(report=report, actor=world.admin_a, version=report.version,
                                                   **CONFIRM)
    second = current(report).document
    assert second is not None and second.is_frozen and second.sha256 != first.sha256
    assert not default_storage.exists(first_name)  # the storage replaced the file…
    superseded = AuditEntry.objects.get(action="commune_report.issued", target_id=report.pk,
                                        changes__has_key="superseded_document").changes["superseded_document"]
    assert superseded["sha256"] == first.sha256  # …and the returned one was kept first
    assert default_storage.open(superseded["file"]).read() == first_bytes
    assert list(report.transitions.values_list("to_state", flat=True)) == ["issued", "returned", "issued"]


def test_mail_failure_does_not_undo_the_decision(quarter: Quarter, committed: Callable[[], Any],
                                                 settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.reporting.test_consolidated.BrokenBackend"
    report = issue(quarter)
    with committed():
        consolidated.commune_report_acknowledge(report=report, actor=quarter.world.reviewer_p, version=report.version)
    report.refresh_from_db()
    assert report.state == CommuneReportState.ACKNOWLEDGED


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("SMTP down")


# --- Content -------------------------------------------------------------------------------


def test_the_commune_report_content_comes_from_rollups_and_accepted_reports(quarter: Quarter) -> None:
    report = open_report(quarter)
    doc = content.commune_report_content(report=report)
    rows = {row.code: row for row in doc.indicators}
    # 500 / 2000 = 25 %, from the counts (never an average of the units' percentages).
    assert (rows[ADULTS].quarter, rows[ADULTS].target, rows[ADULTS].units) == ("25,0", "80,0", "2/3")
    assert rows[ADULTS].status_label == "Đúng tiến độ" and rows[ADULTS].achievement == "31,3%"
    assert (rows[NEWS].ytd, rows[NEWS].unit_of_measure) == ("70", "tin, bài")
    assert [row.code for row in doc.indicators] == [ADULTS, NEWS, VNEID]  # the plan's order
    assert [chart.title.split(":")[0] for chart in doc.charts] == ["Biểu đồ 1. " + ind(ADULTS).short_name,
                                                                     "Biểu đồ 2. " + ind(VNEID).short_name]
    assert "<svg" in doc.charts[0].svg and "Liberation Serif" in doc.charts[0].svg and "25,0%" in doc.charts[0].svg
    tasks = {row.title: row for row in doc.tasks}
    assert (tasks[quarter.world.task_a.title].done, tasks[quarter.world.task_a.title].status) == (1, "Hoàn thành")
    classes = tasks["Mở lớp “Bình dân học vụ số” tại thôn, tổ dân phố"]
    assert (classes.in_progress, classes.quantity, classes.deliverables) == (1, "3", "12 lớp học")
    assert (doc.completeness.expected, doc.completeness.received, doc.completeness.accepted) == (3, 2, 2)
    assert [u.unit for u in doc.units] == ["Thôn Một", "Tổ Ẩn Danh Số Một", "Trường Tiểu học Ánh Dương"]
    assert doc.header.reference == "Số: \u2002\u2002\u2002/BC-UBND"
    assert doc.intro.startswith("Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2026 của UBND xã Bí Mật Tuyệt Đối")


def test_the_unit_report_content(quarter: Quarter) -> None:
    report = UnitReport.objects.get(period=quarter.period, unit=quarter.village)
    doc = content.unit_report_content(report=report)
    assert doc.header.issuing_body == "THÔN MỘT" and doc.header.parent_body == "UBND XÃ BÍ MẬT TUYỆT ĐỐI"
    values = {v.code: v for v in doc.values}
    assert (values[ADULTS].result, values[ADULTS].detail, values[ADULTS].target) == ("20,0", "200/1.000", "80,0")
    assert values[NEWS].result == "30"
    assert [t.status for t in doc.tasks] == ["Đang triển khai"]
    assert doc.sections[0].heading == "III. KẾT QUẢ NỔI BẬT"


def _queries(build: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        build()
    return len(captured.captured_queries)


def test_content_reads_take_a_constant_number_of_queries(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    report = open_report(quarter)
    province = content.ProvinceQuarter(province=world.province_p, year=2026, quarter=1)
    client = login(world.admin_a)
    client.get(_detail(report))  # warm the session
    small = (_queries(lambda: content.commune_report_content(report=report)),
             _queries(lambda: content.province_summary_content(source=province)),
             _queries(lambda: client.get(_detail(report))))
    # More units, tasks, reports and communes: the same number of queries.
    for n in range(3):
        unit = UnitFactory(commune=world.commune_a, name=f"Tổ dân phố {n}")
        world.target_a.reporting_units.add(unit)
        TaskFactory(plan=world.plan_a, lead_unit=unit, title=f"Nhiệm vụ thêm {n}")
        accept(committed, world, unit, quarter.period, figures={ADULTS: (10, 100)})
        other = CommuneFactory(province=world.province_p, name=f"Thêm {n}")
        other_plan = PlanFactory(commune=other)
        periods.reporting_periods_sync(plan=other_plan)
    big = (_queries(lambda: content.commune_report_content(report=report)),
           _queries(lambda: content.province_summary_content(source=province)),
           _queries(lambda: client.get(_detail(report))))
    assert big == small


def test_province_summary_content(quarter: Quarter, committed: Callable[[], Any]) -> None:
    world = quarter.world
    from reporting.rollups.compute import province_rollup_compute

    province_rollup_compute(province_id=world.province_p.pk, year=2026, quarter=1)
    doc = content.province_summary_content(
        source=content.ProvinceQuarter(province=world.province_p, year=2026, quarter=1))
    assert [c.name for c in doc.communes] == ["Xã Bên Cạnh", "Xã Bí Mật Tuyệt Đối"]  # Vietnamese order
    commune_a = doc.communes[1]
    expected = selectors.period_completeness(period=quarter.period)
    assert (commune_a.expected, commune_a.received, commune_a.accepted) == (
        expected.expected, expected.received, expected.accepted)
    codes = [i.code for i in doc.indicators]
    assert ADULTS in codes and doc.indicators[codes.index(ADULTS)].ytd == "25,0"
    assert commune_a.report_state == "Chưa lập"
    assert doc.header.parent_body == "UBND TỈNH PHÍA BẮC" and doc.header.issuing_body == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert doc.at_risk == [c for c in doc.communes if c.at_risk]


# --- Pages ---------------------------------------------------------------------------------


def _detail(report: CommuneReport) -> str:
    return reverse("commune_report_detail", kwargs={"commune_report_pk": report.pk})


def test_the_period_page_drop_in(quarter: Quarter) -> None:
    world = quarter.world

    def drop_in(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return render_to_string("reporting/commune_report_link.html",
                                {"period": quarter.period, "access": resolve_access(user)}, request=request)

    open_url = reverse("commune_report_open", kwargs={"period_pk": quarter.period.pk})
    assert open_url in drop_in(world.admin_a)
    assert open_url not in drop_in(world.viewer_a) and "chưa lập báo cáo tổng hợp" in drop_in(world.viewer_a)
    report = open_report(quarter)
    for user in (world.admin_a, world.viewer_a, world.reviewer_p):
        assert _detail(report) in drop_in(user) and open_url not in drop_in(user)


def test_the_admin_opens_the_report_from_the_period(quarter: Quarter) -> None:
    client = login(quarter.world.admin_a)
    url = reverse("commune_report_open", kwargs={"period_pk": quarter.period.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    report = CommuneReport.objects.get(period=quarter.period)
    assert response.status_code == 302 and response["Location"] == _detail(report)
    assert client.post(url)["Location"] == _detail(report)  # opens the same draft
    for user in (quarter.world.viewer_a, quarter.world.reviewer_p, quarter.world.admin_b):
        assert login(user).post(url).status_code == 404
    assert CommuneReport.objects.count() == 1


def test_the_report_page_per_role(quarter: Quarter) -> None:
    world = quarter.world
    report = open_report(quarter)
    for user in (world.admin_a, world.viewer_a, world.reviewer_p):
        page = login(user).get(_detail(report))
        assert page.status_code == 200
        body = page.content.decode()
        assert "Kết quả thực hiện các chỉ tiêu" in body and "<svg" in body
        assert ('id="edit"' in body) == (user == world.admin_a)
        assert 'id="review"' not in body  # a draft is not the province's to review
    for user in (world.reporter_a, world.admin_b, world.reviewer_q, world.admin_c):
        assert login(user).get(_detail(report)).status_code == 404
    assert login(world.viewer_a).post(_detail(report), {"title": "X"}).status_code == 403


def _form(report: CommuneReport, **changes: str) -> dict[str, str]:
    data = {"version": str(report.version), "number": report.number, "symbol": report.symbol,
            "issue_date": "", "place": report.place, "title": report.title, "highlights": "",
            "difficulties": "", "proposals": "", "next_steps": "", "recipients": "\n".join(report.recipients),
            "signer_authority": report.signer_authority, "signer_deputy": report.signer_deputy,
            "signer_position": report.signer_position, "signer_name": report.signer_name}
    data.update(changes)
    return data


def test_the_admin_edits_then_issues_from_the_page(quarter: Quarter) -> None:
    client = login(quarter.world.admin_a)
    report = open_report(quarter)
    response = client.post(_detail(report), _form(report, number="8", issue_date="02/04/2026",
                                                  recipients="Sở Khoa học và Công nghệ;\nLưu: VT, VHXH."))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.number, report.issue_date, report.recipients) == (
        "08", date(2026, 4, 2), ["Sở Khoa học và Công nghệ;", "Lưu: VT, VHXH."])
    stale = client.post(_detail(report), _form(report, number="9", version="1"))
    assert stale.status_code == 409 and "vừa được người khác cập nhật" in stale.content.decode()
    issue_url = reverse("commune_report_issue", kwargs={"commune_report_pk": report.pk})
    report.refresh_from_db()
    response = client.post(issue_url, _form(report, issue_date="02/04/2026", highlights="Kết quả nổi bật quý",
                                            incomplete_confirmed="on", incomplete_reason="Trường chưa báo cáo"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED and report.highlights == "Kết quả nổi bật quý"
    page = client.get(_detail(report)).content.decode()
    assert 'id="edit"' not in page and "Tải bản PDF đã ban hành" in page
    pdf = client.get(reverse("commune_report_pdf", kwargs={"commune_report_pk": report.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_issuing_without_a_number_says_what_is_missing(quarter: Quarter) -> None:
    client = login(quarter.world.admin_a)
    report = open_report(quarter)
    response = client.post(reverse("commune_report_issue", kwargs={"commune_report_pk": report.pk}),
                           _form(report, number=""))
    assert response.status_code == 200 and "Phải có số văn bản." in response.content.decode()
    report.refresh_from_db()
    assert report.state == CommuneReportState.DRAFT


def test_the_reviewer_acknowledges_or_returns_from_the_page(quarter: Quarter) -> None:
    world = quarter.world
    report = issue(quarter)
    reviewer = login(world.reviewer_p)
    page = reviewer.get(_detail(report)).content.decode()
    assert 'id="review"' in page and "Tiếp nhận" in page
    return_url = reverse("commune_report_return", kwargs={"commune_report_pk": report.pk})
    missing = reviewer.post(return_url, {"return-version": report.version, "return-reason": ""})
    assert missing.status_code == 200 and "Phải ghi lý do trả lại báo cáo." in missing.content.decode()
    for user in (world.admin_a, world.viewer_a, world.reviewer_q):
        assert login(user).post(return_url, {"return-version": report.version, "return-reason": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED
    response = reviewer.post(return_url, {"return-version": report.version, "return-reason": "Thiếu số liệu"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == CommuneReportState.RETURNED
    admin_page = login(world.admin_a).get(_detail(report)).content.decode()
    assert "Thiếu số liệu" in admin_page and 'id="edit"' in admin_page


def test_acknowledge_from_the_page(quarter: Quarter) -> None:
    report = issue(quarter)
    url = reverse("commune_report_acknowledge", kwargs={"commune_report_pk": report.pk})
    response = login(quarter.world.reviewer_p).post(url, {"ack-version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == CommuneReportState.ACKNOWLEDGED


def test_pdf_links_per_role(quarter: Quarter) -> None:
    world = quarter.world
    report = UnitReport.objects.get(period=quarter.period, unit=world.unit_a)
    unit_pdf = reverse("unit_report_pdf", kwargs={"report_pk": report.pk})
    for user in (world.reporter_a, world.admin_a, world.viewer_a, world.reviewer_p):
        response = login(user).get(unit_pdf)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    for user in (world.reporter_a2, world.admin_b, world.reviewer_q):
        assert login(user).get(unit_pdf).status_code == 404
    summary = reverse("province_summary_pdf", kwargs={"province_code": "PP", "year": 2026, "quarter": 1})
    assert login(world.reviewer_p).get(summary).status_code == 200
    for user in (world.reviewer_q, world.admin_a):
        assert login(user).get(summary).status_code == 404
    wrong = reverse("province_summary_pdf", kwargs={"province_code": "PP", "year": 2026, "quarter": 5})
    assert login(world.reviewer_p).get(wrong).status_code == 404


# --- Statuses as shown (issue 13) ----------------------------------------------------------


def test_the_consolidated_report_judges_no_indicator_before_the_unit_deadline(quarter: Quarter) -> None:
    """The report's indicator table reads statuses through rollup_status, as the pages do."""
    from tests import rollup_data as data

    plan = quarter.world.plan_a
    CommuneRollup.objects.filter(plan=plan, year=2026, quarter=1).update(status="off_track")
    report = open_report(quarter)
    data.deadlines(plan, passed=(), next_in=5)
    early = content.commune_report_content(report=report)
    assert {row.status for row in early.indicators} == {"not_due"}
    assert {row.status_label for row in early.indicators} == {"Chưa đến hạn"}
    assert "chậm" not in early.indicator_summary.lower() and "chưa đến hạn" in early.indicator_summary
    data.deadlines(plan, passed=(1,))
    due = content.commune_report_content(report=report)
    # Both units reported every indicator: past the deadline the stored judgement stands.
    assert {row.status for row in due.indicators} == {"off_track"}
    assert {row.status_label for row in due.indicators} == {"Chậm tiến độ"}
