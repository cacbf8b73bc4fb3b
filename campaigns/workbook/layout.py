"""The plan workbook's format: its sheets, their columns, the general fields, the guide.
Layer: workbook (shared by the writer, campaigns/workbook/write.py, and the reader,
campaigns/workbook/read.py).

The layout is documented sheet by sheet in docs/plan-workbook.md. Sheet names, column headers
and field labels are part of the file format: they are fixed Vietnamese, never translated, so
a workbook downloaded in English reads back the same way. The list labels (section kinds, unit
kinds, periods…) are the Vietnamese labels of the model choices (portal.xlsx.choice_labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaigns.models import IssuerKind, SectionKind, TasksLayout, UnitKind
from targets.models import Period

SHEET_GUIDE = "Hướng dẫn"
SHEET_GENERAL = "Thông tin chung"
SHEET_SECTIONS = "Nội dung"
SHEET_UNITS = "Đơn vị"
SHEET_TARGETS = "Chỉ tiêu"
SHEET_TASKS = "Nhiệm vụ"
SHEET_LISTS = "Danh mục"
DATA_SHEETS = (SHEET_GENERAL, SHEET_SECTIONS, SHEET_UNITS, SHEET_TARGETS, SHEET_TASKS)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    text: bool = True  # formatted as Text ("@") so Excel keeps "03" and "1/2026" as typed
    help: bool = False  # written for the reader's benefit, ignored on import


GENERAL_COLUMNS = (
    Column("label", "Trường", 24),
    Column("value", "Giá trị", 90),
    Column("note", "Ghi chú", 48, help=True),
)
SECTION_COLUMNS = (
    Column("number", "Số TT", 8),
    Column("level", "Cấp", 6, text=False),
    Column("heading", "Tiêu đề", 40),
    Column("kind", "Loại", 20),
    Column("body", "Nội dung", 90),
    Column("unit", "Đơn vị", 28),
    Column("year", "Năm", 8, text=False),
    Column("run_in", "Tiêu đề liền đoạn (x)", 12),
)
UNIT_COLUMNS = (
    Column("name", "Tên đơn vị", 50),
    Column("kind", "Loại", 30),
)
TARGET_COLUMNS = (
    Column("indicator", "Mã chỉ số", 30),
    Column("indicator_name", "Tên chỉ số", 45, help=True),
    Column("year", "Năm", 8, text=False),
    Column("value", "Chỉ tiêu", 10, text=False),
    Column("baseline", "Số liệu gốc", 12, text=False),
    Column("stretch", "Phấn đấu (x)", 11),
    Column("per_period_quantity", "Định mức mỗi kỳ", 12, text=False),
    Column("per_period", "Kỳ", 9),
    Column("statement", "Nội dung chỉ tiêu", 60),
    Column("reporting_units", "Đơn vị báo cáo", 40),
)
TASK_COLUMNS = (
    Column("number", "STT", 6),
    Column("title", "Nhiệm vụ, giải pháp", 50),
    Column("lead", "Cơ quan chủ trì", 26),
    Column("coordinating", "Cơ quan phối hợp", 30),
    Column("timeframe", "Thời gian thực hiện", 18),
    Column("deliverables", "Sản phẩm/kết quả", 40),
    Column("description", "Mô tả chi tiết", 50),
    Column("deliverable_specs", "Chỉ số sản phẩm", 32),
)
SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    SHEET_GENERAL: GENERAL_COLUMNS,
    SHEET_SECTIONS: SECTION_COLUMNS,
    SHEET_UNITS: UNIT_COLUMNS,
    SHEET_TARGETS: TARGET_COLUMNS,
    SHEET_TASKS: TASK_COLUMNS,
}


@dataclass(frozen=True)
class GeneralField:
    label: str
    path: str  # PlanData path: "title", "signer.name"
    kind: str  # "text" | "int" | "issuer" | "layout"
    note: str


GENERAL_FIELDS = (
    GeneralField("Cơ quan ban hành", "issuer_kind", "issuer", "Ủy ban nhân dân hoặc Đảng ủy (chọn trong danh sách)."),
    GeneralField("Cơ quan chủ quản", "parent_body", "text", "Ví dụ: ĐẢNG BỘ TỈNH QUẢNG NINH; để trống nếu không có."),
    GeneralField("Tên cơ quan ban hành", "issuing_body", "text", "Ví dụ: ỦY BAN NHÂN DÂN PHƯỜNG BA NGÒI."),
    GeneralField("Số", "number", "text", "Ví dụ: 12; để trống khi chưa cấp số."),
    GeneralField("Ký hiệu", "symbol", "text", "Ví dụ: KH-UBND hoặc KH/ĐU."),
    GeneralField("Địa danh", "place", "text", "Ví dụ: Ba Ngòi."),
    GeneralField("Ngày", "issue_day", "int", "Ngày ban hành; để trống khi chưa có."),
    GeneralField("Tháng", "issue_month", "int", "Tháng ban hành (1–12)."),
    GeneralField("Năm", "issue_year", "int", "Năm ban hành."),
    GeneralField("Trích yếu", "title", "text", "Tên kế hoạch, sau chữ “KẾ HOẠCH”."),
    GeneralField("Từ năm", "start_year", "int", "Năm bắt đầu thực hiện."),
    GeneralField("Đến năm", "end_year", "int", "Năm kết thúc (bằng năm bắt đầu nếu kế hoạch một năm)."),
    GeneralField("Lời dẫn", "preamble", "text", "Đoạn dẫn trước phần I."),
    GeneralField("Đoạn kết", "closing", "text", "Đoạn cuối văn bản; để trống nếu không có."),
    GeneralField("Chế độ báo cáo", "reporting_duty", "text", "Ví dụ: Định kỳ trước ngày 15 hàng quý báo cáo…"),
    GeneralField("Thẩm quyền ký", "signer.authority", "text", "Ví dụ: TM. ỦY BAN NHÂN DÂN."),
    GeneralField("Ký thay", "signer.deputy", "text", "Ví dụ: KT. CHỦ TỊCH; để trống nếu ký trực tiếp."),
    GeneralField("Chức vụ", "signer.position", "text", "Ví dụ: PHÓ CHỦ TỊCH."),
    GeneralField("Người ký", "signer.name", "text", "Họ và tên người ký."),
    GeneralField("Trình bày nhiệm vụ", "tasks_layout", "layout", "Phụ lục kèm theo, hoặc Trong nội dung kế hoạch."),
    GeneralField("Tiêu đề phụ lục", "appendix_title", "text", "Tiêu đề bảng nhiệm vụ khi trình bày thành phụ lục."),
    GeneralField("Dòng kèm theo của phụ lục", "appendix_reference", "text",
                 "Như văn bản ghi, ví dụ: (Ban hành kèm theo Kế hoạch số …); để trống để hệ thống tự ghi."),
    GeneralField("Ghi chú sau “Nơi nhận:”", "recipients_note", "text", "Ví dụ: (VBĐT); để trống nếu không có."),
    GeneralField("Phần văn bản còn thiếu", "source_gaps", "text",
                 "Mỗi dòng một chỗ văn bản gốc còn thiếu; không in ra, phải bổ sung trước khi ban hành."),
)
LABEL_LEGAL_BASIS = "Căn cứ"
LABEL_RECIPIENT = "Nơi nhận"
LIST_NOTES = {
    LABEL_LEGAL_BASIS: "Mỗi văn bản căn cứ một dòng, đúng thứ tự trong kế hoạch.",
    LABEL_RECIPIENT: "Mỗi nơi nhận một dòng, đúng thứ tự trong kế hoạch.",
}

GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN TỆP KẾ HOẠCH “BÌNH DÂN HỌC VỤ SỐ”",
    "Tệp này chứa toàn bộ một kế hoạch. Sửa trực tiếp trong các trang rồi tải lên cổng bằng nút “Nhập từ Excel”. "
    "Khi tải lên, cổng kiểm tra cả tệp: nếu có lỗi, cổng liệt kê mọi lỗi kèm trang và ô, và chưa lưu gì cả.",
    "Không đổi tên các trang; không xoá hoặc đổi tên cột ở dòng tiêu đề (dòng 1). Có thể đổi thứ tự cột, thêm hoặc xoá dòng.",
    "Không dùng công thức: ô có công thức sẽ bị từ chối. Nếu cần tính toán, hãy Sao chép rồi Dán giá trị (Paste Values).",
    "Số: ghi số thuần; dấu thập phân là dấu phẩy hoặc dấu chấm (12,5 hoặc 12.5); không dùng dấu phân cách hàng nghìn "
    "(ghi 1000, không ghi 1.000). Tỷ lệ phần trăm ghi 70 (hoặc 70%).",
    "Trong một ô, mỗi mục một dòng: nhấn Alt+Enter (trên máy Mac: Option+Enter) để xuống dòng trong ô.",
    "Trang “Thông tin chung”: mỗi dòng một trường (cột “Trường”), giá trị ở cột “Giá trị”. Mỗi văn bản căn cứ một dòng "
    "có tên trường “Căn cứ”, mỗi nơi nhận một dòng có tên trường “Nơi nhận”, theo đúng thứ tự trong văn bản.",
    "Trang “Nội dung”: các mục của kế hoạch theo thứ tự. Số TT: I, II… hoặc 1, 2… hoặc 4.1. Cấp: 1 (mục La Mã), "
    "2 (mục số), 3 (tiểu mục). Loại: chọn trong danh sách. Nội dung: mỗi đoạn một dòng trong ô, gạch đầu dòng giữ "
    "nguyên “- ” hoặc “+ ”. Đơn vị: chỉ ghi khi mục nói về trách nhiệm của một đơn vị. Năm: chỉ ghi khi mục chỉ nói về một năm.",
    "Trang “Đơn vị”: các đơn vị được nêu trong kế hoạch và loại của đơn vị. Đơn vị chưa có trên cổng chỉ được tạo "
    "khi chọn “Tạo đơn vị mới nếu chưa có” lúc tải lên.",
    "Trang “Chỉ tiêu”: mỗi dòng một chỉ tiêu của một năm. Mã chỉ số lấy ở trang “Danh mục”; cột “Tên chỉ số” chỉ để "
    "xem, không được đọc khi nhập. Phấn đấu: ghi “x” nếu là chỉ tiêu phấn đấu. Định mức mỗi kỳ và Kỳ dùng cho chỉ tiêu "
    "theo nhịp (25 tin, bài/tháng: Chỉ tiêu 300, Định mức mỗi kỳ 25, Kỳ “tháng”). Đơn vị báo cáo: mỗi đơn vị một dòng trong ô.",
    "Trang “Nhiệm vụ”: bảng phụ lục nhiệm vụ, giải pháp. STT: I, II… (nhóm), 1, 2… (mục), “-” hoặc “+” (nhiệm vụ). "
    "Cơ quan chủ trì: tên một đơn vị hoặc cụm từ chung (“Các cơ quan, đơn vị”). Cơ quan phối hợp: mỗi cơ quan một dòng "
    "trong ô. Sản phẩm/kết quả: mỗi sản phẩm một dòng. Chỉ số sản phẩm: dòng tương ứng ghi “MÃ_CHỈ_SỐ | số lượng | kỳ”, "
    "ví dụ “NEWS_ARTICLES | 25 | tháng”; có thể để trống từng phần hoặc cả dòng.",
    "Ô bắt đầu bằng “=”, “+”, “-” hoặc “@” được lưu dưới dạng chữ (không phải công thức) và được nhập lại đúng nguyên văn.",
    "Giới hạn: tệp tối đa 10 MB; mỗi trang tối đa 5.000 dòng. Trang “Hướng dẫn” và “Danh mục” chỉ để xem.",
)


# The "Danh mục" sheet: one block of (label, code) per list, side by side; the writer points
# the drop-down lists of the data sheets at these columns.
LIST_BLOCKS: tuple[tuple[str, str, Any], ...] = (
    ("A", "Loại mục", SectionKind),
    ("D", "Loại đơn vị", UnitKind),
    ("G", "Kỳ", Period),
    ("N", "Cơ quan ban hành", IssuerKind),
    ("Q", "Trình bày nhiệm vụ", TasksLayout),
)
# The choice lists a cell may name, by the kind the reader asks for.
CHOICE_CLASSES: dict[str, Any] = {
    "issuer": IssuerKind, "layout": TasksLayout, "section": SectionKind, "unit": UnitKind, "period": Period,
}
