"""The commune's consolidated quarterly report (BÁO CÁO kết quả thực hiện Phong trào “Bình dân
học vụ số” quý … năm …) as an official PDF.

The state profile for a People's Committee plan, the Party profile when the plan's issuer is
the Party Committee. The content (indicator table, task progress, completeness, charts,
narrative) is reporting.documents.content.commune_report, which the report's page
shows too. Issuing renders it once with ``frozen=True`` (reporting.consolidated).
"""

from __future__ import annotations

import base64
from typing import Any

from reporting.documents.content.common import fingerprint
from reporting.documents.content.commune_report import TaskRow, commune_report_content
from reporting.documents.formatting import line_count
from reporting.documents.parts import PT_PER_MM, appendix_reference_lines
from reporting.documents.profiles import FormatProfile, profile_for
from reporting.documents.registry import DocumentSpec, register
from reporting.documents.unit_report import appendix_titles, common_context
from reporting.models import CommuneReport, DocumentKind, TaskStatus


def chart_image_uri(svg: str) -> str:
    """The chart as an image the PDF draws (still vectors, its labels still text in the
    document's font). Inline, each of its elements would go through the HTML cascade like the
    body's: as an image, the charts cost about a third less to render."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def reports_by_status(row: TaskRow) -> list[str]:
    """"Đang triển khai: 2", one line per status some unit reported (in the order work
    moves), for the task table's one column of unit counts."""
    counts = ((TaskStatus.DONE, row.done), (TaskStatus.IN_PROGRESS, row.in_progress),
              (TaskStatus.DELAYED, row.delayed), (TaskStatus.NOT_STARTED, row.not_started))
    return [f"{TaskStatus(status).label}: {count}" for status, count in counts if count] or ["—"]


# Phụ lục II on landscape pages: the task table's columns in mm (the title takes the rest),
# one list for the template's colgroup and for the row heights estimated below.
TASK_COLUMNS_MM = {"number": 10, "lead": 26, "timeframe": 24, "deliverables": 46, "by_status": 36,
                   "quantity": 20, "status": 22}
CELL_PADDING_PT = 6  # 3 pt either side (styles.css, .doc-table td)
# A row split by a page break leaves at least this many lines on each side (styles.css sets
# orphans and widows to it); a row shorter than twice that, with a line to spare for the
# estimate, is kept whole instead (before, a two-line row was split one line and one).
ROW_SPLIT_MIN_LINES = 3


def task_row_lines(row: TaskRow, by_status: list[str], profile: FormatProfile) -> int:
    """The height of a row of the task table in lines: its tallest cell's."""
    width_mm = profile.page_height_mm - profile.margin_left_mm - profile.margin_right_mm
    widths = dict(TASK_COLUMNS_MM, title=width_mm - sum(TASK_COLUMNS_MM.values()))
    cells = {"title": row.title, "lead": row.lead, "timeframe": row.timeframe, "deliverables": row.deliverables,
             "by_status": "\n".join(by_status), "status": row.status}
    return max(line_count(text, style=profile.table, profile=profile,
                          max_width_pt=widths[key] * PT_PER_MM - CELL_PADDING_PT)
               for key, text in cells.items())


def may_split(lines: int) -> bool:
    return lines > 2 * ROW_SPLIT_MIN_LINES


def commune_report_context(report: CommuneReport, profile: FormatProfile) -> dict[str, Any]:
    content = commune_report_content(report=report)
    return {
        "content": content,
        "chart_images": [(chart, chart_image_uri(chart.svg)) for chart in content.charts],
        # The units' counts by status in one cell, not four: WeasyPrint's cost is per cell,
        # and four narrow columns of mostly zeros made a third of the appendix's cells.
        "task_rows": [(row, by_status, may_split(task_row_lines(row, by_status, profile)))
                      for row, by_status in ((row, reports_by_status(row)) for row in content.tasks)],
        "task_columns": TASK_COLUMNS_MM,
        **common_context(header=content.header, signer=content.signer, recipients=content.recipients,
                         profile=profile),
        "appendix_titles": appendix_titles({
            "indicators": ("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", False),
            "tasks": ("TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ, GIẢI PHÁP", True),
            "units": ("TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ", False),
        }, profile),
        "appendix_reference": {
            "portrait": appendix_reference_lines(content.appendix_reference, profile=profile),
            "landscape": appendix_reference_lines(content.appendix_reference, profile=profile, landscape=True)},
    }


def _load(object_id: int) -> CommuneReport | None:
    return (CommuneReport.objects.select_related("period", "period__plan", "period__plan__commune",
                                                 "period__plan__commune__province", "commune")
            .filter(pk=object_id).first())


def _filename(report: CommuneReport) -> str:
    period = report.period
    return f"bao-cao-tong-hop-{report.commune.code}-{period.year}-q{period.quarter}.pdf"


SPEC = register(DocumentSpec(
    kind=DocumentKind.COMMUNE_REPORT,
    template="documents/commune_report.html",
    load=_load,
    profile=lambda report: profile_for(report.period.plan.issuer_kind),
    context=commune_report_context,
    # Everything the PDF prints, hashed: a draft's PDF is stale exactly when its text would
    # change (an edit, an accepted unit report, a recomputed rollup). An issued one is frozen.
    data_version=lambda report: fingerprint(commune_report_content(report=report)),
    context_data_version=lambda context: fingerprint(context["content"]),
    owner=lambda report: (report.commune_id, None),
    filename=_filename,
    # 2: charts as images; the task table's unit counts in one column. 3: no chart without
    # data, the counts under each figure, short task rows kept whole across pages.
    revision="3",
))
