"""A plan document against its source (DESIGN.md rule 8): every paragraph of the source
exactly once and in order, and nothing the source lacks.

The sources are the four commune plans of ``shared/seeds`` (copied into ``seeds/`` beside this
module, so that the suite does not depend on the checkout's neighbours). They are Markdown as a
converter wrote them from the Word files: headings marked with ``#``, emphasis with ``*``, the
appendix as tab-separated rows whose cells may carry HTML fragments. ``source_blocks`` reads
them as the document's paragraphs (and the appendix cell by cell) in order, starting after the
header block (the profile prints the header from the plan's fields; other tests check it).

Text is compared after NFC and with all whitespace removed: a line break in a PDF or a
non-breaking space the renderer puts between "số" and "12/KH-UBND" is not a difference, a
word or a punctuation mark is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEEDS_DIR = Path(__file__).parent / "seeds"
SEED_FILES = {
    "ba-ngoi": "ba-ngoi_khanh-hoa_2026_ubnd-phuong.txt",
    "dang-thuy-tram": "dang-thuy-tram_quang-ngai_2025_ubnd-xa.txt",
    "ha-tu": "ha-tu_quang-ninh_2025_dang-uy-phuong.txt",
    "son-kim-1": "son-kim-1_ha-tinh_2026_ubnd-xa.txt",
}
# A block shorter than this ("-", "I", "Thường xuyên") may rightly appear many times: it must
# still be found in order, but is not held to "exactly once".
UNIQUE_FROM = 25

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r"<(https?://[^>]+)>")
_HEADING = re.compile(r"^#+\s*")
_ITEM = re.compile(r"^([-+•·]\s*|\d+\.\s)")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


def squeeze(text: str) -> str:
    """NFC, without whitespace: the form every comparison uses."""
    return "".join(unicodedata.normalize("NFC", text).split())


def _plain(line: str) -> str:
    """A Markdown line as printed: no heading marks, emphasis, escapes or link brackets."""
    line = _BOOKMARK.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _TAG.sub(" ", line)
    line = html.unescape(line)
    line = _HEADING.sub("", line)
    line = line.replace("\\*", "\x00").replace("*", "").replace("\x00", "*")
    return line.strip()


def _is_type_line(line: str) -> bool:
    return _plain(line) == "KẾ HOẠCH"


@dataclass
class Source:
    """A seed document: its body from the title on, the appendix heading, the table's cells."""

    body: list[str]
    appendix_head: list[str]
    cells: list[str]


def source_document(code: str) -> Source:
    """The paragraphs of a seed after its header, in order; appendix cells one by one."""
    lines = (SEEDS_DIR / SEED_FILES[code]).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if _is_type_line(line)) + 1
    body: list[str] = []
    rows: list[list[str]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            text = " ".join(current).strip()
            if text:
                body.append(text)
            current.clear()

    for raw in lines[start:]:
        if raw.count("\t") >= 3:  # a row of the appendix table (5 tabs)
            flush()
            row = [" ".join(_plain(c).split()) for c in raw.split("\t")]
            if rows and not row[0]:
                # A row the Word file broke across a page goes on in a line with no STT: its
                # cells continue the row above, column by column.
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], row, strict=False)]
            else:
                rows.append(row)
            continue
        line = _plain(raw)
        if not line:
            flush()
            continue
        if _ITEM.match(line) and current:
            flush()  # recipients are written one per line without blank lines between
        current.append(line)
    flush()
    cells = [cell for row in rows for cell in row if cell]
    head: list[str] = []
    if cells:  # the appendix heading is the body's tail: "Phụ lục", its title, "(Kèm theo …)"
        at = max(i for i, block in enumerate(body) if block.startswith("Phụ lục"))
        body, head = body[:at], body[at:]
    return Source(body=body, appendix_head=head, cells=cells)


def source_blocks(code: str) -> list[str]:
    source = source_document(code)
    return source.body + source.appendix_head + source.cells


@dataclass
class Walk:
    """What reading a rendered document against its source found."""

    missing: list[str] = field(default_factory=list)  # source blocks not found (in order)
    repeated: list[str] = field(default_factory=list)  # found more than once
    extra: list[str] = field(default_factory=list)  # rendered text between blocks, not in the source

    @property
    def ok(self) -> bool:
        return not (self.missing or self.repeated or self.extra)

    def report(self) -> str:
        parts = []
        for title, items in (("missing", self.missing), ("repeated", self.repeated), ("extra", self.extra)):
            for item in items:
                parts.append(f"{title}: {item[:160]}")
        return "\n".join(parts)


def walk(blocks: list[str], rendered: str, *, allowed: Iterable[str] = ()) -> Walk:
    """Find every block of ``blocks`` in ``rendered`` in order; what lies between two found
    blocks and is not one of the ``allowed`` fixed texts (the profile's labels) is extra.
    The part before the first block (the header the profile prints) is not judged here. A
    block is "repeated" when the rendering holds it more often than the source does."""
    result = Walk()
    text = squeeze(rendered)
    source = squeeze("\n".join(blocks))
    allowed_squeezed = sorted((squeeze(a) for a in allowed if a.strip()), key=len, reverse=True)
    cursor = None
    for block in blocks:
        needle = squeeze(block)
        if not needle:
            continue
        found = text.find(needle, cursor or 0)
        if found < 0:
            result.missing.append(block)
            continue
        if len(needle) >= UNIQUE_FROM and text.count(needle) > source.count(needle):
            result.repeated.append(block)
        if cursor is not None:
            gap = _without(text[cursor:found], allowed_squeezed)
            if gap:
                result.extra.append(gap)
        cursor = found + len(needle)
    if cursor is not None:
        gap = _without(text[cursor:], allowed_squeezed)
        if gap:
            result.extra.append(gap)
    return result


def _without(gap: str, allowed: list[str]) -> str:
    for fixed in allowed:
        gap = gap.replace(fixed, "")
    return re.sub(r"-{3,}", "", gap)  # the party profile's rule of dashes under the title


def pdf_body_text(pdf: Any, *, top_margin_mm: float = 20) -> str:
    """The text of a PDF in drawing order without the page numbers (drawn in the top margin,
    where no body text goes)."""
    from tests.documents.pdfcheck import body_chars

    return "".join(c["text"] for page in pdf.pages for c in body_chars(page, top_margin_mm=top_margin_mm))


# What the profile prints whatever the plan says: labels, not the plan's text.
FIXED_TEXTS = ["Nơi nhận:", "Phụ lục"]
TABLE_HEADER = ["STT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp",
                "Thời gian thực hiện", "Sản phẩm/kết quả"]


def cells_check(cells: list[str], rendered: str, *, allowed: Iterable[str] = ()) -> Walk:
    """The appendix table cell by cell, in any order (a row split across pages interleaves
    its columns): every cell is there, and once the cells and the header are taken out,
    nothing is left."""
    result = Walk()
    text = squeeze(rendered)
    for cell in sorted(cells, key=lambda c: len(squeeze(c)), reverse=True):
        needle = squeeze(cell)
        if needle in text:
            text = text.replace(needle, "", 1)
        else:
            result.missing.append(cell)
    left = _without(text, sorted((squeeze(a) for a in allowed), key=len, reverse=True))
    if left:
        result.extra.append(left)
    return result
# What the plan page shows around the document for its reader (never printed).
PAGE_LABELS = ["(chưa có người ký)", "Bảng nhiệm vụ, giải pháp", "—",
               "Các dòng có viền bên trái được tạo từ bảng chỉ tiêu (văn bản chưa có đoạn viết riêng) "
               "và được in như vậy trong văn bản."]
