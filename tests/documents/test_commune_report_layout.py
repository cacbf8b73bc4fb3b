"""Issue 13, the consolidated (commune) report's layout: no empty chart for an indicator
without data, no ":;" or ";;" joins, no landscape page holding a table row's last two lines,
and every percentage with its numerator/denominator and the units reported.

Built once per module through the services (reports saved, submitted, accepted; rollups
computed) inside a transaction rolled back afterwards; each PDF rendered for real.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import transaction

from campaigns.models import CommuneKind, IssuerKind, TaskDeliverable, UnitKind
from portal.access import Role
from portal.scoping import scopes_disabled
from reporting.documents import storage
from reporting.documents.content import commune_report_content
from reporting.models import CommuneReport, DocumentKind, ReportingPeriod
from reporting.rollups.compute import commune_rollup_compute
from reporting.selectors import reports as selectors
from reporting.services import commune_reports as consolidated
from reporting.services import unit_reports as services
from reporting.services.periods import reporting_periods_sync
from reporting.services.unit_reports import ProgressInput, ReportInput, ValueInput
from targets.models import Indicator
from tests.documents import pdfcheck as pc
from tests.factories import (
    CommuneFactory,
    PlanFactory,
    ProvinceFactory,
    TargetFactory,
    TaskFactory,
    UnitFactory,
    member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

ADULTS, VNEID, WORKERS, NEWS = ("ADULTS_DIGITAL_SKILLS", "ADULTS_VNEID_CERTIFIED", "WORKERS_DIGITAL_SKILLS",
                                "NEWS_ARTICLES")
# Deliverables as plans type them: a list introduced by ":", items ending ";" or ".".
DELIVERABLES = [
    ["Kế hoạch triển khai:", "Báo cáo kết quả hằng quý;"],
    ["Chuyên mục trên Trang thông tin điện tử;", "12 tin, bài."],
    ["Danh sách người dân được hướng dẫn;;"],
]
LONG_TITLE = ("Tổ chức tuyên truyền, phổ biến sâu rộng về Phong trào “Bình dân học vụ số” trên hệ thống "
              "truyền thanh cơ sở, trang thông tin điện tử, mạng xã hội và tại các buổi sinh hoạt của thôn, "
              "tổ dân phố, chi hội, đoàn thể; lồng ghép nội dung kỹ năng số cơ bản, an toàn thông tin, "
              "phòng chống lừa đảo trực tuyến trong các hội nghị, lớp bồi dưỡng, sinh hoạt chuyên đề ") * 2


def _ind(code: str) -> Indicator:
    return Indicator.objects.get(commune__isnull=True, code=code)


def _build(short_tasks: int, one_line_tasks: int = 0) -> CommuneReport:
    province = ProvinceFactory()
    commune = CommuneFactory(province=province, kind=CommuneKind.PHUONG, name=f"Bố Cục {short_tasks}")
    plan = PlanFactory(commune=commune, issuer_kind=IssuerKind.UBND, status="issued", number="12",
                       issue_day=5, place="Bố Cục", signer_authority="TM. ỦY BAN NHÂN DÂN",
                       signer_position="CHỦ TỊCH", signer_name="Nguyễn Văn Hòa",
                       issuing_body=f"ỦY BAN NHÂN DÂN PHƯỜNG BỐ CỤC {short_tasks}",
                       title="Thực hiện Phong trào “Bình dân học vụ số” năm 2026")
    police = UnitFactory(commune=commune, kind=UnitKind.POLICE, name="Công an phường")
    team = UnitFactory(commune=commune, kind=UnitKind.CDT_TEAM, name="Tổ công nghệ số cộng đồng")
    school = UnitFactory(commune=commune, kind=UnitKind.SCHOOL, name="Trường Tiểu học")
    # WORKERS is owed by the school only, which never reports: a key indicator without data.
    reporting_units = {ADULTS: [police, team, school], VNEID: [police, team], WORKERS: [school],
                       NEWS: [team]}
    for order, (code, value) in enumerate(((ADULTS, 80), (VNEID, 70), (WORKERS, 60), (NEWS, 300)), 1):
        target = TargetFactory(plan=plan, indicator=_ind(code), value=value, order=order)
        target.reporting_units.set(reporting_units[code])
    # Two-line rows (the team's name wraps in its column) and one-line rows (police's does
    # not): together they move the page break a line at a time across the long row.
    for order in range(1, short_tasks + 1):
        TaskFactory(plan=plan, order=order, title=f"Nhiệm vụ ngắn số {order}", lead_unit=team)
    for order in range(short_tasks + 1, short_tasks + one_line_tasks + 1):
        TaskFactory(plan=plan, order=order, title=f"Nhiệm vụ một dòng số {order}", lead_unit=police)
    short_tasks += one_line_tasks
    TaskFactory(plan=plan, order=short_tasks + 1, title=LONG_TITLE, lead_unit=police)
    for order, texts in enumerate(DELIVERABLES, start=short_tasks + 2):
        task = TaskFactory(plan=plan, order=order, title=f"Nhiệm vụ có sản phẩm {order}", lead_unit=team)
        for index, text in enumerate(texts, 1):
            TaskDeliverable.objects.create(task=task, order=index, text=text)
    reporting_periods_sync(plan=plan)
    period = ReportingPeriod.objects.select_related("plan", "plan__commune").get(plan=plan, year=2026, quarter=1)
    day = period.opens_on + timedelta(days=1)
    admin = member(Role.COMMUNE_ADMIN, commune=commune)
    # Police and the team report; the school never does.
    for unit, adults, vneid, news in ((team, (50, 100), (60, 100), 70), (police, (40, 100), (30, 100), None)):
        report = services.unit_report_open(period=period, unit=unit)
        rows = selectors.report_rows(period=period, unit=unit)
        values = {_ind(ADULTS).pk: ValueInput(numerator=D(adults[0]), denominator=D(adults[1])),
                  _ind(VNEID).pk: ValueInput(numerator=D(vneid[0]), denominator=D(vneid[1])),
                  _ind(NEWS).pk: ValueInput(value=D(news or 0))}
        data = ReportInput(values={i.pk: values[i.pk] for i in rows.indicators if i.pk in values},
                           progress={t.pk: ProgressInput(status="in_progress", output_quantity=D(1))
                                     for t in rows.tasks})
        saved = services.unit_report_save(report=report, actor=None, version=report.version, today=day, data=data)
        submitted = services.unit_report_submit(report=saved.report, actor=None, version=saved.report.version,
                                                today=day)
        services.unit_report_accept(report=submitted, actor=admin, version=submitted.version)
    commune_rollup_compute(plan_ids=[plan.pk], year=2026, quarter=1)
    draft = consolidated.commune_report_open(period=period, actor=admin)
    return draft



@pytest.fixture(scope="module")
def report(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), transaction.atomic(), scopes_disabled():
        draft = _build(short_tasks=2)
        content = commune_report_content(report=draft)
        pdf = storage.document_render(kind=DocumentKind.COMMUNE_REPORT, source=draft).content
        transaction.set_rollback(True)
    yield {"content": content, "pdf": pdf}


def test_no_chart_for_an_indicator_without_data(report: dict[str, Any]) -> None:
    content = report["content"]
    workers = next(row for row in content.indicators if row.code == WORKERS)
    assert workers.ytd == "—", "the school never reported: no figure"
    titles = [chart.title for chart in content.charts]
    assert len(titles) == 2 and not any(_ind(WORKERS).short_name in t for t in titles), titles
    with pc.open_pdf(report["pdf"]) as pdf:
        stream = pc.stream_text(pdf)
    assert not pc.contains_stream_text(stream, f"{_ind(WORKERS).short_name}: lũy kế")
    assert stream.count("Thựchiện(lũykế)") == 2


def test_no_doubled_punctuation_where_texts_are_joined(report: dict[str, Any]) -> None:
    content = report["content"]
    joined = [task.deliverables for task in content.tasks]
    assert "Kế hoạch triển khai; Báo cáo kết quả hằng quý" in joined
    assert "Chuyên mục trên Trang thông tin điện tử; 12 tin, bài" in joined
    assert "Danh sách người dân được hướng dẫn" in joined
    with pc.open_pdf(report["pdf"]) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert not re.search(r"[:;]\s*;", text), re.findall(r".{20}[:;]\s*;.{10}", text)


def test_every_percentage_shows_its_counts_and_the_units_reported(report: dict[str, Any]) -> None:
    content = report["content"]
    adults = next(row for row in content.indicators if row.code == ADULTS)
    # (50 + 40) / (100 + 100), two of the three units that owe it reported.
    assert adults.ytd == "45,0" and adults.detail == "(90/200; 2/3 đơn vị báo cáo)"
    news = next(row for row in content.indicators if row.code == NEWS)
    assert news.detail == "(1/1 đơn vị báo cáo)"
    workers = next(row for row in content.indicators if row.code == WORKERS)
    assert workers.detail == "(0/1 đơn vị báo cáo)"
    with pc.open_pdf(report["pdf"]) as pdf:
        stream = pc.stream_text(pdf)
    assert pc.contains_stream_text(stream, "45,0(90/200;2/3đơnvịbáocáo)")


# --- Rows split across landscape pages ------------------------------------------------------


def _lines(chars: list[dict[str, Any]]) -> int:
    """Text lines among ``chars``: their tops, clustered (a cell's lines are 12 pt apart)."""
    tops: list[float] = []
    for top in sorted(c["top"] for c in chars if c["text"].strip()):
        if not tops or top - tops[-1] > 4:
            tops.append(top)
    return len(tops)


def _row_fragments(page: Any) -> list[tuple[int, bool, bool]]:
    """The body rows on a landscape page of the task table, top to bottom, as (lines, starts
    the row, ends the row): a row split by the page break has a fragment that does not start
    it (no STT number, at the top) or does not end it (no rule under it, at the bottom)."""
    # Each cell draws its own borders: a rule across the table is the sum of its cells' at one y.
    across: dict[float, float] = {}
    for segment in pc.horizontal_segments(page):
        across[round(segment.y, 1)] = across.get(round(segment.y, 1), 0) + segment.width
    rules = sorted(y for y, width in across.items() if width > page.width * 0.5)
    header = pc.chars_of(page, "Nhiệm vụ, giải pháp")
    if len(rules) < 2 or not header:
        return []
    body = [r for r in rules if r > header[0]["bottom"]]
    stt_x1 = min(c["x0"] for c in pc.chars_of(page, "Nhiệm vụ, giải pháp")) - 2
    chars = [c for c in page.chars if c["text"].strip() and c["top"] > body[0]]
    bands = list(zip(body, body[1:], strict=False))
    last_bottom = max((c["bottom"] for c in chars), default=body[-1])
    if last_bottom > body[-1] + 1:
        bands.append((body[-1], last_bottom + 1))  # a fragment cut by the page break
    fragments = []
    for index, (top, bottom) in enumerate(bands):
        inside = [c for c in chars if top < c["top"] < bottom]
        starts = any(c["x1"] < stt_x1 and c["text"].isdigit() for c in inside)
        ends = index < len(body) - 1
        fragments.append((_lines(inside), starts, ends))
    return fragments


@pytest.mark.parametrize("one_line_tasks", [0, 1])
@pytest.mark.parametrize("short_tasks", range(0, 9))
def test_no_page_holds_a_task_rows_last_lines_alone(short_tasks: int, one_line_tasks: int) -> None:
    """A row split across landscape pages leaves at least three lines on each side; a row
    shorter than that is not split at all (before: a two-line row split one line and one)."""
    with transaction.atomic(), scopes_disabled():
        draft = _build(short_tasks=short_tasks, one_line_tasks=one_line_tasks)
        content = storage.document_render(kind=DocumentKind.COMMUNE_REPORT, source=draft).content
        transaction.set_rollback(True)
    with pc.open_pdf(content) as pdf:
        pages = [p for p in pdf.pages if pc.is_landscape(p)]
        fragments = [_row_fragments(page) for page in pages]
    assert len(pages) >= 2, "the table must cross a page break for the test to mean anything"
    for number, page in enumerate(fragments, start=1):
        for lines, starts, ends in page:
            if not (starts and ends):
                assert lines >= 3, f"landscape page {number}: a split row's part of {lines} line(s)"


def test_the_signature_shares_its_page_with_the_closing_paragraph(report: dict[str, Any]) -> None:
    with pc.open_pdf(report["pdf"]) as pdf:
        signed = [p.page_number for p in pdf.pages if pc.chars_of(p, "Nguyễn Văn Hòa")]
        closing = [p.page_number for p in pdf.pages if pc.chars_of(p, "Trên đây là báo cáo")]
    assert len(signed) == 1 and signed == closing
