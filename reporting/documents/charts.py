"""Charts for official documents, as inline SVG in the document's own font.

Black and grey only (documents are printed and photocopied), labels wrapped with the font's
metrics (SVG text does not wrap by itself), no symbol the font lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reporting.documents.metrics import text_width_pt
from reporting.documents.profiles import FormatProfile, TextStyle

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no figure yet (an empty bar, "—" as its text)
    value_text: str = ""  # as printed, "72,5%"; defaults to the value
    target: float | None = None  # drawn as a vertical tick across the bar


def _wrap(text: str, style: TextStyle, profile: FormatProfile, width_pt: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width_pt(candidate, style, profile) > width_pt:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def bar_chart_svg(bars: list[Bar], *, profile: FormatProfile, width_mm: float = 150,
                  scale_max: float | None = None, label_percent: float = 40,
                  title: str = "") -> SafeString:
    """A horizontal bar chart: one row per bar, label on the left, value after the bar."""
    style = profile.table
    size = style.size
    line = size * 1.15
    width = width_mm * PT_PER_MM
    label_width = width * label_percent / 100
    value_width = text_width_pt("100,0%", style, profile) + 6
    plot_x = label_width + 6
    plot_width = max(width - plot_x - value_width, 10)
    top = line * 1.5 if title else 2
    maximum = scale_max or max([b.value or 0 for b in bars] + [b.target or 0 for b in bars] + [1])
    family = escape(profile.font_family)
    parts: list[str] = []
    if title:
        parts.append(f'<text x="{width / 2:.1f}" y="{line:.1f}" text-anchor="middle" '
                     f'font-weight="700">{escape(title)}</text>')
    y = top
    for bar in bars:
        labels = _wrap(bar.label, style, profile, label_width)
        row = max(len(labels) * line, line) + 4
        for index, text in enumerate(labels):
            parts.append(f'<text x="0" y="{y + size + index * line:.1f}">{escape(text)}</text>')
        bar_top = y + 2
        bar_height = min(row - 6, line)
        if bar.value is not None:
            length = plot_width * min(max(bar.value, 0) / maximum, 1)
            parts.append(f'<rect x="{plot_x:.1f}" y="{bar_top:.1f}" width="{length:.1f}" '
                         f'height="{bar_height:.1f}" fill="#8c8c8c" stroke="#000" stroke-width="0.4"/>')
        else:
            length = 0
        if bar.target is not None:
            tick = plot_x + plot_width * min(max(bar.target, 0) / maximum, 1)
            parts.append(f'<line x1="{tick:.1f}" y1="{bar_top - 2:.1f}" x2="{tick:.1f}" '
                         f'y2="{bar_top + bar_height + 2:.1f}" stroke="#000" stroke-width="1.2"/>')
        shown = bar.value_text or ("—" if bar.value is None else f"{bar.value:g}")
        parts.append(f'<text x="{plot_x + length + 3:.1f}" y="{bar_top + size * 0.85:.1f}">'
                     f'{escape(shown)}</text>')
        y += row
    parts.append(f'<line x1="{plot_x:.1f}" y1="{top:.1f}" x2="{plot_x:.1f}" y2="{y:.1f}" '
                 f'stroke="#000" stroke-width="0.6"/>')
    height = y + 2
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1f}pt" height="{height:.1f}pt" '
           f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{family}" font-size="{size:g}">'
           + "".join(parts) + "</svg>")
    return mark_safe(svg)  # noqa: S308 - every text above went through escape()
