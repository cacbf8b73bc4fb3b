"""Reusable checks of an official PDF against FORMAT.md, with pdfplumber (and pdfminer under it).

Every function takes a pdfplumber PDF or page, so a test opens a document once
(``open_pdf(bytes)``) and runs as many checks as it likes. Distances are in millimetres,
font sizes in points.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pdfplumber
from fontTools.ttLib import TTFont
from pdfminer.pdftypes import PDFStream, resolve1
from pdfplumber.page import Page
from pdfplumber.pdf import PDF

MM = 72 / 25.4  # points per millimetre
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


@contextmanager
def open_pdf(content: bytes) -> Iterator[PDF]:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        yield pdf


def mm(points: float) -> float:
    return points / MM


# --- Fonts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontInfo:
    """One font resource, as pdffonts lists it."""

    name: str  # without the subset prefix: "Liberation-Serif-Bold"
    subtype: str  # Type0, TrueType…
    embedded: bool
    program_family: str  # the family in the embedded font program's name table, "" if none

    @property
    def bold(self) -> bool:
        return "Bold" in self.name

    @property
    def italic(self) -> bool:
        return "Italic" in self.name or "Oblique" in self.name


def _name(value: Any) -> str:
    value = resolve1(value)
    return getattr(value, "name", str(value)).strip("/'")


def _font_program(descriptor: dict[str, Any]) -> bytes | None:
    for key in ("FontFile2", "FontFile3", "FontFile"):
        stream = resolve1(descriptor.get(key))
        if isinstance(stream, PDFStream):
            return bytes(stream.get_data())
    return None


def _font_info(font: dict[str, Any]) -> FontInfo:
    subtype = _name(font.get("Subtype"))
    descriptor_owner = font
    if subtype == "Type0":
        descendants = resolve1(font.get("DescendantFonts")) or []
        descriptor_owner = resolve1(descendants[0]) if descendants else {}
    descriptor = resolve1(descriptor_owner.get("FontDescriptor")) or {}
    program = _font_program(descriptor)
    family = ""
    if program:
        try:
            family = TTFont(io.BytesIO(program))["name"].getDebugName(1) or ""
        except Exception:  # a CFF or Type1 program: no TrueType name table to read
            family = ""
    return FontInfo(name=SUBSET_PREFIX.sub("", _name(font.get("BaseFont"))), subtype=subtype,
                    embedded=program is not None, program_family=family)


def _walk_resources(resources: Any, seen: set[int]) -> Iterator[dict[str, Any]]:
    resources = resolve1(resources) or {}
    for ref in (resolve1(resources.get("Font")) or {}).values():
        key = getattr(ref, "objid", id(ref))
        if key not in seen:
            seen.add(key)
            yield resolve1(ref)
    # Form XObjects (SVG drawings, for one) carry fonts of their own.
    for ref in (resolve1(resources.get("XObject")) or {}).values():
        xobject = resolve1(ref)
        key = getattr(ref, "objid", id(ref))
        if isinstance(xobject, PDFStream) and key not in seen:
            seen.add(key)
            if _name(xobject.attrs.get("Subtype")) == "Form":
                yield from _walk_resources(xobject.attrs.get("Resources"), seen)


def fonts_used(pdf: PDF) -> list[FontInfo]:
    """Every font resource of every page (and of the forms drawn on it), like pdffonts."""
    seen: set[int] = set()
    fonts: list[FontInfo] = []
    for page in pdf.pages:
        fonts.extend(_font_info(f) for f in _walk_resources(page.page_obj.resources, seen))
    return fonts


ALLOWED_STYLES = {"", "-Bold", "-Italic", "-Bold-Italic", "-BoldItalic"}


def assert_only_font(pdf: PDF, family: str = "Liberation Serif") -> set[tuple[bool, bool]]:
    """Every font is the family's regular, bold, italic or bold italic, and embedded; the
    embedded programs really are that family. Returns the (bold, italic) faces used."""
    fonts = fonts_used(pdf)
    assert fonts, "the PDF has no fonts at all"
    stem = family.replace(" ", "-")
    bad = [f for f in fonts
           if not f.name.startswith(stem) or f.name[len(stem):] not in ALLOWED_STYLES
           or not f.embedded or f.program_family != family]
    assert not bad, f"fonts other than embedded {family}: {bad}"
    return {(f.bold, f.italic) for f in fonts}


# --- Characters and their style -----------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def is_bold(char: dict[str, Any]) -> bool:
    return "Bold" in char["fontname"]


def is_italic(char: dict[str, Any]) -> bool:
    return "Italic" in char["fontname"] or "Oblique" in char["fontname"]


def chars_of(page: Page, text: str, *, occurrence: int = 0) -> list[dict[str, Any]]:
    """The characters that spell ``text`` on the page (whitespace ignored), in order; [] when
    the text is not there. ``occurrence`` picks a later match."""
    needle = "".join(nfc(text).split())
    chars = [c for c in page.chars if c["text"].strip()]
    haystack = nfc("".join(c["text"] for c in chars))
    start = -1
    for _ in range(occurrence + 1):
        start = haystack.find(needle, start + 1)
        if start < 0:
            return []
    # Each pdf char is one code point after NFC for this font (precomposed glyphs).
    return chars[start:start + len(needle)]


@dataclass(frozen=True)
class Style:
    sizes: frozenset[float]
    bold: bool | None  # None: mixed
    italic: bool | None

    @property
    def size(self) -> float:
        assert len(self.sizes) == 1, f"mixed sizes {sorted(self.sizes)}"
        return next(iter(self.sizes))


def style_of(chars: Iterable[dict[str, Any]]) -> Style:
    chars = list(chars)
    assert chars, "no characters"
    bolds = {is_bold(c) for c in chars}
    italics = {is_italic(c) for c in chars}
    return Style(sizes=frozenset(round(c["size"], 1) for c in chars),
                 bold=bolds.pop() if len(bolds) == 1 else None,
                 italic=italics.pop() if len(italics) == 1 else None)


def assert_style(page: Page, text: str, *, size: float, bold: bool, italic: bool = False) -> Style:
    chars = chars_of(page, text)
    assert chars, f"“{text}” is not on page {page.page_number}"
    style = style_of(chars)
    assert style.sizes == {round(size, 1)}, f"“{text}”: sizes {sorted(style.sizes)}, want {size}"
    assert style.bold is bold, f"“{text}”: bold {style.bold}, want {bold}"
    assert style.italic is italic, f"“{text}”: italic {style.italic}, want {italic}"
    return style


def bbox(chars: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    return (min(c["x0"] for c in chars), min(c["top"] for c in chars),
            max(c["x1"] for c in chars), max(c["bottom"] for c in chars))


# --- Margins and page numbers -------------------------------------------------------------


def body_chars(page: Page, *, top_margin_mm: float = 20) -> list[dict[str, Any]]:
    """Characters below the top margin (the page number lives in the margin)."""
    return [c for c in page.chars if c["text"].strip() and c["top"] >= top_margin_mm * MM]


def left_margin_mm(page: Page) -> float:
    """From the left edge of the page to the leftmost text of the body."""
    return mm(min(c["x0"] for c in body_chars(page)))


def right_margin_mm(page: Page) -> float:
    """From the right end of the body's longest line to the right edge of the page."""
    return mm(page.width - max(c["x1"] for c in body_chars(page)))


def page_number_text(page: Page, *, top_margin_mm: float = 20) -> str:
    """What is written in the top margin ("" when nothing)."""
    chars = [c for c in page.chars if c["text"].strip() and c["bottom"] <= top_margin_mm * MM]
    return "".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"]))


def assert_page_numbers(pdf: PDF, *, left_mm: float = 30, right_mm: float = 15,
                        top_margin_mm: float = 20, size: float | None = None) -> None:
    """Page 1 carries no number; every later page carries its number, centred over the text
    block in the top margin (and in ``size`` pt when given)."""
    assert page_number_text(pdf.pages[0], top_margin_mm=top_margin_mm) == "", "page 1 is numbered"
    for page in pdf.pages[1:]:
        number = str(page.page_number)
        assert page_number_text(page, top_margin_mm=top_margin_mm) == number, (
            f"page {number}: top margin reads {page_number_text(page)!r}")
        chars = [c for c in page.chars if c["bottom"] <= top_margin_mm * MM and c["text"].strip()]
        x0, _top, x1, _bottom = bbox(chars)
        centre = left_mm * MM + (page.width - (left_mm + right_mm) * MM) / 2
        assert abs((x0 + x1) / 2 - centre) < 2 * MM, f"page {number}: number not centred"
        if size is not None:
            assert style_of(chars).sizes == {round(size, 1)}, f"page {number}: number size"


def leftmost_stroke_mm(page: Page) -> float:
    """From the left edge of the page to the leftmost drawn line (a table's border)."""
    return mm(min(e["x0"] for e in page.edges))


def is_landscape(page: Page) -> bool:
    return page.width > page.height


def overlapping_chars(page: Page, *, tolerance_em: float = 0.2) -> list[str]:
    """Pairs of characters drawn over each other on one line ("ab" where b starts before a
    ends by more than kerning moves a glyph: "V." kerns by 0.13 em in Times' metrics): text
    squeezed out of a narrow table cell into the next one."""
    lines: dict[float, list[dict[str, Any]]] = {}
    for char in page.chars:
        if char["text"].strip():
            lines.setdefault(round(char["bottom"], 1), []).append(char)
    pairs = []
    for chars in lines.values():
        chars.sort(key=lambda c: c["x0"])
        for left, right in zip(chars, chars[1:], strict=False):
            if right["x0"] < left["x1"] - tolerance_em * left["size"]:
                pairs.append(left["text"] + right["text"])
    return pairs


def right_edge_mm(page: Page) -> float:
    """From the rightmost drawn line (a table's border) to the right edge of the page."""
    return mm(page.width - max(e["x1"] for e in page.edges))


# --- Text ---------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """NFC words, whitespace of any kind normalised away."""
    return nfc(text).split()


def page_words(pdf: PDF, *, pages: Iterable[int] | None = None) -> list[str]:
    """The words of the whole document (or of some 0-based pages), in reading order, with
    the page numbers of the top margin left out."""
    chosen = list(pdf.pages) if pages is None else [pdf.pages[i] for i in pages]
    result: list[str] = []
    for page in chosen:
        body = page.crop((0, 20 * MM, page.width, page.height))
        result.extend(words(body.extract_text() or ""))
    return result


def contains_text(haystack: list[str], text: str) -> bool:
    """Whether ``text``'s words appear consecutively in ``haystack`` (NFC, any whitespace;
    a two-column part such as the header is read line by line, so compare within columns)."""
    needle = words(text)
    if not needle:
        return True
    first = needle[0]
    count = len(needle)
    return any(haystack[i:i + count] == needle
               for i, word in enumerate(haystack) if word == first)


# --- Lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    x0: float
    x1: float
    y: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0


def horizontal_segments(page: Page) -> list[Segment]:
    """Horizontal strokes: lines, thin rectangles and the edges of drawn borders."""
    segments = [Segment(e["x0"], e["x1"], e["top"]) for e in page.edges if e["orientation"] == "h"]
    segments += [Segment(r["x0"], r["x1"], r["bottom"]) for r in page.rects if r["height"] <= 2]
    return segments


def line_under(page: Page, text: str, *, max_gap_pt: float = 10) -> tuple[float, float] | None:
    """(width of the line under ``text``, width of ``text``): the closest horizontal stroke
    below the text's last line, centred under it; None when there is none."""
    chars = chars_of(page, text)
    if not chars:
        return None
    x0, _top, x1, bottom = bbox(chars)
    centre = (x0 + x1) / 2
    # An underline runs just below the baseline, inside the descent of the last line.
    last_line = [c for c in chars if c["bottom"] > bottom - 1]
    baseline = bottom - 0.216 * max(c["size"] for c in last_line)
    candidates = [s for s in horizontal_segments(page)
                  if baseline <= s.y <= bottom + max_gap_pt and s.width > 5
                  and abs((s.x0 + s.x1) / 2 - centre) < 3 * MM]
    if not candidates:
        return None
    closest = min(candidates, key=lambda s: (round(s.y - bottom, 1), -s.width))
    return closest.width, x1 - x0


def stream_text(pdf: PDF) -> str:
    """All characters of the document in drawing order, NFC, without whitespace: a table
    cell or a header column is drawn whole, so its text stays together here even where a
    line-by-line reading interleaves the columns."""
    return nfc("".join(c["text"] for page in pdf.pages for c in page.chars if c["text"].strip()))


def column_text(pdf: PDF, header: str) -> str:
    """The text of one table column over every page it reaches, without whitespace: the
    characters between the vertical borders around the column's ``header`` cell, top to
    bottom, the repeated header left out. A cell split across a page break reads whole."""
    needle = "".join(nfc(header).split())
    parts = []
    for page in pdf.pages:
        chars = chars_of(page, header)
        if not chars:
            continue
        x0, _top, x1, _bottom = bbox(chars)
        verticals = [e["x0"] for e in page.edges if e["orientation"] == "v"]
        left = max((x for x in verticals if x <= x0 + 0.5), default=0)
        right = min((x for x in verticals if x >= x1 - 0.5), default=page.width)
        inside = sorted((c for c in page.chars if c["text"].strip() and left <= c["x0"] and c["x1"] <= right
                         and c["top"] >= 20 * MM), key=lambda c: (round(c["top"], 1), c["x0"]))
        parts.append(nfc("".join(c["text"] for c in inside)).replace(needle, "", 1))
    return "".join(parts)


def contains_stream_text(haystack: str, text: str) -> bool:
    return "".join(nfc(text).split()) in haystack
