"""One quarter, end to end, in a real browser: the commune admin sets a target, a unit reporter
fills the quarter's report on a phone (the draft saves itself), the admin returns it with a reason,
the reporter fixes and resends it, the admin accepts it, the figure shows on the commune's
dashboard, its progress page and in the PDFs, and the province reviewer sees it on the province
dashboard (heat table) and progress table.

Each step goes through the links a person would follow and asserts on what the page shows; the
database is checked where a page alone could hide a wrong write.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pdfplumber
import pytest
from playwright.sync_api import Page, expect

from portal.scoping import scopes_disabled
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    ReportState,
    ReportTransition,
    UnitReport,
)
from targets.models import Target
from tests.browser.conftest import Browsing, assert_accessible, open_window
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INDICATOR = "ADULTS_DIGITAL_SKILLS"
RETURN_REASON = "Mẫu số phải là số người trưởng thành của cả tổ theo danh sách thôn (1.200 người), không phải 900."


def test_quarterly_report_journey(browsing: Browsing, live_world: World) -> None:
    world = live_world
    open_window(world.period_a)

    admin = browsing.login(world.admin_a)
    admin_sets_target(browsing, admin, world)

    reporter = browsing.login(world.reporter_a, phone=True)
    reporter_submits_first_draft(browsing, reporter, world)

    admin_returns_report(browsing, admin, world)
    reporter_fixes_and_resubmits(browsing, reporter, world)
    admin_accepts_report(browsing, admin, world)

    commune_sees_new_figure(browsing, admin, world)
    pdfs_download(browsing, admin, world)

    reviewer = browsing.login(world.reviewer_p)
    province_sees_commune_figure(browsing, reviewer, world)


# --- Steps --------------------------------------------------------------------------------------


def admin_sets_target(browsing: Browsing, page: Page, world: World) -> None:
    """Commune dashboard → plan → targets grid: the 2026 target goes from 80 % to 85 %."""
    expect(page).to_have_url(re.compile(rf"/communes/{world.commune_a.code}/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.commune_a.official_name)
    browsing.shots.take(page, "admin-commune-dashboard-empty")
    page.get_by_role("link", name="Đơn vị, người dùng và các kế hoạch").click()
    page.get_by_role("link", name=world.plan_a.title).click()
    expect(page.locator("#targets-title")).to_be_visible()
    browsing.shots.take(page, "admin-plan-detail")

    page.get_by_role("link", name="Sửa chỉ tiêu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chỉ tiêu của kế hoạch")
    row = page.get_by_role("group", name="Chỉ tiêu 1", exact=True)
    value = row.get_by_label("Chỉ tiêu:", exact=True)
    expect(value).to_have_value(re.compile(r"^80([.,]0+)?$"))
    value.fill("85")
    browsing.shots.take(page, "admin-targets-grid-edited")
    page.get_by_role("button", name="Lưu tất cả chỉ tiêu").click()

    expect(page.get_by_role("status")).to_contain_text("Đã lưu chỉ tiêu của kế hoạch.")
    targets = page.locator("section", has=page.locator("#targets-title"))
    expect(targets.get_by_role("row").nth(1)).to_contain_text("85%")
    browsing.shots.take(page, "admin-plan-after-target-edit")
    with scopes_disabled():
        assert Target.objects.get(pk=world.target_a.pk).value == Decimal("85")


def reporter_submits_first_draft(browsing: Browsing, page: Page, world: World) -> None:
    """On a phone: the unit's home → the quarter; an empty send is refused; the figures save
    themselves as they are typed; the filled report is sent."""
    expect(page).to_have_url(re.compile(rf"/units/{world.unit_a.pk}/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.unit_a.name)
    due = page.locator(f"#due li[data-period='{world.period_a.pk}']")
    expect(due).to_contain_text(world.period_a.title)
    expect(due).to_contain_text("Đang soạn")
    browsing.shots.take(page, "reporter-home")
    due.get_by_role("link", name="Tiếp tục điền báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Báo cáo {world.period_a.title}")

    # Sending with nothing filled in: the page lists what is missing and nothing is sent.
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator("#missing")).to_contain_text("Chưa gửi được báo cáo. Còn thiếu:")
    browsing.shots.take(page, "reporter-send-refused")
    assert _report(world).state == ReportState.DRAFT

    # The draft saves itself a moment after typing (htmx autosave): wait for the save that
    # carries the denominator, then find both figures in the database with no button pressed.
    with page.expect_response(lambda r: r.url.endswith(f"/reports/{world.report_a.pk}/autosave/")
                              and "-denominator=900" in (r.request.post_data or "")) as autosave:
        page.get_by_label("Tử số").fill("450")
        page.get_by_label("Mẫu số").fill("900")
        # The percentage is computed in the browser as the reporter types (report-form.js).
        expect(page.locator("output[data-percent-output]")).to_have_text("50,0%")
    assert autosave.value.status == 200
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu lúc")
    draft = _report(world)
    assert draft.state == ReportState.DRAFT
    assert (_value(draft).numerator, _value(draft).denominator) == (Decimal("450"), Decimal("900"))
    page.get_by_label("Nguồn số liệu").fill("Rà soát danh sách thôn")
    page.get_by_label("Tình trạng").select_option(label="Đang triển khai")
    page.get_by_label("Kết quả thực hiện").fill("Đã tổ chức 3 buổi hướng dẫn tại nhà văn hóa thôn")
    page.get_by_label("Kết quả nổi bật").fill("450 người dân biết dùng VNeID và dịch vụ công")
    browsing.shots.take(page, "reporter-filled")
    page.get_by_role("button", name="Gửi báo cáo").click()

    expect(page.get_by_role("status")).to_contain_text("Đã gửi báo cáo")
    expect(page.locator("#status")).to_contain_text("Đã gửi")
    expect(page.locator("#report-form")).to_have_count(0)  # sent: read-only until the commune answers
    browsing.shots.take(page, "reporter-sent")
    report = _report(world)
    assert report.state == ReportState.SUBMITTED
    assert (_value(report).numerator, _value(report).denominator) == (Decimal("450"), Decimal("900"))


def admin_returns_report(browsing: Browsing, page: Page, world: World) -> None:
    """Plan → reporting calendar → the quarter → the unit's report → returned with a reason."""
    page.goto(f"/plans/{world.plan_a.pk}/")
    page.get_by_role("link", name=re.compile("Báo cáo định kỳ: kỳ báo cáo")).click()
    page.get_by_role("link", name=world.period_a.title).click()
    unit_row = page.locator(f"tr[data-unit='{world.unit_a.pk}']")
    expect(unit_row).to_contain_text("Đã gửi")
    browsing.shots.take(page, "admin-period-submitted")
    unit_row.get_by_role("link", name="Xem báo cáo").click()

    review = page.locator("#review")
    expect(review.get_by_role("heading")).to_have_text("Xem xét báo cáo")
    expect(page.locator("main")).to_contain_text("450")
    review.get_by_label("Lý do trả lại").fill(RETURN_REASON)
    browsing.shots.take(page, "admin-review-return")
    review.get_by_role("button", name="Trả lại").click()

    expect(page.get_by_role("status")).to_contain_text("Đã trả lại báo cáo để đơn vị sửa.")
    expect(page.locator("#status")).to_contain_text("Trả lại để sửa")
    browsing.shots.take(page, "admin-returned")
    report = _report(world)
    assert report.state == ReportState.RETURNED
    with scopes_disabled():
        last = report.transitions.order_by("-created_at", "-id").first()
    assert last is not None and last.reason == RETURN_REASON and last.actor_id == world.admin_a.pk


def reporter_fixes_and_resubmits(browsing: Browsing, page: Page, world: World) -> None:
    """The unit's home says the report came back and why; the reporter corrects the denominator
    and sends again."""
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Việc cần làm").click()
    due = page.locator(f"#due li[data-period='{world.period_a.pk}']")
    expect(due).to_contain_text("Trả lại để sửa")
    expect(due).to_contain_text(RETURN_REASON)
    browsing.shots.take(page, "reporter-home-returned")
    assert_accessible(page, "reporter home with a returned report (phone)")
    due.get_by_role("link", name="Sửa và gửi lại").click()

    reason = page.locator("#return-reason")
    expect(reason).to_contain_text("Xã/phường trả lại báo cáo")
    expect(reason).to_contain_text(RETURN_REASON)
    expect(page.get_by_label("Tử số")).to_have_value("450")
    browsing.shots.take(page, "reporter-sees-reason")
    assert_accessible(page, "returned report with its reason (phone)")
    page.get_by_label("Mẫu số").fill("1200")
    expect(page.locator("output[data-percent-output]")).to_have_text("37,5%")
    page.get_by_role("button", name="Gửi báo cáo").click()

    expect(page.get_by_role("status")).to_contain_text("Đã gửi báo cáo")
    expect(page.locator("#status")).to_contain_text("Đã gửi")
    browsing.shots.take(page, "reporter-resent")
    report = _report(world)
    assert report.state == ReportState.SUBMITTED
    assert _value(report).denominator == Decimal("1200")
    with scopes_disabled():
        states = list(ReportTransition.objects.filter(report=report).order_by("created_at", "id")
                      .values_list("to_state", flat=True))
    assert states[-3:] == [ReportState.SUBMITTED, ReportState.RETURNED, ReportState.SUBMITTED]


def admin_accepts_report(browsing: Browsing, page: Page, world: World) -> None:
    page.reload()
    expect(page.locator("#status")).to_contain_text("Đã gửi")
    expect(page.locator("main")).to_contain_text("1.200")
    page.locator("#review").get_by_role("button", name="Chấp nhận").click()

    expect(page.get_by_role("status")).to_contain_text("Đã chấp nhận báo cáo.")
    expect(page.locator("#status")).to_contain_text("Đã chấp nhận")
    browsing.shots.take(page, "admin-accepted")
    assert_accessible(page, "accepted report with its message")
    assert _report(world).state == ReportState.ACCEPTED
    # Accepting enqueues the rollup after the commit; tasks run eagerly, so it is done.
    with scopes_disabled():
        rollup = CommuneRollup.objects.get(commune=world.commune_a, year=2026, quarter=1,
                                           indicator__code=INDICATOR)
    assert (rollup.numerator, rollup.denominator, rollup.value) == (Decimal("450"), Decimal("1200"), Decimal("37.5"))
    assert (rollup.units_reported, rollup.units_expected) == (1, 1)


def commune_sees_new_figure(browsing: Browsing, page: Page, world: World) -> None:
    """450 of 1,200 adults = 37,5 %, against the new 85 % target: on the commune's dashboard and,
    quarter by quarter, on the plan's progress page."""
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tổng quan").click()
    expect(page).to_have_url(re.compile(rf"/communes/{world.commune_a.code}/dashboard/$"))
    # The dashboard opens on the current year; the plan is 2026's, whatever the date of the run.
    page.goto(f"/communes/{world.commune_a.code}/dashboard/?year=2026&quarter=1")
    expect(page.locator("p.db-asof")).to_contain_text("quý I/2026")
    card = page.locator(f"#indicators li[data-indicator='{INDICATOR}']")
    expect(card.locator("[data-fig='ytd']")).to_have_text("37,5%")
    expect(card.locator("[data-fig='target']")).to_have_text(re.compile(r"^85(,0+)?%$"))
    expect(card.locator("[data-fig='achievement']")).to_have_text("44,1%")
    expect(card).to_contain_text("1/1")
    unit_line = page.locator(f"#units tr[data-unit='{world.unit_a.pk}']")
    expect(unit_line).to_contain_text("Đã chấp nhận")
    browsing.shots.take(page, "admin-commune-dashboard")

    page.get_by_role("link", name="Số liệu từng quý").click()
    line = page.locator(f"table[data-year='2026'] tr[data-indicator='{INDICATOR}']")
    expect(line.locator("td.rl-target")).to_have_text(re.compile(r"^85(,0+)?%$"))
    quarter_one = line.locator("td[data-quarter='1']")
    expect(quarter_one).to_contain_text("37,5%")
    expect(quarter_one).to_contain_text("1/1")
    browsing.shots.take(page, "admin-plan-progress")


def pdfs_download(browsing: Browsing, page: Page, world: World) -> None:
    """The unit report's PDF from its page, and the commune's consolidated draft from the period page."""
    report = _report(world)
    page.goto(f"/reports/{report.pk}/")
    unit_pdf = _fetch_pdf(page, page.get_by_role("link", name="Tải báo cáo (PDF)"))
    assert world.unit_a.name in unit_pdf and "37,5" in unit_pdf

    page.goto(f"/periods/{world.period_a.pk}/")
    page.locator("#commune-report").get_by_role("button", name="Báo cáo tổng hợp của xã/phường").click()
    expect(page.get_by_role("link", name="Xem bản PDF dự thảo")).to_be_visible()
    browsing.shots.take(page, "admin-commune-report-draft")
    commune_pdf = _fetch_pdf(page, page.get_by_role("link", name="Xem bản PDF dự thảo"))
    assert "37,5" in commune_pdf


def province_sees_commune_figure(browsing: Browsing, page: Page, world: World) -> None:
    """The province dashboard's heat table, then the detailed table and the province's PDF."""
    expect(page).to_have_url(re.compile(rf"/provinces/{world.province_p.code}/dashboard/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.province_p.full_name)
    page.get_by_label("Năm", exact=True).select_option("2026")
    page.get_by_label("Quý", exact=True).select_option(label="Quý I")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("p.db-asof")).to_contain_text("quý I/2026")
    heat = page.locator(f"#heat tr[data-commune='{world.commune_a.code}'] td[data-indicator='{INDICATOR}']")
    expect(heat).to_contain_text("44,1%")
    expect(heat).to_contain_text("37,5%")
    expect(page.locator(f"#heat tr[data-commune='{world.commune_b.code}']")).to_contain_text(
        "Chưa có kế hoạch năm 2026")
    expect(page.locator(f"tr[data-commune='{world.commune_c.code}']")).to_have_count(0)  # another province
    browsing.shots.take(page, "reviewer-province-dashboard")

    page.get_by_role("link", name="Bảng số liệu chi tiết và tính lại").click()
    expect(page.locator("p.lead")).to_contain_text("quý I/2026")
    commune = page.locator(f"tr[data-commune='{world.commune_a.code}'] td[data-indicator='{INDICATOR}']")
    expect(commune).to_contain_text("37,5%")
    province_total = page.locator(f"tr[data-row='province'] td[data-indicator='{INDICATOR}']")
    expect(province_total).to_contain_text("37,5%")
    browsing.shots.take(page, "reviewer-province-progress")
    summary = _fetch_pdf(page, page.get_by_role("link", name="Báo cáo tổng hợp quý 1/2026 của tỉnh"))
    assert world.commune_a.official_name in summary and "37,5" in summary


# --- Helpers ------------------------------------------------------------------------------------


def _report(world: World) -> UnitReport:
    with scopes_disabled():
        return UnitReport.objects.get(pk=world.report_a.pk)


def _value(report: UnitReport) -> IndicatorValue:
    with scopes_disabled():
        return IndicatorValue.objects.get(report=report, indicator__code=INDICATOR)


def _fetch_pdf(page: Page, link: Any) -> str:
    """Follow a PDF link with the page's own session; return the document's text."""
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href
    response = page.context.request.get(href)
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)
