"""The dashboards (commune, province, unit home), the report draft's autosave and the progress
of long jobs, through the real views.

The campaign below is province P of the shared world with figures worked out by hand (rule 2:
sums of counts). Commune A (plan_a) has two units reporting data.ADULTS (target 80 %) and data.NEWS
(target 300 a year); commune B one unit, data.ADULTS 60 % and data.NEWS 200; Ân Thi has an data.ADULTS target
(50 %) and never reports; An Bình, Duy Tân and Đồng Tâm have no plan.

    Q1  A: unit_a 455/1000, 30 articles                        → 45,5 %, 30
        B: 300/400, 1234 articles                             → 75,0 %, 1.234
    Q2  A: unit_a 500/1000, 50; Thôn Một 100/1000, 80          → 30,0 % (at risk), 160 to date (on track)
        B: nothing (the stock and the flow keep Q1 to date)   → reached, reached

Dates that matter to "overdue" and "days left" are set relative to the real current day, as the
views read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.models import UnitKind
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    ProvinceRollup,
    ReportingPeriod,
    ReportState,
    ReportTransition,
    TaskProgress,
    TaskStatus,
    UnitReport,
)
from reporting.selectors.dashboards import jobs
from reporting.selectors.dashboards.common import timeframe_due
from reporting.views.rollups import level_text, percent_text
from targets.status import RollupStatus
from tests import rollup_data as data
from tests.conftest import SECRET_COMMUNE_NAME, World, login
from tests.factories import CommuneFactory, TaskFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]















class Campaign:
    def __init__(self, world: World) -> None:
        self.world = world
        self.village: Any = UnitFactory(commune=world.commune_a, name="Thôn Một", kind=UnitKind.VILLAGE)
        world.target_a.reporting_units.set([world.unit_a, self.village])
        data.target(world.plan_a, data.NEWS, 300, [world.unit_a, self.village])
        self.plan_b = data.plan(world.commune_b)
        data.target(self.plan_b, data.ADULTS, 60, [world.unit_b])
        data.target(self.plan_b, data.NEWS, 200, [world.unit_b])
        self.an_thi: Any = CommuneFactory(province=world.province_p, code="an-thi", name="Ân Thi")
        self.plan_an_thi = data.plan(self.an_thi)
        data.target(self.plan_an_thi, data.ADULTS, 50, [UnitFactory(commune=self.an_thi, name="Công an Ân Thi")])
        for code, name in (("an-binh", "An Bình"), ("duy-tan", "Duy Tân"), ("dong-tam", "Đồng Tâm")):
            CommuneFactory(province=world.province_p, code=code, name=name)
        data.report(world.unit_a, data.period(world.plan_a, 1), adults=(455, 1000), news=30)
        data.report(world.unit_a, data.period(world.plan_a, 2), adults=(500, 1000), news=50)
        data.report(self.village, data.period(world.plan_a, 2), adults=(100, 1000), news=80)
        data.report(world.unit_b, data.period(self.plan_b, 1), adults=(300, 400), news=1234)
        # Q1 and Q2 are past their unit deadline, Q3 and Q4 ahead, whatever today is: the
        # dashboards open on Q2 (the latest quarter due).
        for plan in (world.plan_a, self.plan_b, self.plan_an_thi):
            data.deadlines(plan, passed=(1, 2))
        data.roll(world.province_p)

    def row(self, plan: Any, code: str, quarter: int) -> CommuneRollup:
        return CommuneRollup.objects.get(plan=plan, indicator__code=code, indicator__commune__isnull=True,
                                         year=data.YEAR, quarter=quarter)


@pytest.fixture
def campaign(world: World) -> Campaign:
    return Campaign(world)


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def _commune_url(commune: Any, **query: Any) -> str:
    url = reverse("commune_dashboard", kwargs={"commune_code": commune.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _province_url(**query: Any) -> str:
    url = reverse("province_dashboard", kwargs={"province_code": "PP"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _card(page: str, code: str) -> tuple[str, str]:
    """(status class, inner HTML) of an indicator's card on the commune dashboard."""
    found = re.search(rf'<li class="db-card db-card--(\w+)" data-indicator="{code}">(.*?)</li>', page, re.S)
    assert found, f"no card for {code}"
    return found.group(1), found.group(2)


def _fig(card: str, name: str) -> str:
    found = re.search(rf'data-fig="{name}">(.*?)</dd>', card, re.S)
    assert found, name
    return found.group(1).strip()


# --- The commune dashboard ----------------------------------------------------------------------


def test_commune_figures_are_the_rollup_rows(campaign: Campaign) -> None:
    world = campaign.world
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    # The default quarter is the latest with reported data: Q2.
    assert "Số liệu lũy kế đến hết quý II/2026" in page
    for code in (data.ADULTS, data.NEWS):
        row = campaign.row(world.plan_a, code, 2)
        status, card = _card(page, code)
        assert status == row.status
        assert _fig(card, "ytd") == level_text(row.ytd_value, row.indicator)
        assert _fig(card, "achievement") == percent_text(row.achievement)
        assert _fig(card, "target") == level_text(row.target, row.indicator)
        assert _fig(card, "expected") == level_text(row.expected, row.indicator)
        assert f"{row.units_reported}/{row.units_expected} đơn vị" in card
    # The same figures by hand (rule 2): 600/2000 and 30 + 130 articles.
    assert _fig(_card(page, data.ADULTS)[1], "ytd") == "30,0 %"
    assert _fig(_card(page, data.ADULTS)[1], "achievement") == "37,5 %"
    assert _fig(_card(page, data.NEWS)[1], "ytd") == "160 tin, bài"


def test_commune_status_is_a_word_and_a_mark_beside_its_colour(campaign: Campaign) -> None:
    world = campaign.world
    page = _get(login(world.viewer_a), _commune_url(world.commune_a))
    status, card = _card(page, data.ADULTS)
    assert status == RollupStatus.AT_RISK
    assert 'class="rl-status rl-status--at_risk"' in card and "Có nguy cơ chậm" in card and ">!<" in card
    status, card = _card(page, data.NEWS)
    assert status == RollupStatus.ON_TRACK and "Đúng tiến độ" in card
    # The bar's width is the achievement, its marker the trajectory (40 of 80 %).
    adults_card = _card(page, data.ADULTS)[1]
    assert 'style="width: 37%"' in adults_card and 'style="left: 50%"' in adults_card
    # The key figures count the statuses.
    assert re.search(r"Chỉ tiêu chậm hoặc có nguy cơ chậm</p>\s*<p class=\"db-kpi-value\">1<", page)


def test_commune_quarter_can_be_chosen(campaign: Campaign) -> None:
    world = campaign.world
    page = _get(login(world.admin_a), _commune_url(world.commune_a, year=data.YEAR, quarter=1))
    row = campaign.row(world.plan_a, data.ADULTS, 1)
    assert "Số liệu lũy kế đến hết quý I/2026" in page
    assert _fig(_card(page, data.ADULTS)[1], "ytd") == level_text(row.ytd_value, row.indicator) == "45,5 %"


def test_commune_chart_draws_the_rollup_year_to_date(campaign: Campaign) -> None:
    world = campaign.world
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    chart = re.search(rf'<figure class="db-chart" data-indicator="{data.ADULTS}">(.*?)</figure>', page, re.S)
    assert chart, "ADULTS is a key indicator with a target: it is charted"
    svg = re.search(r"<svg.*?</svg>", chart.group(1), re.S)
    assert svg and 'role="img"' in svg.group(0)
    assert svg.group(0).count("<circle") == 2  # Q1 and Q2 have figures
    assert "45,5%" in svg.group(0) and "30,0%" in svg.group(0)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td>",
                      chart.group(1))
    assert rows[1:3] == [("Quý I", "45,5 %", "20,0 %"), ("Quý II", "30,0 %", "40,0 %")]
    assert f'data-indicator="{data.NEWS}"' not in re.sub(r'<li class="db-card.*?</li>', "", page, flags=re.S)


def test_commune_units_report_status_of_the_quarter(campaign: Campaign) -> None:
    world = campaign.world
    school: Any = UnitFactory(commune=world.commune_a, name="Trường Tiểu học", kind=UnitKind.SCHOOL)
    union: Any = UnitFactory(commune=world.commune_a, name="Hội Nông dân", kind=UnitKind.UNION)
    hamlet: Any = UnitFactory(commune=world.commune_a, name="Thôn Hai", kind=UnitKind.VILLAGE)
    world.target_a.reporting_units.add(school, union, hamlet)
    q3 = data.period(world.plan_a, 3)
    states = {world.unit_a: ReportState.ACCEPTED, campaign.village: ReportState.SUBMITTED,
              school: ReportState.RETURNED, union: ReportState.DRAFT}
    reports = {unit: data.report(unit, q3, state) for unit, state in states.items()}
    page = _get(login(world.reviewer_p), _commune_url(world.commune_a, year=data.YEAR, quarter=3))
    assert "Báo cáo của các đơn vị: Quý III năm 2026" in page
    for unit, state in states.items():
        row = re.search(rf'<tr data-unit="{unit.pk}" data-state="(\w+)">(.*?)</tr>', page, re.S)
        assert row and row.group(1) == state
        assert reverse("report_detail", kwargs={"report_pk": reports[unit].pk}) in row.group(2)
    missing = re.search(rf'<tr data-unit="{hamlet.pk}" data-state="(\w+)">(.*?)</tr>', page, re.S)
    assert missing and missing.group(1) == "missing" and "Chưa mở báo cáo" in missing.group(2)
    assert ("Quá hạn" in missing.group(2)) is (timezone.localdate() > q3.unit_deadline)
    assert "/reports/" not in missing.group(2)
    # The unit_a2 owes nothing this quarter (no target, no task): it is not listed.
    assert f'data-unit="{world.unit_a2.pk}"' not in page


def test_commune_overdue_and_upcoming_tasks(campaign: Campaign) -> None:
    world = campaign.world
    today = timezone.localdate()
    day = lambda n: (today + timedelta(days=n)).strftime("%d/%m/%Y")  # noqa: E731
    late: Any = TaskFactory(plan=world.plan_a, lead_unit=world.unit_a, title="Tập huấn quá hạn",
                       timeframe_text=f"Dự kiến ngày {day(-10)}")
    soon: Any = TaskFactory(plan=world.plan_a, lead_unit=campaign.village, title="Hội nghị sắp tới",
                       timeframe_text=f"Từ {day(-5)} đến {day(12)}")
    done: Any = TaskFactory(plan=world.plan_a, lead_unit=world.unit_a, title="Việc đã xong",
                       timeframe_text=f"Dự kiến ngày {day(-20)}")
    TaskFactory(plan=world.plan_a, lead_unit=world.unit_a, title="Việc còn xa",
                timeframe_text=f"Dự kiến ngày {day(200)}")
    TaskProgress.objects.create(report=UnitReport.objects.get(unit=world.unit_a, period=data.period(world.plan_a, 2)),
                                task=done, status=TaskStatus.DONE)
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    overdue = re.search(r'id="overdue-heading">(.*?)</ul>', page, re.S)
    upcoming = re.search(r'id="upcoming-heading">(.*?)</ul>', page, re.S)
    assert overdue and upcoming
    assert f'data-task="{late.pk}"' in overdue.group(1) and "quá hạn 10 ngày" in overdue.group(1)
    assert f'data-task="{done.pk}"' not in page  # reported done in an accepted report
    assert f'data-task="{world.task_a.pk}"' not in page  # "Thường xuyên": no due day
    assert f'data-task="{soon.pk}"' in upcoming.group(1) and "còn 12 ngày" in upcoming.group(1)
    assert "Việc còn xa" not in page


def test_task_due_day_follows_the_timeframe() -> None:
    from campaigns.timeframes import parse_timeframe

    assert timeframe_due(parse_timeframe("Quý IV/2025; Quý I/2026")) == date(2026, 3, 31)
    assert timeframe_due(parse_timeframe("Dự kiến ngày 29/9/2025")) == date(2025, 9, 29)
    assert timeframe_due(parse_timeframe("Từ 01/3/2026 đến 30/6/2026")) == date(2026, 6, 30)
    assert timeframe_due(parse_timeframe("Thường xuyên")) is None
    assert timeframe_due(parse_timeframe("Theo tiến độ của tỉnh")) is None


def test_commune_next_deadlines(campaign: Campaign) -> None:
    world = campaign.world
    today = timezone.localdate()
    q4 = data.period(world.plan_a, 4)
    ReportingPeriod.objects.filter(pk=q4.pk).update(
        opens_on=today - timedelta(days=10), unit_deadline=today + timedelta(days=7),
        commune_deadline=today + timedelta(days=20), locks_on=today + timedelta(days=9))
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    deadlines = re.search(r'id="deadlines-heading">(.*?)</section>', page, re.S)
    assert deadlines
    first, second = re.findall(r"<li>(.*?)</li>", deadlines.group(1), re.S)[:2]
    assert (today + timedelta(days=7)).strftime("%d/%m/%Y") in first and "còn 7 ngày" in first
    assert "Đơn vị nộp báo cáo: Quý IV năm 2026" in first
    assert "Xã/phường gửi báo cáo tổng hợp: Quý IV năm 2026" in second and "còn 20 ngày" in second
    # Q4 is open for entry: its reports are the ones listed.
    assert "Báo cáo của các đơn vị: Quý IV năm 2026" in page


def test_commune_without_plan_says_what_to_do(world: World) -> None:
    page = _get(login(world.admin_b), _commune_url(world.commune_b))
    assert "Chưa có kế hoạch năm" in page
    assert reverse("plan_create", kwargs={"commune_code": world.commune_b.code}) in page
    viewer_page = _get(login(world.reviewer_p), _commune_url(world.commune_b))
    assert reverse("plan_create", kwargs={"commune_code": world.commune_b.code}) not in viewer_page


def test_commune_without_rollups_says_where_figures_come_from(world: World) -> None:
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    assert "Chưa có số liệu tổng hợp: số liệu có khi xã/phường chấp nhận báo cáo quý" in page
    status, card = _card(page, data.ADULTS)
    assert status == RollupStatus.NO_DATA and "Chưa có số liệu" in card
    assert _fig(card, "target") == "80,0 %"


# --- The province dashboard ---------------------------------------------------------------------


def _communes(page: str) -> list[str]:
    body = page.split('<tbody class="rl-total">')[-1]
    return re.findall(r'<tr data-commune="([\w-]+)">', body)


def test_heat_table_sorts_names_in_vietnamese_order(campaign: Campaign) -> None:
    client = login(campaign.world.reviewer_p)
    page = _get(client, _province_url())
    order = ["an-binh", "an-thi", "xa-b", "xa-a", "duy-tan", "dong-tam"]  # An < Ân < Bên < Bí < Duy < Đồng
    assert _communes(page) == order
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, sort="name", dir="desc"))) == order[::-1]
    assert 'aria-sort="ascending" data-column="name"' in page


def test_heat_table_sorts_by_an_indicator_with_blanks_last(campaign: Campaign) -> None:
    world = campaign.world
    client = login(world.reviewer_p)
    page = _get(client, _province_url(year=data.YEAR, quarter=2, sort=data.ADULTS, dir="desc"))
    b, a = campaign.row(campaign.plan_b, data.ADULTS, 2), campaign.row(world.plan_a, data.ADULTS, 2)
    assert b.achievement is not None and a.achievement is not None and b.achievement > a.achievement
    assert _communes(page)[:2] == ["xa-b", "xa-a"]
    assert _communes(page)[2:] == ["an-binh", "an-thi", "duy-tan", "dong-tam"]  # no figure: last, by name
    ascending = _communes(_get(client, _province_url(year=data.YEAR, quarter=2, sort=data.ADULTS, dir="asc")))
    assert ascending[:2] == ["xa-a", "xa-b"]
    # A cell: colour class and status word from the row, the figure to date, the achievement.
    cell = re.search(rf'<tr data-commune="xa-a">.*?data-indicator="{data.ADULTS}" data-status="(\w+)">(.*?)</td>',
                     page, re.S)
    assert cell and cell.group(1) == a.status == RollupStatus.AT_RISK
    assert '<span class="db-heat-value">30,0 %</span>' in cell.group(2) and "Có nguy cơ chậm" in cell.group(2)
    assert "đạt 37,5 % chỉ tiêu 80,0 %" in cell.group(2)


def test_heat_table_sorts_by_completeness(campaign: Campaign) -> None:
    page = _get(login(campaign.world.reviewer_p), _province_url(year=data.YEAR, quarter=2, sort="completeness", dir="desc"))
    # A: 2/2 units sent; Ân Thi and B: 0/1 (ties in name order); no plan, nothing expected: last.
    assert _communes(page) == ["xa-a", "an-thi", "xa-b", "an-binh", "duy-tan", "dong-tam"]
    assert 'aria-sort="descending" data-column="completeness"' in page


def test_heat_table_search_alone_keeps_the_default_quarter_and_a_wrong_quarter_is_said(campaign: Campaign) -> None:
    client = login(campaign.world.reviewer_p)
    page = _get(client, _province_url(q="ben"))
    assert _communes(page) == ["xa-b"] and "quý II/2026" in page and "rp-errors" not in page
    wrong = _get(client, _province_url(year=data.YEAR, quarter=7))
    assert 'class="rp-errors" role="alert"' in wrong and "Quý: Chọn một giá trị trong danh sách." in wrong
    assert "quý II/2026" in wrong
    assert len(_communes(wrong)) == 6


def test_heat_table_filters(campaign: Campaign) -> None:
    client = login(campaign.world.reviewer_p)
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, q="dong tam"))) == ["dong-tam"]
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, q="Bí Mật"))) == ["xa-a"]
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, lagging="on"))) == ["xa-a"]
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, status=RollupStatus.REACHED))) == ["xa-b"]
    # Ân Thi has a target and no figure; communes without a plan have no target at all.
    assert _communes(_get(client, _province_url(year=data.YEAR, quarter=2, status=RollupStatus.NO_DATA))) == ["an-thi"]
    # Still owing reports in Q2: B (its unit sent nothing) and Ân Thi; A's two units both sent.
    incomplete = _communes(_get(client, _province_url(year=data.YEAR, quarter=2, incomplete="on")))
    assert incomplete == ["an-thi", "xa-b"]
    empty = _get(client, _province_url(year=data.YEAR, quarter=2, q="không có xã nào"))
    assert "Không có xã/phường nào phù hợp bộ lọc." in empty


def test_heat_table_completeness_and_drill_down(campaign: Campaign) -> None:
    world = campaign.world
    client = login(world.reviewer_p)
    page = _get(client, _province_url(year=data.YEAR, quarter=2))
    row = re.search(r'<tr data-commune="xa-a">(.*?)</tr>', page, re.S)
    assert row
    assert "100,0 %" in row.group(1) and "2/2 đơn vị" in row.group(1)
    drill = _commune_url(world.commune_a, year=data.YEAR, quarter=2)
    assert f'href="{drill}"' in row.group(1)
    landing = _get(client, drill)
    assert "Số liệu lũy kế đến hết quý II/2026" in landing and SECRET_COMMUNE_NAME in landing
    assert f'href="{reverse("province_dashboard", kwargs={"province_code": "PP"})}"' in landing


def test_province_without_figures_still_lists_the_communes(world: World) -> None:
    page = _get(login(world.reviewer_p), _province_url())
    assert "Chưa có số liệu tổng hợp quý" in page
    assert _communes(page) == ["xa-b", "xa-a"]


# --- The unit's home ------------------------------------------------------------------------------


def _window(period: ReportingPeriod, *, deadline_in: int) -> None:
    today = timezone.localdate()
    ReportingPeriod.objects.filter(pk=period.pk).update(
        opens_on=today - timedelta(days=30), unit_deadline=today + timedelta(days=deadline_in),
        commune_deadline=today + timedelta(days=abs(deadline_in) + 20),
        locks_on=today + timedelta(days=abs(deadline_in) + 10))
    period.refresh_from_db()


def _due(page: str, period: ReportingPeriod) -> str:
    found = re.search(rf'<li class="db-due-item[^"]*" data-period="{period.pk}">(.*?)</li>', page, re.S)
    assert found, "the period is not listed as due"
    return found.group(0)


def test_reporter_home_shows_the_due_report_and_its_deadline(world: World) -> None:
    _window(world.period_a, deadline_in=5)
    client = login(world.reporter_a)
    assert client.get("/")["Location"] == reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk})
    page = _get(client, reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk}))
    item = _due(page, world.period_a)
    assert world.period_a.unit_deadline.strftime("%d/%m/%Y") in item and "còn 5 ngày" in item
    assert "db-days--late" not in item
    assert reverse("report_detail", kwargs={"report_pk": world.report_a.pk}) in item  # one click in
    assert "Tiếp tục điền báo cáo" in item


def test_reporter_home_shows_overdue_in_red_and_opens_a_new_report(world: World) -> None:
    q2 = data.period(world.plan_a, 2)
    _window(q2, deadline_in=-3)
    page = _get(login(world.reporter_a), reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk}))
    item = _due(page, q2)
    assert "db-due-item--late" in item and 'class="db-days db-days--late"' in item and "quá hạn 3 ngày" in item
    assert f'action="{reverse("report_open", kwargs={"period_pk": q2.pk, "unit_pk": world.unit_a.pk})}"' in item


def test_reporter_home_shows_why_a_report_came_back(world: World) -> None:
    _window(world.period_a, deadline_in=2)
    UnitReport.objects.filter(pk=world.report_a.pk).update(state=ReportState.RETURNED,
                                                           first_submitted_at=timezone.now())
    ReportTransition.objects.create(report=world.report_a, from_state=ReportState.SUBMITTED,
                                    to_state=ReportState.RETURNED, actor=world.admin_a, reason="Thiếu nguồn số liệu")
    page = _get(login(world.reporter_a), reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk}))
    item = _due(page, world.period_a)
    assert "Thiếu nguồn số liệu" in item and "Sửa và gửi lại" in item


def test_reporter_home_lists_locked_periods_still_unsent(world: World) -> None:
    ReportingPeriod.objects.filter(pk=world.period_a.pk).update(
        opens_on=date(2000, 1, 1), unit_deadline=date(2000, 1, 2), locks_on=date(2000, 1, 3))
    page = _get(login(world.reporter_a), reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk}))
    past = re.search(rf'<li data-period="{world.period_a.pk}">(.*?)</li>', page, re.S)
    assert past and "chưa gửi" in past.group(1)
    assert reverse("report_detail", kwargs={"report_pk": world.report_a.pk}) in past.group(1)
    assert "đề nghị xã/phường gia hạn nhập liệu" in page


def test_province_without_plans_this_year_opens_on_their_year(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reporting.views.dashboards.local_today", lambda: date(2027, 2, 10))
    page = _get(login(world.reviewer_p), _province_url())
    # plan_a is for 2026 only: the reviewer lands on its last quarter, and 2026 can be chosen.
    assert "Số liệu lũy kế đến hết quý IV/2026" in page
    assert '<option value="2026" selected>2026</option>' in page and '<option value="2027">2027</option>' in page


def test_unit_home_for_a_commune_reader_has_no_open_button(world: World) -> None:
    _window(world.period_a, deadline_in=5)
    page = _get(login(world.admin_a), reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk}))
    item = _due(page, world.period_a)
    assert "Xem báo cáo" in item and "report_open" not in item and "/open/" not in item


# --- Autosave ---------------------------------------------------------------------------------------


def _autosave(client: Client, report: UnitReport, data: dict[str, Any], *, htmx: bool = True) -> Any:
    url = reverse("report_autosave", kwargs={"report_pk": report.pk})
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data, headers=headers)


@pytest.fixture
def draft(world: World) -> UnitReport:
    _window(world.period_a, deadline_in=5)
    return world.report_a


def _fields(world: World, numerator: str = "12", denominator: str = "40") -> dict[str, str]:
    prefix = f"value-{world.target_a.indicator_id}"
    return {f"{prefix}-numerator": numerator, f"{prefix}-denominator": denominator,
            f"task-{world.task_a.pk}-status": TaskStatus.IN_PROGRESS}


def test_autosave_saves_through_the_service_and_returns_the_new_version(world: World, draft: UnitReport) -> None:
    client = login(world.reporter_a)
    page = _get(client, reverse("report_detail", kwargs={"report_pk": draft.pk}))
    assert f'hx-post="{reverse("report_autosave", kwargs={"report_pk": draft.pk})}"' in page
    assert 'id="autosave-status"' in page and "js/autosave.js" in page
    response = _autosave(client, draft, {"version": draft.version, **_fields(world)})
    assert response.status_code == 200
    body = response.content.decode()
    saved = UnitReport.objects.get(pk=draft.pk)
    assert saved.version == draft.version + 1
    value = IndicatorValue.objects.get(report=draft, indicator_id=world.target_a.indicator_id)
    assert (value.numerator, value.denominator) == (12, 40)
    assert TaskProgress.objects.get(report=draft, task=world.task_a).status == TaskStatus.IN_PROGRESS
    assert f"Đã lưu lúc {timezone.localtime(saved.updated_at):%H:%M}" in body
    assert f'<input type="hidden" name="version" value="{saved.version}" id="id_version" hx-swap-oob="true">' in body
    # The page's next autosave carries the new version: it saves again.
    again = _autosave(client, draft, {"version": saved.version, **_fields(world, numerator="15")})
    assert again.status_code == 200
    assert IndicatorValue.objects.get(report=draft, indicator_id=world.target_a.indicator_id).numerator == 15


def test_autosave_with_a_stale_version_is_409_and_saves_nothing(world: World, draft: UnitReport) -> None:
    client = login(world.reporter_a)
    assert _autosave(client, draft, {"version": draft.version, **_fields(world)}).status_code == 200
    stale = _autosave(client, draft, {"version": draft.version, **_fields(world, numerator="30")})
    assert stale.status_code == 409
    assert "người khác cập nhật" in stale.content.decode() and "hx-swap-oob" not in stale.content.decode()
    assert IndicatorValue.objects.get(report=draft, indicator_id=world.target_a.indicator_id).numerator == 12
    assert UnitReport.objects.get(pk=draft.pk).version == draft.version + 1


def test_autosave_of_invalid_input_is_422_and_names_the_field(world: World, draft: UnitReport) -> None:
    client = login(world.reporter_a)
    typed = _autosave(client, draft, {"version": draft.version, **_fields(world, numerator="mười")})
    assert typed.status_code == 422
    problem = unescape(typed.content.decode())
    assert f"{data.ind(data.ADULTS).short_name} — Tử số" in problem and "hx-swap-oob" not in problem
    bigger = _autosave(client, draft, {"version": draft.version, **_fields(world, numerator="50", denominator="40")})
    assert bigger.status_code == 422 and "Tử số không được lớn hơn mẫu số" in bigger.content.decode()
    assert not IndicatorValue.objects.filter(report=draft).exists()
    assert UnitReport.objects.get(pk=draft.pk).version == draft.version


def test_autosave_without_javascript_is_an_ordinary_save(world: World, draft: UnitReport) -> None:
    response = _autosave(login(world.reporter_a), draft, {"version": draft.version, **_fields(world)}, htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("report_detail", kwargs={"report_pk": draft.pk})
    assert IndicatorValue.objects.filter(report=draft, numerator=12).exists()


def test_autosave_refuses_a_report_that_cannot_be_edited(world: World) -> None:
    ReportingPeriod.objects.filter(pk=world.period_a.pk).update(
        opens_on=date(2000, 1, 1), unit_deadline=date(2000, 1, 2), locks_on=date(2000, 1, 3))
    response = _autosave(login(world.reporter_a), world.report_a,
                         {"version": world.report_a.version, **_fields(world)})
    assert response.status_code == 409 and "đã khóa nhập liệu" in response.content.decode()
    assert not IndicatorValue.objects.filter(report=world.report_a).exists()


def test_autosave_is_the_units_reporters_only(world: World, draft: UnitReport) -> None:
    for other in (world.reporter_a2, world.admin_a, world.admin_b):
        assert _autosave(login(other), draft, {"version": draft.version, **_fields(world)}).status_code == 404
    assert login(world.reporter_a).get(reverse("report_autosave", kwargs={"report_pk": draft.pk})).status_code == 405
    assert not IndicatorValue.objects.filter(report=draft).exists()


def test_report_form_shows_field_errors_beside_the_field(world: World, draft: UnitReport) -> None:
    client = login(world.reporter_a)
    response = client.post(reverse("report_detail", kwargs={"report_pk": draft.pk}),
                           {"version": draft.version, **_fields(world, numerator="abc")})
    assert response.status_code == 200
    page = response.content.decode()
    field = f"id_value-{world.target_a.indicator_id}-numerator"
    block = re.search(rf'<div class="rp-field rp-field--invalid">\s*<label for="{field}">.*?</div>', page, re.S)
    assert block, "the wrong number is flagged in its own field"
    assert f'<ul class="rp-errors" id="{field}-error">' in block.group(0)
    tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', block.group(0))
    assert tag and 'aria-invalid="true"' in tag.group(0) and f"{field}-error" in tag.group(0)
    # The user fixes it and saves with "Lưu nháp": no autosave races that page.
    assert "hx-post" not in page and 'id="autosave-status"' not in page


# --- Long jobs ---------------------------------------------------------------------------------------


def _job(client: Client, key: str, value: dict[str, Any]) -> None:
    session = client.session
    session[key] = value
    session.save()


def test_plan_recompute_status_polls_until_the_rows_are_fresh(campaign: Campaign) -> None:
    world = campaign.world
    client = login(world.admin_a)
    status_url = reverse("plan_progress_status", kwargs={"plan_pk": world.plan_a.pk})
    idle = _get(client, status_url)
    assert "Không có yêu cầu tính lại nào đang chạy" in idle and "hx-trigger" not in idle
    key = f"jobs:plan-rollup:{world.plan_a.pk}"
    later = timezone.now() + timedelta(seconds=30)  # rows older than the request: still running
    _job(client, key, {"since": later.isoformat(), "year": data.YEAR, "quarters": [1, 2]})
    running = _get(client, status_url)
    assert 'hx-trigger="every 2s"' in running and f'hx-get="{status_url}"' in running
    assert "xong 0/2 quý" in running
    page = _get(client, reverse("plan_progress", kwargs={"plan_pk": world.plan_a.pk}))
    assert 'id="rollup-job"' in page and "xong 0/2 quý" in page and 'http-equiv="refresh"' in page
    # Q1 recomputed since: one of two.
    CommuneRollup.objects.filter(plan=world.plan_a, quarter=1).update(computed_at=later + timedelta(seconds=1))
    assert "xong 1/2 quý" in _get(client, status_url)
    CommuneRollup.objects.filter(plan=world.plan_a, quarter=2).update(computed_at=later + timedelta(seconds=2))
    done = _get(client, status_url)
    assert "Đã tính xong" in done and "hx-trigger" not in done
    assert '<div id="rollup-body" hx-swap-oob="true">' in done and "45,5 %" in done  # the fresh tables
    assert key not in client.session  # forgotten once over
    assert "Không có yêu cầu" in _get(client, status_url)


def test_plan_recompute_that_never_finishes_stops_polling(campaign: Campaign) -> None:
    world = campaign.world
    client = login(world.admin_a)
    since = timezone.now() + timedelta(seconds=30) - timedelta(seconds=jobs.JOB_TIMEOUT_SECONDS + 60)
    CommuneRollup.objects.filter(plan=world.plan_a).update(computed_at=since - timedelta(seconds=1))
    _job(client, f"jobs:plan-rollup:{world.plan_a.pk}", {"since": since.isoformat(), "year": data.YEAR, "quarters": [1]})
    page = _get(client, reverse("plan_progress_status", kwargs={"plan_pk": world.plan_a.pk}))
    assert "Chưa thấy kết quả tính lại" in page and "hx-trigger" not in page


def test_recompute_button_leads_to_a_finished_job(campaign: Campaign, django_capture_on_commit_callbacks: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    world = campaign.world
    monkeypatch.setattr("reporting.views.rollups.local_today", lambda: date(2026, 5, 20))  # Q1, Q2 opened
    client = login(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk}))
    page = _get(client, reverse("plan_progress", kwargs={"plan_pk": world.plan_a.pk}))
    assert "Đã tính xong" in page and "hx-trigger" not in page  # tasks ran in-process


def test_province_recompute_status_counts_communes(campaign: Campaign) -> None:
    world = campaign.world
    client = login(world.reviewer_p)
    status_url = reverse("province_progress_status", kwargs={"province_code": "PP"}) + "?year=2026&quarter=2"
    later = timezone.now() + timedelta(seconds=30)
    _job(client, f"jobs:province-rollup:{world.province_p.pk}", {"since": later.isoformat(), "year": data.YEAR,
                                                                   "quarter": 2})
    running = _get(client, status_url)
    assert "xong 0/3 xã, phường" in running and 'hx-trigger="every 2s"' in running
    CommuneRollup.objects.filter(quarter=2).update(computed_at=later + timedelta(seconds=1))
    assert "xong 3/3 xã, phường" in _get(client, status_url)  # the combine has not run yet
    ProvinceRollup.objects.filter(quarter=2).update(computed_at=later + timedelta(seconds=2))
    done = _get(client, status_url)
    assert "Đã tính xong" in done and '<div id="rollup-body" hx-swap-oob="true">' in done
    assert login(world.reviewer_q).get(status_url).status_code == 404


def test_pdf_waiting_page_polls_and_swaps_in_the_link(world: World, settings: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = login(world.admin_a)
    url = reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk})
    waiting = client.get(url)
    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page and 'id="job-status"' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page reloads
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 202 and "<html" not in polled.content.decode()
    assert 'hx-trigger="every 2s"' in polled.content.decode()
    monkeypatch.setattr("reporting.views.documents.document_or_enqueue", lambda **kwargs: object())
    ready = client.get(url, headers={"HX-Request": "true"})
    assert ready.status_code == 200
    body = ready.content.decode()
    assert "Mở tệp PDF" in body and f'href="{url}"' in body and "hx-trigger" not in body


# --- Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), [
    ("admin_a", 200), ("viewer_a", 200), ("reviewer_p", 200),
    ("reporter_a", 404), ("admin_b", 404), ("reviewer_q", 404), ("admin_c", 404),
])
def test_commune_dashboard_access(world: World, who: str, expected: int) -> None:
    response = login(getattr(world, who)).get(_commune_url(world.commune_a))
    assert response.status_code == expected
    if expected == 404:
        assert SECRET_COMMUNE_NAME not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), [
    ("reviewer_p", 200), ("reviewer_q", 404), ("admin_a", 404), ("viewer_a", 404), ("reporter_a", 404),
])
def test_province_dashboard_access(world: World, who: str, expected: int) -> None:
    assert login(getattr(world, who)).get(_province_url()).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [
    ("reporter_a", 200), ("admin_a", 200), ("viewer_a", 200), ("reviewer_p", 200),
    ("reporter_a2", 404), ("admin_b", 404), ("reviewer_q", 404),
])
def test_unit_dashboard_access(world: World, who: str, expected: int) -> None:
    url = reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk})
    assert login(getattr(world, who)).get(url).status_code == expected


@pytest.mark.parametrize(("who", "route", "kwarg"), [
    ("admin_a", "commune_dashboard", ("commune_code", "xa-a")),
    ("viewer_a", "commune_dashboard", ("commune_code", "xa-a")),
    ("reviewer_p", "province_dashboard", ("province_code", "PP")),
])
def test_each_role_lands_on_its_dashboard(world: World, who: str, route: str, kwarg: tuple[str, str]) -> None:
    response = login(getattr(world, who)).get("/")
    assert response.status_code == 302 and response["Location"] == reverse(route, kwargs=dict([kwarg]))


# --- Query counts -------------------------------------------------------------------------------------


@pytest.fixture
def counted(django_assert_max_num_queries: Any) -> Iterator[Callable[..., int]]:
    def count(client: Client, url: str, limit: int = 40) -> int:
        with django_assert_max_num_queries(limit) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)
    yield count


def _grow_commune(campaign: Campaign, n: int) -> None:
    """More units reporting, more indicators, more tasks, more reports and rollups in commune A."""
    world = campaign.world
    today = timezone.localdate()
    units: list[Any] = [UnitFactory(commune=world.commune_a, name=f"Thôn mới {i}") for i in range(n)]
    world.target_a.reporting_units.add(*units)
    for code in ("CBCCVC_DIGITAL_SKILLS", "STUDENTS_DIGITAL_SKILLS", "BROADCASTS")[:n]:
        data.target(world.plan_a, code, 50, units)
    for i, unit in enumerate(units):
        data.report(unit, data.period(world.plan_a, 2), adults=(10 + i, 100))
        data.report(unit, data.period(world.plan_a, 3), ReportState.SUBMITTED)
        task: Any = TaskFactory(plan=world.plan_a, lead_unit=unit,
                                timeframe_text=f"Dự kiến ngày {(today - timedelta(days=i + 1)):%d/%m/%Y}")
        TaskFactory(plan=world.plan_a, lead_unit=unit,
                    timeframe_text=f"Dự kiến ngày {(today + timedelta(days=i + 1)):%d/%m/%Y}")
        TaskProgress.objects.create(report=UnitReport.objects.get(unit=unit, period=data.period(world.plan_a, 2)),
                                    task=task, status=TaskStatus.DONE)
    data.roll(world.province_p, (1, 2, 3))


def test_commune_dashboard_query_count_is_constant(campaign: Campaign, counted: Any) -> None:
    world = campaign.world
    client = login(world.admin_a)
    url = _commune_url(world.commune_a)
    small = counted(client, url)
    _grow_commune(campaign, 3)
    assert CommuneRollup.objects.filter(plan=world.plan_a).count() > 6
    assert counted(client, url) == small


def test_province_dashboard_query_count_is_constant(campaign: Campaign, counted: Any) -> None:
    world = campaign.world
    client = login(world.reviewer_p)
    url = _province_url(year=data.YEAR, quarter=2, sort=data.ADULTS, dir="desc")
    small = counted(client, url)
    for i in range(3):
        commune = CommuneFactory(province=world.province_p, code=f"moi-{i}", name=f"Xã Mới {i}")
        plan = data.plan(commune)
        unit = UnitFactory(commune=commune, name=f"Công an mới {i}")
        data.target(plan, data.ADULTS, 70, [unit])
        data.target(plan, "BROADCASTS", 40, [unit])
        data.report(unit, data.period(plan, 2), adults=(50, 100))
        TaskFactory(plan=plan, lead_unit=unit)
    data.roll(world.province_p)
    page = _get(client, url)
    assert len(_communes(page)) == 9
    assert counted(client, url) == small


def test_unit_dashboard_query_count_is_constant(world: World, counted: Any) -> None:
    client = login(world.reporter_a)
    url = reverse("unit_dashboard", kwargs={"unit_pk": world.unit_a.pk})
    small = counted(client, url)
    today = timezone.localdate()
    for quarter in (2, 3, 4):
        report = data.report(world.unit_a, data.period(world.plan_a, quarter), ReportState.RETURNED)
        ReportTransition.objects.create(report=report, from_state=ReportState.SUBMITTED,
                                        to_state=ReportState.RETURNED, reason="Bổ sung")
        _window(data.period(world.plan_a, quarter), deadline_in=quarter)
        TaskFactory(plan=world.plan_a, lead_unit=world.unit_a,
                    timeframe_text=f"Dự kiến ngày {(today - timedelta(days=quarter)):%d/%m/%Y}")
    assert counted(client, url) == small


# --- Status is honest (issue 13) ---------------------------------------------------------------


def _asof(page: str) -> str:
    found = re.search(r'<p class="db-asof"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no as-of line"
    return found.group(1)


@pytest.fixture
def early_q4(campaign: Campaign) -> Campaign:
    """Commune A eight days before its Q4 unit deadline: Q1–Q3 are past theirs, nobody reported
    Q3, and unit_a's Q4 report (articles only) is already accepted; Thôn Một has not reported.
    The other plans of the province keep the same calendar."""
    world = campaign.world
    for plan in (world.plan_a, campaign.plan_b, campaign.plan_an_thi):
        data.deadlines(plan, passed=(1, 2, 3), next_in=8)
    data.report(world.unit_a, data.period(world.plan_a, 4), news=10)
    data.roll(world.province_p, quarters=(1, 2, 3, 4))
    return campaign


def test_an_early_report_does_not_turn_the_commune_dashboard_to_an_open_quarter(early_q4: Campaign) -> None:
    world = early_q4.world
    adults_q4 = early_q4.row(world.plan_a, data.ADULTS, 4)
    # The stored judgement: 0 of 2 units reported, Q2's 30 % against the full-year line.
    assert (adults_q4.units_reported, adults_q4.status) == (0, RollupStatus.OFF_TRACK)
    client = login(world.admin_a)
    page = _get(client, _commune_url(world.commune_a))
    # The latest quarter past its deadline, not the latest with any data.
    assert "Số liệu lũy kế đến hết quý III/2026" in _asof(page)
    # Nobody reported Q3: no status is a judgement on last quarter's figures.
    for code in (data.ADULTS, data.NEWS):
        status, card = _card(page, code)
        assert status == RollupStatus.NO_DATA and "Chưa có số liệu" in card and "Chậm tiến độ" not in card
    # Q4 can still be chosen; before its deadline it says so and condemns nothing.
    assert f'href="?year={data.YEAR}&quarter=4"' in page
    q4 = _get(client, _commune_url(world.commune_a, year=data.YEAR, quarter=4))
    assert "Số liệu lũy kế đến hết quý IV/2026" in _asof(q4)
    deadline = data.period(world.plan_a, 4).unit_deadline.strftime("%d/%m/%Y")
    assert f"Quý IV/2026 chưa đến hạn đơn vị nộp báo cáo ({deadline})" in q4
    for code in (data.ADULTS, data.NEWS):
        status, card = _card(q4, code)
        assert status == "not_due" and "Chưa đến hạn" in card
    assert "Chậm tiến độ" not in re.sub(r'<details class="rl-legend">.*?</details>', "", q4, flags=re.S)
    assert re.search(r"Chỉ tiêu chậm hoặc có nguy cơ chậm</p>\s*<p class=\"db-kpi-value\">0<", q4)


def test_an_early_report_does_not_turn_the_province_dashboard_nor_its_statuses(early_q4: Campaign) -> None:
    client = login(early_q4.world.reviewer_p)
    page = _get(client, _province_url())
    assert "Số liệu lũy kế đến hết quý III/2026" in page
    assert "chưa đến hạn đơn vị nộp báo cáo" not in page
    q4 = _get(client, _province_url(year=data.YEAR, quarter=4))
    assert "Quý IV/2026 chưa đến hạn đơn vị nộp báo cáo ở mọi xã, phường" in q4
    cells = re.findall(r'<td class="db-heat db-heat--(\w+)" data-indicator="(\w+)" data-status="\w+">', q4)
    assert cells and {status for status, _code in cells} <= {"not_due", "no_target", "reached"}
    assert "not_due" in {status for status, _code in cells}
    # The plan's progress page agrees (the same status helper): Q3 without data, Q4 not due.
    progress = _get(login(early_q4.world.admin_a), reverse("plan_progress", kwargs={"plan_pk": early_q4.world.plan_a.pk}))
    for code in (data.ADULTS, data.NEWS):
        line = re.search(rf'<tr data-indicator="{code}">(.*?)</tr>', progress, re.S)
        assert line
        q3 = re.search(r'data-quarter="3">(.*?)</td>', line.group(1), re.S)
        q4 = re.search(r'data-quarter="4">(.*?)</td>', line.group(1), re.S)
        assert q3 and "rl-status--no_data" in q3.group(1)
        assert q4 and "rl-status--not_due" in q4.group(1) and "Chưa đến hạn" in q4.group(1)


def test_no_unit_reported_is_no_data_not_late(campaign: Campaign) -> None:
    """Commune B's Q2: nobody reported; a judgement below the line on Q1's figure is withheld."""
    world = campaign.world
    CommuneRollup.objects.filter(plan=campaign.plan_b, quarter=2).update(status=RollupStatus.OFF_TRACK)
    page = _get(login(world.admin_b), _commune_url(world.commune_b))
    assert "Số liệu lũy kế đến hết quý II/2026" in _asof(page)
    for code in (data.ADULTS, data.NEWS):
        status, card = _card(page, code)
        assert status == RollupStatus.NO_DATA and "0/1 đơn vị" in card


def _heat_row(page: str, attr: str) -> str:
    found = re.search(rf"<tr {attr}>(.*?)</tr>", page, re.S)
    assert found, attr
    return found.group(1)


def _heat_value(cell_html: str) -> str:
    found = re.search(r'<span class="db-heat-value">(.*?)</span>', cell_html)
    assert found, cell_html
    return found.group(1)


def test_heat_table_columns_hold_one_kind_of_number_and_counts_say_what_they_count(campaign: Campaign) -> None:
    world = campaign.world
    # A third standard indicator with a target in A and no figure anywhere.
    data.target(world.plan_a, data.VNEID, 70, [world.unit_a])
    data.roll(world.province_p, quarters=(2,))
    # A lags on two indicators (the stored judgement of a quarter both its units reported).
    CommuneRollup.objects.filter(plan=world.plan_a, quarter=2, indicator__code=data.NEWS).update(
        status=RollupStatus.OFF_TRACK)
    page = _get(login(world.reviewer_p), _province_url(year=data.YEAR, quarter=2))
    total = _heat_row(page, 'data-row="province"')
    commune_a = _heat_row(page, 'data-commune="xa-a"')
    # "Số chỉ số chậm" counts indicators in every row: A has two, the province row adds the communes'.
    lagging = r'<td class="num" data-column="lagging">(?:<strong class="db-late">)?(\d+)'
    assert re.search(lagging, commune_a).group(1) == "2"  # type: ignore[union-attr]
    assert re.search(lagging, total).group(1) == "2"  # type: ignore[union-attr]
    # Every indicator column shows the figure to date, in the province row as in the communes'.
    for code in (data.ADULTS, data.NEWS):
        total_cell = re.search(rf'<td data-indicator="{code}">(.*?)</td>', total, re.S)
        row = ProvinceRollup.objects.get(province=world.province_p, indicator__code=code, year=data.YEAR, quarter=2)
        assert total_cell and _heat_value(total_cell.group(1)) == level_text(row.ytd_value, row.indicator)
        commune_cell = re.search(rf'data-indicator="{code}" data-status="\w+">(.*?)</td>', commune_a, re.S)
        mine = campaign.row(world.plan_a, code, 2)
        assert commune_cell and _heat_value(commune_cell.group(1)) == level_text(mine.ytd_value, mine.indicator)
    # The province's count beside 1.394 articles: both communes with a target have a figure
    # to date (B's from Q1), not "1/2" (the communes that reported this quarter).
    news = re.search(rf'<td data-indicator="{data.NEWS}">(.*?)</td>', total, re.S)
    assert news and "2/2 xã, phường có số liệu" in news.group(1)
    adults = re.search(rf'<td data-indicator="{data.ADULTS}">(.*?)</td>', total, re.S)
    assert adults and "2/3 xã, phường có số liệu" in adults.group(1)
    # The completeness column: a rate and its units in every row.
    units = re.search(r'data-column="completeness">(.*?)</td>', total, re.S)
    assert units and _heat_value(units.group(1)) == "50,0 %" and "2/4 đơn vị" in units.group(1)
    # The card counts the indicators that have a figure: not VNEID.
    assert re.search(r'data-kpi="indicators-with-data">2<', page)
    assert f'data-indicator="{data.VNEID}"' in page  # its column is there, empty


def test_unreported_targets_are_flagged_on_the_commune_dashboard(campaign: Campaign) -> None:
    world = campaign.world
    data.target(world.plan_a, data.VNEID, 70, [])
    page = _get(login(world.admin_a), _commune_url(world.commune_a))
    _status, card = _card(page, data.VNEID)
    assert "Chưa giao đơn vị báo cáo" in card
    assert "Chưa giao đơn vị báo cáo" not in _card(page, data.ADULTS)[1]
    assert 'data-unreported="1"' in page and "1 chỉ tiêu chưa giao đơn vị báo cáo" in page
