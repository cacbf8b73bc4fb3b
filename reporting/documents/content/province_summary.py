"""What a province's quarterly summary says (documents layer, read-only like a selector):
communes × standard indicators, completeness per commune, the communes at risk and the province
totals of one quarter, as the Sở's BÁO CÁO tổng hợp prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campaigns.models import IssuerKind, Province
from portal.formats import DASH, quarter_phrase
from reporting.documents.content.common import (
    STATUS_SHORT,
    Header,
    Signer,
    figure_text,
    figure_with_unit,
    make_header,
)
from reporting.models import CommuneReport, CommuneReportState, PeriodKind
from reporting.rollups.compute import plans_for_year
from reporting.selectors import rollups as rollup_selectors
from reporting.selectors.province_completeness import province_quarter_completeness
from targets.models import Indicator
from targets.status import LAGGING, RollupStatus, status_label


@dataclass(frozen=True)
class ProvinceQuarter:
    """The source of a province summary: one province, one quarter.

    ``pk`` is the RenderedDocument object id (one document per province and quarter).
    """

    province: Province
    year: int
    quarter: int

    @property
    def pk(self) -> int:
        return self.province.pk * 100_000 + self.year * 10 + self.quarter


@dataclass(frozen=True)
class SummaryIndicator:
    number: int
    code: str
    name: str
    short_name: str
    unit_of_measure: str
    ytd: str
    communes: str  # "12/15" communes with data out of those with a target
    at_risk: int


@dataclass(frozen=True)
class SummaryCell:
    ytd: str
    status: str
    status_label: str


@dataclass(frozen=True)
class SummaryCommune:
    number: int
    name: str
    cells: list[SummaryCell]
    expected: int
    received: int
    on_time: int
    accepted: int
    report_state: str  # the commune's consolidated report of the quarter
    at_risk: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProvinceSummaryContent:
    province_code: str
    province_name: str
    year: int
    quarter: int
    header: Header
    intro: str
    indicators: list[SummaryIndicator]
    communes: list[SummaryCommune]
    at_risk: list[SummaryCommune]
    completeness_summary: str
    closing: str
    recipients: list[str]
    signer: Signer
    appendix_reference: str


def province_summary_symbol(province: Province) -> str:
    """"BC-SKHCN": the report's type and the reviewing agency's abbreviation."""
    abbreviation = "".join(province.agency_abbreviation.split())
    return f"BC-{abbreviation}" if abbreviation else "BC"


def province_signer_missing(province: Province) -> list[str]:
    """What the province summary cannot be issued without: its agency and that agency's signer."""
    missing = []
    if not province.agency_name.strip():
        missing.append(_("Chưa có tên cơ quan tổng hợp báo cáo của tỉnh (ví dụ Sở Khoa học và Công nghệ)."))
    if not province.agency_signer_position.strip() or not province.agency_signer_name.strip():
        missing.append(_("Chưa có chức vụ và họ tên người ký báo cáo tổng hợp của %(agency)s. Đề nghị quản "
                         "trị hệ thống cập nhật thông tin người ký của tỉnh trước khi ban hành báo cáo.")
                       % {"agency": province.agency_name.strip() or _("cơ quan tổng hợp")})
    return missing


def _indicators(table: rollup_selectors.ProvinceTable) -> list[SummaryIndicator]:
    """The province totals, counted from the communes' rows the appendix prints (a figure to
    date; a target; the status shown), so the counts describe the figures beside them."""
    return [
        SummaryIndicator(
            number=n, code=i.code, name=i.name, short_name=i.short_name, unit_of_measure=i.unit_of_measure,
            ytd=figure_text(total.ytd_value if total else None, i),
            communes=f"{with_figure}/{with_target}" if total else DASH, at_risk=lagging)
        for n, (i, total, with_figure, with_target, lagging) in enumerate(zip(
            table.indicators, table.totals, table.communes_with_figure, table.communes_with_target,
            table.communes_lagging, strict=True), start=1)
    ]


def _commune(number: int, line: rollup_selectors.CommuneLine, indicators: list[Indicator],
             completeness: tuple[int, int, int, int], state: str | None) -> SummaryCommune:
    """A commune's row of the appendix and, for each lagging indicator, a line of the at-risk
    list: "Tin, bài: 30 tin, bài (chỉ tiêu 75 tin, bài, chậm tiến độ)"."""
    cells, risky = [], []
    for indicator, row in zip(indicators, line.cells, strict=True):
        status = row.status if row else RollupStatus.NO_DATA
        cells.append(SummaryCell(ytd=figure_text(row.ytd_value if row else None, indicator), status=status,
                                 status_label=STATUS_SHORT.get(status, status)))
        if row is not None and row.status in LAGGING:
            risky.append(f"{indicator.short_name}: {figure_with_unit(row.ytd_value, indicator)} "
                         f"(chỉ tiêu {figure_with_unit(row.target, indicator)}, {status_label(row.status).lower()})")
    expected, received, timely, accepted = completeness
    return SummaryCommune(
        number=number, name=line.commune.official_name, cells=cells, expected=expected, received=received,
        on_time=timely, accepted=accepted, at_risk=risky,
        report_state=str(CommuneReportState(state).label) if state else _("Chưa lập"))


def _completeness_summary(communes: list[SummaryCommune], *, issued: int, place: str, what: str) -> str:
    return _(
        "Trên hệ thống có %(n)s xã, phường của %(place)s; %(issued)s xã, phường đã ban hành báo cáo tổng hợp %(what)s. "
        "Các đơn vị cấp xã phải báo cáo %(expected)s lượt, đã nhận %(received)s lượt, trong đó %(accepted)s "
        "lượt đã được xã, phường chấp nhận."
    ) % {"place": place, "n": len(communes), "issued": issued, "what": what,
         "expected": sum(c.expected for c in communes), "received": sum(c.received for c in communes),
         "accepted": sum(c.accepted for c in communes)}


def province_summary_content(*, source: ProvinceQuarter) -> ProvinceSummaryContent:
    """Communes × standard indicators, completeness per commune, communes at risk and the
    province totals of one quarter (about 15 queries, whatever the number of communes)."""
    province, year, quarter = source.province, source.year, source.quarter
    table = rollup_selectors.province_table(province=province, year=year, quarter=quarter)
    plan_ids = plans_for_year(commune_ids=[line.commune.pk for line in table.communes], year=year)
    completeness = province_quarter_completeness(plan_ids, year, quarter)
    states = dict(CommuneReport.objects.filter(
        period__plan_id__in=plan_ids, period__kind=PeriodKind.QUARTERLY, period__year=year,
        period__quarter=quarter).values_list("commune_id", "state"))
    indicators = _indicators(table)
    communes = [_commune(number, line, table.indicators, completeness.get(line.commune.pk, (0, 0, 0, 0)),
                         states.get(line.commune.pk))
                for number, line in enumerate(table.communes, start=1)]
    level = "tỉnh" if province.kind == "tinh" else "thành phố"
    place = f"{level} {province.name}"
    what = quarter_phrase(quarter, year)
    issued = sum(1 for line in table.communes if states.get(line.commune.pk) in (
        CommuneReportState.ISSUED, CommuneReportState.ACKNOWLEDGED))
    agency = " ".join(province.agency_name.split())
    symbol = province_summary_symbol(province)
    return ProvinceSummaryContent(
        province_code=province.code, province_name=province.full_name, year=year, quarter=quarter,
        header=make_header(issuer_kind=IssuerKind.UBND, parent_body=f"UBND {province.full_name}".upper(),
                           issuing_body=agency.upper(), number="", symbol=symbol,
                           place=province.name, issue_date=None, doc_type="BÁO CÁO",
                           title=(f"Tổng hợp kết quả thực hiện Phong trào “Bình dân học vụ số” {what} "
                                  f"của các xã, phường trên địa bàn {place}")),
        intro=(f"Căn cứ báo cáo của các xã, phường và số liệu tổng hợp trên Cổng theo dõi Phong trào "
               f"“Bình dân học vụ số”, {agency} báo cáo kết quả thực hiện {what} "
               f"trên địa bàn {place} như sau:"),
        indicators=indicators, communes=communes, at_risk=[c for c in communes if c.at_risk],
        completeness_summary=_completeness_summary(communes, issued=issued, place=place, what=what),
        closing=f"Trên đây là báo cáo tổng hợp kết quả thực hiện Phong trào “Bình dân học vụ số” {what} "
                f"của {agency}./.",
        recipients=[f"UBND {level} (b/c);",
                    "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới "
                    "sáng tạo và chuyển đổi số tỉnh (b/c);", "UBND các xã, phường;", "Lưu: VT, CĐS."],
        # The agency's signer as the province recorded them; a summary without one is not
        # issued (province_signer_missing).
        signer=Signer(deputy=province.agency_signer_deputy, position=province.agency_signer_position,
                      name=province.agency_signer_name),
        appendix_reference=f"(Kèm theo Báo cáo số \u2002\u2002\u2002/{symbol} ngày \u2002\u2002\u2002 của {agency})",
    )
