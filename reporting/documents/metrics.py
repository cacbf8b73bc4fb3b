"""The shipped font's files, the characters it covers and the width of a text set in it.

The portal ships its font (static/fonts/, SIL OFL, see LICENSE-LiberationSerif.txt) so a PDF
never depends on the fonts of the machine that renders it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont

from reporting.documents.profiles import FontFile, FormatProfile, TextStyle


def font_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


def font_path(font: FontFile) -> Path:
    return font_dir() / font.filename


@cache
def _font(path: str) -> TTFont:
    return TTFont(path, lazy=True)


@cache
def _cmap(path: str) -> dict[int, str]:
    return dict(_font(path).getBestCmap())


def covered_codepoints(profile: FormatProfile) -> frozenset[int]:
    """Code points every face of the profile's font has a glyph for (all four faces)."""
    return _covered(tuple(str(font_path(f)) for f in profile.font_files))


@cache
def _covered(paths: tuple[str, ...]) -> frozenset[int]:
    sets = [set(_cmap(p)) for p in paths]
    return frozenset(set.intersection(*sets)) if sets else frozenset()


def _face(profile: FormatProfile, style: TextStyle) -> FontFile:
    for font in profile.font_files:
        if font.bold == style.bold and font.italic == style.italic:
            return font
    return profile.font_files[0]


def text_width_pt(text: str, style: TextStyle, profile: FormatProfile) -> float:
    """The advance width of ``text`` in points (no kerning: close enough to size a rule)."""
    path = str(font_path(_face(profile, style)))
    font = _font(path)
    cmap = _cmap(path)
    metrics = font["hmtx"]
    units = font["head"].unitsPerEm
    if style.upper:
        text = text.upper()
    total = 0
    for char in text:
        glyph = cmap.get(ord(char))
        if glyph is not None:
            total += metrics[glyph][0]
    return total * style.size / units
