"""The progress pages: a plan's quarters and a province's communes, read from stored rollups.

Figures are computed by hand from the reports below (rule 2: sums of counts, never averages
of percentages) and checked as the pages print them: the indicator's decimals, "%" or the
unit of measure, a decimal comma and a thousands dot.

Province P has three communes. Commune A (plan_a) has two units reporting data.ADULTS (target
80 %) and data.NEWS (target 300 a year); commune B one unit, data.ADULTS (target 60 %) and data.NEWS (200);
commune Ân Thi one unit with an data.ADULTS target (50 %) that never reports.

    Q1  A: unit_a 455/1000, 30 articles; Thôn Một nothing    → 45,5 %, 30, 1/2 units
        B: 300/400, 1234 articles                           → 75,0 %, 1.234
    Q2  A: unit_a 500/1000, 50; Thôn Một 100/1000, 40        → 30,0 %, 90 (120 to date), 2/2
        B: nothing (stock and flow keep Q1 to date)          → 0/1 units
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import UnitKind
from portal.formats import vn_number
from reporting.documents.content.common import figure_with_unit
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    ProvinceRollup,
    UnitReport,
)
from tests import rollup_data as data
from tests.conftest import World, login
from tests.factories import CommuneFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]















class Progress:
    """The fixture's second plan and its units, for the tests that grow or inspect them."""

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

        q1, q2 = data.period(world.plan_a, 1), data.period(world.plan_a, 2)
        data.report(world.unit_a, q1, adults=(455, 1000), news=30)
        data.report(world.unit_a, q2, adults=(500, 1000), news=50)
        data.report(self.village, q2, adults=(100, 1000), news=40)
        data.report(world.unit_b, data.period(self.plan_b, 1), adults=(300, 400), news=1234)
        # Q1 and Q2 are past their unit deadline, Q3 and Q4 ahead, whatever today is.
        for plan in (world.plan_a, self.plan_b, self.plan_an_thi):
            data.deadlines(plan, passed=(1, 2))
        data.roll(world.province_p)


@pytest.fixture
def progress(world: World) -> Progress:
    return Progress(world)


# --- Reading the pages --------------------------------------------------------------------


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _row(page: str, attr: str, value: str) -> str:
    match = re.search(rf'<tr {attr}="{re.escape(value)}">(.*?)</tr>', page, re.S)
    assert match, f"no row {attr}={value}"
    return match.group(1)


def _cell(row: str, attr: str, value: str) -> tuple[str, str]:
    """The (class, text) of the row's cell with ``attr="value"``."""
    match = re.search(rf'<td class="([^"]*)" {attr}="{value}">(.*?)</td>', row, re.S)
    assert match, f"no cell {attr}={value}"
    return match.group(1), _text(match.group(2))


def _year_table(page: str, year: int) -> str:
    match = re.search(rf'<table class="rl-table rl-table--plan" data-year="{year}">(.*?)</table>', page, re.S)
    assert match, f"no table for {year}"
    return match.group(1)


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _plan_url(plan: Any) -> str:
    return reverse("plan_progress", kwargs={"plan_pk": plan.pk})


def _province_url(code: str = "PP", **params: Any) -> str:
    url = reverse("province_progress", kwargs={"province_code": code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


# --- Numbers ------------------------------------------------------------------------------


def test_numbers_use_the_indicators_decimals_and_vietnamese_separators() -> None:
    adults, news = data.ind(data.ADULTS), data.ind(data.NEWS)
    assert (adults.decimals, news.decimals) == (1, 0)
    assert figure_with_unit(D("53.92857"), adults) == "53,9%"
    assert figure_with_unit(D("45.25"), adults) == "45,3%"  # half up, as an official report rounds
    assert figure_with_unit(D("1354"), news) == "1.354 tin, bài"
    assert figure_with_unit(D("1234.5"), news) == "1.235 tin, bài"
    assert figure_with_unit(None, news) == "—"
    assert vn_number(D("56.875"), 1) == "56,9"


# --- The plan's progress page -------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_a", "viewer_a", "reviewer_p"])
def test_plan_progress_shows_each_quarter_for_every_reader(progress: Progress, who: str) -> None:
    world = progress.world
    page = _get(login(getattr(world, who)), _plan_url(world.plan_a))
    table = _year_table(page, data.YEAR)
    assert '<th scope="col" class="rl-sticky">' in table and "<caption" in table

    adults = _row(table, "data-indicator", data.ADULTS)
    assert "80,0%" in _text(adults.split("</td>")[0])  # the year's target, with the decimals
    css, q1 = _cell(adults, "data-quarter", "1")
    # 455/1000; target 80 % → 20 % expected after Q1; 45,5/80 = 56,875 % of the target.
    assert "Trong quý 45,5%" in q1 and "Lũy kế năm 45,5%" in q1 and "Đạt so với chỉ tiêu 56,9%" in q1
    assert "Đúng tiến độ" in q1
    # Half the units reported: it reads half-reported, and is marked so.
    assert "1/2 đơn vị (thiếu 1)" in q1 and "rl-q--partial" in css
    css, q2 = _cell(adults, "data-quarter", "2")
    # (500 + 100) / (1000 + 1000) = 30 %, not the 30 % average by luck: 50 % and 10 % average 30 % too,
    # so Q2's target line (40 %, margin 15 %) is what tells: 30 < 34 → at risk; 30/80 = 37,5 %.
    assert "Trong quý 30,0%" in q2 and "Đạt so với chỉ tiêu 37,5%" in q2 and "Có nguy cơ chậm" in q2
    assert "2/2 đơn vị" in q2 and "thiếu" not in q2 and "rl-q--complete" in css
    assert _cell(adults, "data-quarter", "3")[1] == "Chưa tổng hợp"

    news = _row(table, "data-indicator", data.NEWS)
    _css, q1 = _cell(news, "data-quarter", "1")
    assert "Trong quý 30 tin, bài" in q1 and "Đạt so với chỉ tiêu 10,0%" in q1 and "Chậm tiến độ" in q1
    _css, q2 = _cell(news, "data-quarter", "2")
    assert "Trong quý 90 tin, bài" in q2 and "Lũy kế năm 120 tin, bài" in q2 and "Có nguy cơ chậm" in q2
    # The status is a word with a mark, not a colour alone.
    assert re.search(r'<span class="rl-status rl-status--at_risk"><span class="rl-mark" aria-hidden="true">!</span> '
                     r"Có nguy cơ chậm</span>", news)
    can_recompute = who == "admin_a"
    assert (reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk}) in page) is can_recompute


def test_plan_progress_says_reached_and_no_data(progress: Progress) -> None:
    world = progress.world
    page = _get(login(world.admin_b), _plan_url(progress.plan_b))
    table = _year_table(page, data.YEAR)
    _css, q1 = _cell(_row(table, "data-indicator", data.ADULTS), "data-quarter", "1")
    assert "Trong quý 75,0%" in q1 and "Đã đạt" in q1 and "1/1 đơn vị" in q1
    css, q2 = _cell(_row(table, "data-indicator", data.NEWS), "data-quarter", "2")
    # Nothing reported in Q2: the flow keeps its year to date, and the cell says nobody reported.
    assert "Trong quý —" in q2 and "Lũy kế năm 1.234 tin, bài" in q2 and "0/1 đơn vị (thiếu 1)" in q2
    assert "rl-q--missing" in css
    page = _get(login(world.reviewer_p), _plan_url(progress.plan_an_thi))
    _css, q1 = _cell(_row(_year_table(page, data.YEAR), "data-indicator", data.ADULTS), "data-quarter", "1")
    assert "Chưa có số liệu" in q1 and "0/1 đơn vị" in q1


def test_plan_progress_has_a_table_per_year_of_the_plan(progress: Progress) -> None:
    world = progress.world
    type(world.plan_a).objects.filter(pk=world.plan_a.pk).update(end_year=2027)
    page = _get(login(world.admin_a), _plan_url(world.plan_a))
    assert _year_table(page, 2026)
    assert '<h2 id="year-2027-heading">Năm 2027</h2>' in page
    assert "Chưa có số liệu tổng hợp cho năm 2027" in page


def test_plan_progress_without_rollups_says_so(world: World) -> None:
    page = _get(login(world.viewer_a), _plan_url(world.plan_a))
    assert "Chưa có số liệu tổng hợp cho năm 2026" in page
    assert "Chưa có số liệu tổng hợp." in page


def test_plan_progress_is_not_for_outsiders(progress: Progress) -> None:
    world = progress.world
    url = _plan_url(world.plan_a)
    for outsider in (world.admin_b, world.reviewer_q, world.admin_c, world.reporter_a):
        assert login(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302


# --- The province table -------------------------------------------------------------------


def test_province_table_defaults_to_the_latest_quarter_past_its_deadline(progress: Progress) -> None:
    world = progress.world
    page = _get(login(world.reviewer_p), _province_url())
    assert "Lũy kế đến hết quý II/2026" in page
    total = _row(page, "data-row", "province")
    _css, adults = _cell(total, "data-indicator", data.ADULTS)
    # Sum over the communes of the numerators over the sum of the denominators, to date:
    # A (600/2000) and B (300/400 kept from Q1) → 900/2400 = 37,5 %. Ân Thi has nothing.
    assert adults.startswith("37,5%")
    # The count beside the figure counts what the figure is made of: A and B have a figure to
    # date (B's kept from Q1), out of the three communes with a target.
    assert "2/3 xã, phường có số liệu" in adults and "1 xã/phường có nguy cơ chậm hoặc chậm" in adults
    _css, news = _cell(total, "data-indicator", data.NEWS)
    assert news.startswith("1.354 tin, bài") and "2/2 xã, phường có số liệu" in news

    commune_a = _row(page, "data-commune", "xa-a")
    css, cell = _cell(commune_a, "data-indicator", data.ADULTS)
    assert cell == "30,0% ! Có nguy cơ chậm 2/2 đơn vị" and "rl-q--complete" in css
    css, cell = _cell(_row(page, "data-commune", "xa-b"), "data-indicator", data.ADULTS)
    assert cell == "75,0% ✓ Đã đạt 0/1 đơn vị (thiếu 1)" and "rl-q--missing" in css
    assert _cell(_row(page, "data-commune", "an-thi"), "data-indicator", data.NEWS)[1] == "Không có"
    assert reverse("commune_detail", kwargs={"commune_code": "xa-a"}) in commune_a
    assert _plan_url(world.plan_a) in commune_a


def test_province_table_sorts_communes_the_vietnamese_way(progress: Progress) -> None:
    page = _get(login(progress.world.reviewer_p), _province_url())
    order = re.findall(r'<tr data-commune="([^"]+)">', page)
    # Â comes right after A, before B (a code-point sort would put "Ân Thi" last); "Bên" before "Bí".
    assert order == ["an-thi", "xa-b", "xa-a"]


def test_province_table_shows_the_chosen_quarter(progress: Progress) -> None:
    page = _get(login(progress.world.reviewer_p), _province_url(year=2026, quarter=1))
    assert "Lũy kế đến hết quý I/2026" in page
    _css, adults = _cell(_row(page, "data-row", "province"), "data-indicator", data.ADULTS)
    # (455 + 300) / (1000 + 400) = 53,93 %; an average of 45,5 % and 75 % would say 60,3 %.
    assert adults.startswith("53,9%") and "2/3 xã, phường có số liệu" in adults
    assert "0 xã/phường có nguy cơ chậm hoặc chậm" in adults
    css, cell = _cell(_row(page, "data-commune", "xa-a"), "data-indicator", data.ADULTS)
    assert cell == "45,5% → Đúng tiến độ 1/2 đơn vị (thiếu 1)" and "rl-q--partial" in css
    _css, cell = _cell(_row(page, "data-commune", "an-thi"), "data-indicator", data.ADULTS)
    assert cell == "— … Chưa có số liệu 0/1 đơn vị (thiếu 1)"


def test_province_table_answers_a_wrong_quarter_with_a_message(progress: Progress) -> None:
    page = _get(login(progress.world.reviewer_p), _province_url(year=2026, quarter=9))
    assert "Chọn một giá trị trong danh sách." in page
    assert "Lũy kế đến hết quý II/2026" in page  # the default quarter, not a 500
    page = _get(login(progress.world.reviewer_p), _province_url(year="abc", quarter=1))
    assert "Chọn một giá trị trong danh sách." in page


def test_province_table_without_rollups_says_so(world: World) -> None:
    page = _get(login(world.reviewer_p), _province_url())
    assert "Chưa có số liệu tổng hợp quý" in page
    assert 'class="rl-table' not in page


def test_province_table_is_for_the_provinces_reviewer_only(progress: Progress) -> None:
    world = progress.world
    assert login(world.reviewer_p).get(_province_url("QQ")).status_code == 404
    for outsider in (world.reviewer_q, world.admin_a, world.viewer_a, world.reporter_a):
        response = login(outsider).get(_province_url())
        assert response.status_code == 404
        body = response.content.decode()
        assert 'id="province-caption"' not in body and "Phía Bắc" not in body
    # Commune A's own users see their commune's name in the layout's menu; the other province's
    # reviewer does not see it at all.
    assert "Bí Mật Tuyệt Đối" not in login(world.reviewer_q).get(_province_url()).content.decode()


def test_province_table_is_wide_but_usable_on_a_phone(progress: Progress) -> None:
    page = _get(login(progress.world.reviewer_p), _province_url())
    assert re.search(r'<div class="rl-scroll rl-scroll--wide" role="region" aria-labelledby="province-caption" '
                     r'tabindex="0">', page)
    assert '<caption id="province-caption">' in page
    assert '<th scope="row" class="rl-sticky">' in page and '<th scope="col" class="rl-sticky">' in page
    assert "css/rollups.css" in page


# --- Recompute buttons --------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit tasks (eager Celery) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _snapshot(model: Any, **filters: Any) -> list[tuple[Any, ...]]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "computed_at")]
    return sorted(model.objects.filter(**filters).values_list(*fields))


@pytest.fixture
def in_may(monkeypatch: pytest.MonkeyPatch) -> date:
    """20 May 2026: Q1's period has opened (and closed), Q2's opened on 16 May, Q3's not yet."""
    day = date(2026, 5, 20)
    monkeypatch.setattr("reporting.views.rollups.local_today", lambda: day)
    return day


def test_recompute_button_rolls_up_the_plans_opened_quarters(progress: Progress, committed: Any,
                                                              in_may: date) -> None:
    world = progress.world
    communes = _snapshot(CommuneRollup, plan=world.plan_a)
    provinces = _snapshot(ProvinceRollup, province=world.province_p)
    CommuneRollup.objects.filter(plan=world.plan_a).delete()
    ProvinceRollup.objects.all().delete()
    url = reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk})
    client = login(world.admin_a)
    with committed() as callbacks:
        response = client.post(url)
    assert len(callbacks) == 1  # enqueued once the request's writes commit
    assert response.status_code == 302 and response["Location"] == _plan_url(world.plan_a)
    assert _snapshot(CommuneRollup, plan=world.plan_a) == communes
    assert _snapshot(ProvinceRollup, province=world.province_p) == provinces  # the province follows
    assert not CommuneRollup.objects.filter(plan=world.plan_a, quarter__gte=3).exists()
    page = _get(client, _plan_url(world.plan_a))
    assert "Đã yêu cầu tính lại số liệu năm 2026 (quý I, II)" in page


def test_recompute_before_any_period_opens_enqueues_nothing(world: World, committed: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reporting.views.rollups.local_today", lambda: date(2026, 1, 5))
    client = login(world.admin_a)
    with committed() as callbacks:
        response = client.post(reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk}),
                               follow=True)
    assert callbacks == []
    assert "Năm 2026 chưa có kỳ báo cáo quý nào mở nhập liệu" in response.content.decode()


def test_recompute_is_post_only_and_for_the_communes_admin(progress: Progress, in_may: date) -> None:
    world = progress.world
    url = reverse("plan_progress_recompute", kwargs={"plan_pk": world.plan_a.pk})
    assert login(world.admin_a).get(url).status_code == 405
    for other in (world.viewer_a, world.reviewer_p, world.admin_b, world.reporter_a):
        assert login(other).post(url).status_code == 404


def test_province_recompute_button_runs_the_province_rollup(progress: Progress, committed: Any) -> None:
    world = progress.world
    communes = _snapshot(CommuneRollup, quarter=1)
    provinces = _snapshot(ProvinceRollup, province=world.province_p, quarter=1)
    CommuneRollup.objects.filter(quarter=1).delete()
    ProvinceRollup.objects.filter(quarter=1).delete()
    url = reverse("province_progress_recompute", kwargs={"province_code": "PP"})
    client = login(world.reviewer_p)
    with committed() as callbacks:
        response = client.post(url, {"year": 2026, "quarter": 1})
    assert len(callbacks) == 1
    assert response.status_code == 302 and response["Location"] == _province_url(year=2026, quarter=1)
    assert _snapshot(CommuneRollup, quarter=1) == communes
    assert _snapshot(ProvinceRollup, province=world.province_p, quarter=1) == provinces
    page = _get(client, response["Location"])
    assert "Đã yêu cầu tính lại số liệu quý I/2026" in page


def test_province_recompute_refuses_a_wrong_quarter(progress: Progress, committed: Any) -> None:
    client = login(progress.world.reviewer_p)
    url = reverse("province_progress_recompute", kwargs={"province_code": "PP"})
    with committed() as callbacks:
        response = client.post(url, {"year": 2026, "quarter": 5}, follow=True)
    assert callbacks == []
    assert "Không tính lại được" in response.content.decode()
    assert client.get(url).status_code == 405
    assert login(progress.world.reviewer_q).post(url, {"year": 2026, "quarter": 1}).status_code == 404
    assert login(progress.world.admin_a).post(url, {"year": 2026, "quarter": 1}).status_code == 404


# --- Links and query counts ---------------------------------------------------------------


def test_drop_in_links(world: World) -> None:
    from django.template.loader import render_to_string

    plan_link = render_to_string("reporting/_plan_progress_link.html", {"plan": world.plan_a})
    assert _plan_url(world.plan_a) in plan_link and "Tiến độ thực hiện chỉ tiêu" in plan_link
    province_link = render_to_string("reporting/_province_progress_link.html", {"province": world.province_p})
    assert _province_url() in province_link


def _grow_plan(progress: Progress, codes: list[str]) -> None:
    """More indicators, each with a target, reported in both quarters, rolled up again."""
    world = progress.world
    for code in codes:
        indicator = data.ind(code)
        data.target(world.plan_a, code, 90 if indicator.is_percent else 40, [world.unit_a, progress.village])
        for quarter in (1, 2):
            report = UnitReport.objects.get(period=data.period(world.plan_a, quarter), unit=world.unit_a)
            if indicator.is_percent:
                IndicatorValue.objects.create(report=report, indicator=indicator, numerator=3, denominator=4)
            else:
                IndicatorValue.objects.create(report=report, indicator=indicator, value=5)
    data.roll(world.province_p)


def _grow_province(progress: Progress, count: int, start: int) -> None:
    world = progress.world
    for i in range(start, start + count):
        commune: Any = CommuneFactory(province=world.province_p, code=f"them-{i}", name=f"Thêm {i}")
        plan = data.plan(commune)
        unit: Any = UnitFactory(commune=commune)
        data.target(plan, data.ADULTS, 70, [unit])
        data.target(plan, data.NEWS, 100, [unit])
        data.report(unit, data.period(plan, 1), adults=(i % 10 + 1, 10), news=i)
    data.roll(world.province_p)


@pytest.fixture
def counted(django_assert_max_num_queries: Any) -> Iterator[Any]:
    def count(client: Client, url: str, limit: int = 30) -> int:
        with django_assert_max_num_queries(limit) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)
    yield count


def test_plan_progress_query_count_is_constant(progress: Progress, counted: Any) -> None:
    world = progress.world
    client = login(world.reviewer_p)
    small = counted(client, _plan_url(world.plan_a))
    _grow_plan(progress, ["CBCCVC_DIGITAL_SKILLS", "STUDENTS_DIGITAL_SKILLS", "BROADCASTS", "CONFERENCES",
                          "COMMUNITY_CLASSES", "MENTORS"])
    assert CommuneRollup.objects.filter(plan=world.plan_a).count() == 16
    assert counted(client, _plan_url(world.plan_a), small) == small


def test_province_table_query_count_is_constant(progress: Progress, counted: Any) -> None:
    client = login(progress.world.reviewer_p)
    small = counted(client, _province_url(year=2026, quarter=1))
    _grow_province(progress, 12, 0)
    assert ProvinceRollup.objects.get(province=progress.world.province_p, quarter=1,
                                      indicator=data.ind(data.ADULTS)).communes_expected == 15
    assert counted(client, _province_url(year=2026, quarter=1), small) == small
    assert counted(client, _province_url(), small) == small
