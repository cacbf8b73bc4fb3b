"""Text rules of official documents (documents layer): the place and date line, the number,
legal bases, line breaking, and keeping every character within the font (no fallback font may
appear in a document). How a figure or a date is written is portal.formats'."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.formats import vn_date_in_words
from reporting.documents.metrics import covered_codepoints, text_width_pt
from reporting.documents.profiles import FormatProfile, TextStyle

logger = logging.getLogger(__name__)


def place_date_line(place: str, day: int | None, month: int | None, year: int | None, *,
                    profile: FormatProfile) -> str:
    """"Ba Ngòi, ngày 05 tháng 01 năm 2026": the date as portal.formats writes it in words, with
    the profile's leading zeros (a day below 10, months 1–2) and its blanks for a part not
    known yet (to fill in by hand)."""
    when = vn_date_in_words(day, month, year, pad_day_below=profile.pad_day_below, pad_months=profile.pad_months,
                            blank=profile.date_blank, year_blank=profile.year_blank)
    return profile.date_format.format(place=place.strip(), date=when)


def place_date_line_for(place: str, when: date | None, *, profile: FormatProfile) -> str:
    if when is None:
        return place_date_line(place, None, None, None, profile=profile)
    return place_date_line(place, when.day, when.month, when.year, profile=profile)


def document_number(number: str, *, profile: FormatProfile) -> str:
    """"3" → "03": numbers below 10 take a leading zero; anything else is kept as written."""
    number = number.strip()
    if number.isdigit() and len(number) < profile.number_min_digits:
        return number.zfill(profile.number_min_digits)
    return number


def reference_line(number: str, symbol: str, *, profile: FormatProfile) -> str:
    """"Số: 12/KH-UBND" (state) or "Số 03-KH/ĐU" (Party); a blank while unnumbered."""
    shown = document_number(number, profile=profile) or profile.date_blank
    return profile.reference_format.format(number=shown, symbol=symbol.strip())


def issuing_body_lines(text: str, *, profile: FormatProfile) -> list[str]:
    """The issuing body in lines: "ỦY BAN NHÂN DÂN" / "PHƯỜNG BA NGÒI" as offices set it."""
    text = " ".join(text.split())
    for prefix in profile.issuing_body_breaks:
        if text.upper().startswith(prefix.upper()) and len(text) > len(prefix):
            return [text[: len(prefix)], text[len(prefix):].strip()]
    return [text] if text else []


# Look-alikes for characters Liberation Serif lacks; anything else it lacks is dropped.
_SUBSTITUTES = {
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2015": "\u2014",  # horizontal bar
    "\u2714": "x", "\u2713": "x", "\u2717": "x", "\u2718": "x",  # ticks and crosses
    "\u00a0": " ",
    "\t": " ",
}
_DROP_SILENTLY = {"\ufeff", "\u200c", "\u200d", "\u2060", "\ufe0f", "\ufe0e"}


def font_safe(text: str, *, profile: FormatProfile) -> str:
    """``text`` in NFC with only characters every face of the profile's font has.

    WeasyPrint would fall back to another system font for a missing glyph (an emoji pasted
    from a chat, a tick mark), which FORMAT.md forbids: such characters get a look-alike the
    font has, or are dropped (and logged).
    """
    text = unicodedata.normalize("NFC", text)
    covered = covered_codepoints(profile)
    out: list[str] = []
    dropped: set[str] = set()
    for char in text:
        if ord(char) in covered or char in "\n\r":
            out.append(char)
            continue
        substitute = _SUBSTITUTES.get(char)
        if substitute is None:
            decomposed = unicodedata.normalize("NFKC", char)
            if decomposed != char and all(ord(c) in covered for c in decomposed):
                substitute = decomposed
        if substitute is not None and all(ord(c) in covered or c == " " for c in substitute):
            out.append(substitute)
        elif char not in _DROP_SILENTLY:
            dropped.add(char)
    if dropped:
        logger.warning("PDF: dropped characters the font lacks: %s",
                       ", ".join(f"U+{ord(c):04X}" for c in sorted(dropped)))
    return "".join(out)


def line_count(text: str, *, style: TextStyle, profile: FormatProfile, max_width_pt: float) -> int:
    """How many lines ``text`` takes in a box ``max_width_pt`` wide, wrapped word by word as
    the renderer does (each of its own lines apart); an estimate within a line or so."""
    count = 0
    space = text_width_pt(" ", style, profile)
    for paragraph in text.splitlines() or [""]:
        lines, width = 1, 0.0
        for word in paragraph.split():
            word_width = text_width_pt(word, style, profile)
            if width and width + space + word_width > max_width_pt:
                lines, width = lines + 1, word_width
            else:
                width += (space if width else 0) + word_width
        count += lines
    return count


_ITEM_ENDINGS = " \t;:,."


def joined_items(items: Iterable[str], *, separator: str = "; ") -> str:
    """Items of a list written on one line ("Kế hoạch triển khai; Báo cáo kết quả"): each
    item's own closing ";", ":", "," or "." gives way to the separator, so a join never reads
    ":;" or ";;" (a plan types "Kế hoạch triển khai:" and "Báo cáo hằng quý;" as list items)."""
    parts = (" ".join(text.split()).rstrip(_ITEM_ENDINGS) for text in items)
    return separator.join(part for part in parts if part)


_OPENING = {"“", "‘", "(", "[", '"', "«"}
_CLOSING = {"”", "’", ")", "]", '"', "»", ",", ";", ":", ".", "!", "?"}


def _break_units(tokens: list[str]) -> list[str]:
    """Tokens that may not start or end a line on their own: a quote mark typed apart from
    its word ("“ BÌNH DÂN HỌC VỤ SỐ ”") stays on the same line as that word, and a short
    quoted name (“Bình dân học vụ số”) is not broken at all."""
    units: list[str] = []
    glue_next = False
    for token in tokens:
        if units and (glue_next or token in _CLOSING):
            units[-1] = f"{units[-1]} {token}"
        else:
            units.append(token)
        glue_next = token in _OPENING
    merged: list[str] = []
    index = 0
    while index < len(units):
        unit = units[index]
        if unit.startswith("“") and "”" not in unit:
            end = next((j for j in range(index + 1, min(index + _QUOTE_WORDS, len(units)))
                        if "”" in units[j]), None)
            if end is not None:
                merged.append(" ".join(units[index:end + 1]))
                index = end + 1
                continue
        merged.append(unit)
        index += 1
    return merged


_QUOTE_WORDS = 8  # a longer quotation may break like any text


def balanced_lines(text: str, *, style: TextStyle, profile: FormatProfile,
                   max_width_pt: float) -> list[str]:
    """``text`` broken into the fewest lines that fit ``max_width_pt``, as even as possible.

    Offices break a centred summary by hand ("Thực hiện Phong trào … năm 2026" / "trên địa
    bàn phường Ba Ngòi") rather than leave one word alone on the last line; this does the
    same with the font's metrics (a 3% allowance covers kerning).
    """
    words = _break_units(text.split())
    if not words:
        return []
    limit = max_width_pt * 0.97
    space = text_width_pt(" ", style, profile)
    widths = [text_width_pt(word, style, profile) for word in words]

    def width(i: int, j: int) -> float:  # words[i:j] on one line
        return sum(widths[i:j]) + space * (j - i - 1)

    if width(0, len(words)) <= limit:
        return [" ".join(words)]
    count = len(words)
    for lines in range(2, count + 1):
        # best[k][j]: the smallest possible widest line setting words[:j] on k lines.
        best = [[float("inf")] * (count + 1) for _ in range(lines + 1)]
        cut = [[0] * (count + 1) for _ in range(lines + 1)]
        best[0][0] = 0.0
        for k in range(1, lines + 1):
            for j in range(1, count + 1):
                for i in range(k - 1, j):
                    line = width(i, j)
                    if line > limit or best[k - 1][i] == float("inf"):
                        continue
                    candidate = max(best[k - 1][i], line)
                    if candidate < best[k][j]:
                        best[k][j], cut[k][j] = candidate, i
        if best[lines][count] < float("inf"):
            result, j = [], count
            for k in range(lines, 0, -1):
                i = cut[k][j]
                result.append(" ".join(words[i:j]))
                j = i
            return result[::-1]
    return [" ".join(words)]  # a single word wider than the line: let the browser wrap it


# The words of an administrative level, after which a body's proper name begins.
_LEVEL_ENDINGS = tuple(f" {word}" for word in (
    "TỈNH", "THÀNH PHỐ", "ĐẶC KHU", "THỊ TRẤN", "THỊ XÃ", "PHƯỜNG", "XÃ", "HUYỆN", "QUẬN"))


def body_lines(text: str, *, style: TextStyle, profile: FormatProfile, max_width_pt: float) -> list[str]:
    """A body's name ("UBND THÀNH PHỐ HỒ CHÍ MINH") in a header column: whole when it fits;
    else broken before its proper name when both parts fit ("UBND THÀNH PHỐ" / "HỒ CHÍ
    MINH", never "… BÀ" / "RỊA - VŨNG TÀU"), as offices set it; else in even lines."""
    text = " ".join(text.split())
    limit = max_width_pt * 0.97
    if not text or text_width_pt(text, style, profile) <= limit:
        return [text] if text else []
    words = text.split()
    for end in range(len(words) - 1, 0, -1):
        head = " ".join(words[:end])
        if f" {head.upper()}".endswith(_LEVEL_ENDINGS):
            tail = " ".join(words[end:])
            if all(text_width_pt(part, style, profile) <= limit for part in (head, tail)):
                return [head, tail]
            break
    return balanced_lines(text, style=style, profile=profile, max_width_pt=max_width_pt)


# "57-NQ/TW", "01/KH-BCĐTW", "21/3/2025": a line may not break inside a document's number
# and symbol or a date (the renderer would otherwise break after "-" or "/").
_CODE = re.compile(r"\S*\w[-/]\w\S*")
_CODE_MAX = 30  # a longer run (a web address) may still break


def keep_codes_together(text: str) -> SafeString:
    """``text`` escaped for HTML, its numbers and symbols in ``doc-nowrap`` spans."""
    parts: list[str] = []
    last = 0
    for match in _CODE.finditer(text):
        if len(match.group()) > _CODE_MAX:
            continue
        parts.append(escape(text[last:match.start()]))
        parts.append(f'<span class="doc-nowrap">{escape(match.group())}</span>')
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece went through escape()
