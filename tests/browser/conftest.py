"""Fixtures for the real-browser tests: Chromium through Playwright against pytest-django's live server.

One browser for all these tests (launching Chromium costs about a second), a fresh context per user and
test (cookies never leak from one user to another), a login helper that goes through the allauth
form like a person would, a phone-sized and a desktop context, full-page screenshots of every step
in ``var/screenshots/<test>/`` (or ``$SCREENSHOT_DIR/<test>/``), and an axe-core check.

The browser is the system Chromium (``$PLAYWRIGHT_CHROMIUM_EXECUTABLE``, default /usr/bin/chromium),
installed by the machine (see .ci/run): tests never download a browser.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from portal.scoping import scopes_disabled
from reporting.models import ReportingPeriod
from tests.conftest import World
from tests.factories import PASSWORD

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
# --disable-dev-shm-usage: containers give /dev/shm 64 MB, too little for long full-page screenshots.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]
BLOCKING_IMPACTS = ("serious", "critical")
# Auto-waiting assertions give up after this long: the live server renders PDFs and rollups
# in-process, and the machine may be shared.
EXPECT_TIMEOUT_MS = 15_000

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"),
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


# --- Browser ----------------------------------------------------------------------------------


# Package scope: one browser for all the browser tests (in a whole-suite run as well), stopped
# after the last of them. While the driver runs, its event loop counts as running in this thread,
# and later tests of the suite (pytest-django runs the tests without a database after these)
# must not inherit it.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    # With that loop running, Django refuses every ORM call of the test itself (fixtures,
    # database checks) as "async-unsafe" unless told otherwise. Nothing here is concurrent:
    # the live server answers in its own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # The running loop also makes asgiref hand this thread a second set of database connections
    # (context-local instead of thread-local). Keep the first: they hold the serialized
    # migration data that serialized_rollback restores, and an in-memory SQLite database is
    # shared with the live server through them.
    before = {alias: connections[alias] for alias in connections}
    driver = sync_playwright().start()
    for alias, connection in before.items():
        connections[alias] = connection
    try:
        yield driver
    finally:
        driver.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: install it (apt-get install chromium) or set "
                    "PLAYWRIGHT_CHROMIUM_EXECUTABLE. The browser tests never download one.", pytrace=False)
    instance = playwright_driver.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield instance
    instance.close()


# --- Screenshots ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120] or "test"


class Shots:
    """Full-page screenshots of one test, numbered in the order they were taken."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self.pages: list[Page] = []

    def take(self, page: Page, step: str) -> Path:
        self.count += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.count:02d}-{_slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item,
                               call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept on the item so the browsing fixture can photograph every open page when a test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    root = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")
    directory = root / _slug(request.node.name)
    if directory.exists():  # screenshots of an earlier run would mislead
        for old in directory.glob("*.png"):
            old.unlink()
    return Shots(directory)


# --- Contexts and logins ----------------------------------------------------------------------


@dataclass
class Browsing:
    """Opens a logged-in page per user; every context is closed at the end of the test."""

    browser: Browser
    base_url: str
    shots: Shots
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(self, *, phone: bool = False) -> Page:
        options: dict[str, Any] = dict(PHONE if phone else DESKTOP)
        context = self.browser.new_context(base_url=self.base_url, locale="vi-VN",
                                           timezone_id="Asia/Ho_Chi_Minh", **options)
        self.contexts.append(context)
        page = context.new_page()
        self.shots.pages.append(page)
        return page

    def login(self, user: Any, *, phone: bool = False) -> Page:
        """A page where ``user`` signed in through the login form and landed on their home page."""
        page = self.new_page(phone=phone)
        login(page, user.username)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tài khoản đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    # Home sends each role to its landing page: the signed-in menu shows the user.
    expect(page.locator(".account-menu summary")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def browsing(request: pytest.FixtureRequest, browser: Browser, live_server: Any, shots: Shots) -> Iterator[Browsing]:
    session = Browsing(browser=browser, base_url=live_server.url, shots=shots)
    yield session
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:  # what each user saw when the test failed
        for number, page in enumerate(shots.pages, start=1):
            if not page.is_closed():
                shots.take(page, f"failure-page-{number}")
    session.close()


# --- Data -------------------------------------------------------------------------------------


@pytest.fixture
def live_world(live_server: Any, django_db_serialized_rollback: None, world: World) -> World:
    """The shared World, committed so the live server's thread sees it.

    Requesting ``live_server`` turns the ``db`` fixture that ``world`` uses into a transactional
    database (pytest-django), so the same factories build it; the serialized rollback restores
    the migrations' rows (the standard indicator library) that a transactional flush removes.
    """
    return world


def open_window(period: ReportingPeriod) -> ReportingPeriod:
    """Put the period's entry window around today, wherever the calendar stands when tests run."""
    today = timezone.localdate()
    with scopes_disabled():
        ReportingPeriod.objects.filter(pk=period.pk).update(
            opens_on=today - timedelta(days=20), unit_deadline=today + timedelta(days=5),
            commune_deadline=today + timedelta(days=20), locks_on=today + timedelta(days=10))
        period.refresh_from_db()
    return period


# --- Accessibility ----------------------------------------------------------------------------


def axe_violations(page: Page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now, those of the given impacts only."""
    page.add_script_tag(path=str(AXE_PATH))
    result = page.evaluate("""async () => {
        // target-size (WCAG 2.2 AA 2.5.8) is off by default in axe; fingers need it on phones.
        const r = await axe.run(document, {resultTypes: ["violations"],
                                           rules: {"target-size": {enabled: true}}});
        return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)})),
        }));
    }""")
    return [v for v in result if v["impact"] in impacts]


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} serious/critical accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html']}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"       | {summary_line}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail with a readable list when the page has serious or critical violations."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(describe_violations(f"{where} ({page.url})", violations), pytrace=False)


def horizontal_overflow(page: Page) -> str:
    """Empty when the page fits its viewport's width; else what sticks out (a phone must not
    scroll sideways to read a page: wide tables scroll inside their own region)."""
    result = page.evaluate("""() => {
        // clientWidth is the layout viewport: a mobile browser grows innerWidth to fit wide content.
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return "";
        const wide = [];
        for (const el of document.querySelectorAll("body *")) {
            if (el.getBoundingClientRect().right > width + 1) {
                const classes = typeof el.className === "string" && el.className.trim()
                    ? "." + el.className.trim().split(/\\s+/).join(".") : "";
                wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes);
            }
        }
        return `page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport; ` +
               `sticking out: ${wide.slice(0, 8).join(", ")}`;
    }""")
    return str(result)
