"""axe-core on the main pages of each role, at desktop and phone size: no violation of impact
"serious" or "critical" (missing labels or names, low contrast, a wrong lang, broken landmarks,
targets too small for a finger…), and no page wider than its viewport. The skip link works from
the keyboard.

The pages are checked with data in them (a report accepted, so the progress pages show figures and
statuses) and in their error states (a refused login, a report sent with gaps), where colours and
alerts differ from the calm page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portal.scoping import scopes_disabled
from reporting.models import ReportState
from reporting.services.unit_reports import (
    ProgressInput,
    ReportInput,
    ValueInput,
    unit_report_accept,
    unit_report_open,
    unit_report_save,
    unit_report_submit,
)
from tests.browser.conftest import (
    Browsing,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    login,
    open_window,
)
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORTS = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


class Audit:
    """Visits pages, screenshots them, and collects their blocking violations."""

    def __init__(self, browsing: Browsing) -> None:
        self.browsing = browsing
        self.problems: list[str] = []

    def check(self, page: Page, name: str) -> None:
        self.browsing.shots.take(page, name)
        violations = axe_violations(page)
        if violations:
            self.problems.append(describe_violations(f"{name} ({page.url})", violations))
        if overflow := horizontal_overflow(page):
            self.problems.append(f"{name} ({page.url}): {overflow}")

    def visit(self, page: Page, url: str, name: str, *, ready: Callable[[Page], Any] | None = None) -> None:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{name}: {url} answered {response and response.status}"
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        if ready is not None:
            ready(page)
        self.check(page, name)

    def assert_clean(self) -> None:
        if self.problems:
            pytest.fail("\n\n".join(self.problems), pytrace=False)


@pytest.fixture
def world_with_data(live_world: World) -> World:
    """Unit A's quarter accepted (figures on the progress pages); unit A2 also owes the target, with
    its report still a draft so its reporter sees the form."""
    world = live_world
    open_window(world.period_a)
    with scopes_disabled():
        world.target_a.reporting_units.add(world.unit_a2)
        data = ReportInput(
            values={world.target_a.indicator_id: ValueInput(numerator=Decimal(450), denominator=Decimal(900),
                                                            source="Rà soát danh sách thôn")},
            progress={world.task_a.pk: ProgressInput(status="in_progress", narrative="Đã tổ chức 3 buổi")},
            highlights="Tổ chức 12 buổi học cộng đồng")
        report = unit_report_save(report=world.report_a, actor=world.reporter_a, version=world.report_a.version,
                                  data=data).report
        report = unit_report_submit(report=report, actor=world.reporter_a, version=report.version)
        report = unit_report_accept(report=report, actor=world.admin_a, version=report.version)
        assert report.state == ReportState.ACCEPTED
        unit_report_open(period=world.period_a, unit=world.unit_a2)
    return world


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_login_page_is_accessible(browsing: Browsing, live_world: World, phone: bool) -> None:
    audit = Audit(browsing)
    page = browsing.new_page(phone=phone)
    audit.visit(page, "/accounts/login/", "login")
    page.get_by_label("Tài khoản đăng nhập").fill(live_world.admin_a.username)
    page.get_by_label("Mật khẩu").fill("not-the-password")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("main")).to_contain_text("không đúng")
    audit.check(page, "login-refused")
    audit.assert_clean()


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_commune_admin_pages_are_accessible(browsing: Browsing, world_with_data: World, phone: bool) -> None:
    world = world_with_data
    audit = Audit(browsing)
    page = browsing.login(world.admin_a, phone=phone)
    plan = world.plan_a.pk
    audit.visit(page, "/", "commune-dashboard-now")
    audit.visit(page, f"/communes/{world.commune_a.code}/dashboard/?year=2026&quarter=1", "commune-dashboard",
                ready=lambda p: expect(p.locator("[data-fig='ytd']").first).to_have_text("50,0%"))
    audit.visit(page, f"/communes/{world.commune_a.code}/", "commune-units-and-users")
    audit.visit(page, f"/plans/{plan}/", "plan-detail")
    audit.visit(page, f"/plans/{plan}/targets/", "targets-grid")
    audit.visit(page, f"/plans/{plan}/tasks/", "tasks")
    audit.visit(page, f"/plans/{plan}/reporting/", "plan-reporting")
    audit.visit(page, f"/periods/{world.period_a.pk}/", "period")
    audit.visit(page, f"/reports/{world.report_a.pk}/", "report-accepted-review")
    audit.visit(page, f"/plans/{plan}/progress/", "plan-progress",
                ready=lambda p: expect(p.locator("td[data-quarter='1']").first).to_contain_text("50,0%"))
    audit.visit(page, reverse("account_change_password"), "password-change")
    audit.visit(page, reverse("api_tokens"), "api-tokens")
    audit.assert_clean()


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_unit_reporter_pages_are_accessible(browsing: Browsing, world_with_data: World, phone: bool) -> None:
    world = world_with_data
    audit = Audit(browsing)
    page = browsing.login(world.reporter_a2, phone=phone)
    audit.visit(page, "/", "reporter-home",
                ready=lambda p: expect(p.locator(f"#due li[data-period='{world.period_a.pk}']")).to_be_visible())
    audit.visit(page, f"/units/{world.unit_a2.pk}/", "unit-assignments")
    audit.visit(page, f"/units/{world.unit_a2.pk}/reports/", "unit-reports")
    with scopes_disabled():
        report = world.period_a.reports.get(unit=world.unit_a2)
    audit.visit(page, f"/reports/{report.pk}/", "report-form",
                ready=lambda p: expect(p.get_by_role("button", name="Gửi báo cáo")).to_be_visible())
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator("#missing")).to_be_visible()
    audit.check(page, "report-form-missing")
    audit.assert_clean()


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_province_reviewer_pages_are_accessible(browsing: Browsing, world_with_data: World, phone: bool) -> None:
    world = world_with_data
    audit = Audit(browsing)
    page = browsing.new_page(phone=phone)
    login(page, world.reviewer_p.username)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    audit.visit(page, f"/provinces/{world.province_p.code}/dashboard/?year=2026&quarter=1", "province-dashboard",
                ready=lambda p: expect(p.locator("tr[data-row='province']")).to_contain_text("50,0%"))
    audit.visit(page, f"/provinces/{world.province_p.code}/", "province-communes")
    audit.visit(page, f"/provinces/{world.province_p.code}/progress/?year=2026&quarter=1", "province-progress",
                ready=lambda p: expect(p.locator("tr[data-row='province']")).to_contain_text("50,0%"))
    audit.visit(page, f"/communes/{world.commune_a.code}/dashboard/?year=2026&quarter=1", "province-commune-dashboard")
    audit.assert_clean()


def test_skip_link_takes_keyboard_users_to_the_content(browsing: Browsing, live_world: World) -> None:
    page = browsing.login(live_world.admin_a)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # hidden until focused, then shown
    browsing.shots.take(page, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
