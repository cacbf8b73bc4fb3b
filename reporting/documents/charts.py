"""Hand-written SVG line charts for the official PDFs and the pages that show the same figures.

No charting library: a library would bring its own fonts (a PDF may carry Liberation Serif
only, FORMAT.md) and its own idea of layout. Every label here names the Liberation Serif family
and the chart is plain SVG 1.1 that WeasyPrint draws as vectors, so its text is real text in
the PDF (searchable, extractable) in the same embedded font as the body.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from portal.formats import vn_figure
from targets.progress import trajectory

FONT_FAMILY = "Liberation Serif"
# User units of the viewBox; the page scales the drawing to its column width.
WIDTH = 640
HEIGHT = 268
PLOT_LEFT = 96
PLOT_RIGHT = 600
PLOT_TOP = 20
PLOT_BOTTOM = 200
LABEL_SIZE = 15
ACTUAL_COLOUR = "#1f4e79"
TARGET_COLOUR = "#7f7f7f"


@dataclass(frozen=True)
class Point:
    """A position on the x axis (0 = start of the year, 1–4 = end of a quarter) and a value."""

    x: int
    y: Decimal


def _nice_step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10ⁿ) giving about five ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _scale_top(values: Sequence[float], *, percent: bool) -> tuple[float, float]:
    highest = max([0.0, *values])
    if percent:
        return 100.0, 20.0
    step = _nice_step(highest or 1.0)
    top = step * (int(highest / step) + 1) if highest else step * 5
    return top, step


def line_chart(*, title: str, actual: Sequence[Point], target_line: Sequence[Point],
               x_labels: Sequence[str], percent: bool, fmt: Callable[[Decimal], str],
               actual_label: str, target_label: str, font_family: str = FONT_FAMILY) -> str:
    """An SVG of the year-to-date trajectory (solid, with values) against the straight line to
    the year's target (dashed). ``x_labels`` name the positions 0–4; ``fmt`` writes a value the
    way the document writes figures (decimal comma)."""
    values = [float(p.y) for p in (*actual, *target_line)]
    top, step = _scale_top(values, percent=percent)

    def sx(x: int) -> float:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * x / (len(x_labels) - 1)

    def sy(y: float) -> float:
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * min(max(y / top, 0.0), 1.05)

    font = f'font-family="{escape(font_family)}" font-size="{LABEL_SIZE}" fill="#000000"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
    ]
    tick = 0.0
    while tick <= top + 1e-9:
        y = sy(tick)
        parts.append(f'<line x1="{PLOT_LEFT}" y1="{y:.1f}" x2="{PLOT_RIGHT}" y2="{y:.1f}" '
                     f'stroke="#d9d9d9" stroke-width="1"/>')
        label = fmt(Decimal(str(round(tick, 4))).normalize())
        parts.append(f'<text x="{PLOT_LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" {font}>'
                     f'{escape(label)}</text>')
        tick += step
    parts.append(f'<line x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{PLOT_RIGHT}" y2="{PLOT_BOTTOM}" '
                 f'stroke="#000000" stroke-width="1.2"/>')
    for index, label in enumerate(x_labels):
        parts.append(f'<text x="{sx(index):.1f}" y="{PLOT_BOTTOM + 22}" text-anchor="middle" {font}>'
                     f'{escape(label)}</text>')
    if len(target_line) >= 2:
        points = " ".join(f"{sx(p.x):.1f},{sy(float(p.y)):.1f}" for p in target_line)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{TARGET_COLOUR}" '
                     f'stroke-width="2" stroke-dasharray="8,6"/>')
    if actual:
        if len(actual) >= 2:
            points = " ".join(f"{sx(p.x):.1f},{sy(float(p.y)):.1f}" for p in actual)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{ACTUAL_COLOUR}" '
                         f'stroke-width="3"/>')
        for p in actual:
            cx, cy = sx(p.x), sy(float(p.y))
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{ACTUAL_COLOUR}"/>')
            parts.append(f'<text x="{cx:.1f}" y="{cy - 10:.1f}" text-anchor="middle" {font}>'
                         f'{escape(fmt(p.y))}</text>')
    legend_y = HEIGHT - 12
    parts.append(f'<line x1="{PLOT_LEFT}" y1="{legend_y - 5}" x2="{PLOT_LEFT + 36}" y2="{legend_y - 5}" '
                 f'stroke="{ACTUAL_COLOUR}" stroke-width="3"/>')
    parts.append(f'<text x="{PLOT_LEFT + 44}" y="{legend_y}" {font}>{escape(actual_label)}</text>')
    middle = (PLOT_LEFT + PLOT_RIGHT) // 2 + 20
    parts.append(f'<line x1="{middle}" y1="{legend_y - 5}" x2="{middle + 36}" y2="{legend_y - 5}" '
                 f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="8,6"/>')
    parts.append(f'<text x="{middle + 44}" y="{legend_y}" {font}>{escape(target_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class ProgressChart:
    svg: str
    actual: list[Point]  # the year-to-date figure at the end of each quarter that has one
    trajectory: list[Point]  # the straight line to the year's target, start of the year first


def progress_chart(*, title: str, ytd: Mapping[int, Decimal | None], target: Decimal, baseline: Decimal | None,
                   flow: bool, percent: bool, decimals: int, x_labels: Sequence[str], actual_label: str,
                   target_label: str, font_family: str = FONT_FAMILY) -> ProgressChart:
    """A key indicator's chart, as the consolidated report and the commune dashboard draw it:
    its year-to-date figures (``ytd``: quarter → figure) against the trajectory of
    targets.progress, values written as portal.formats writes figures ("45,0%", "1.234")."""
    line = [Point(x=quarter, y=value) for quarter, value in trajectory(target=target, baseline=baseline, flow=flow)]
    actual = [Point(x=quarter, y=value) for quarter, value in sorted(ytd.items()) if value is not None]
    svg = line_chart(
        title=title, actual=actual, target_line=line, x_labels=x_labels, percent=percent,
        fmt=lambda value: vn_figure(value, decimals, unit="%" if percent else ""),
        actual_label=actual_label, target_label=target_label, font_family=font_family)
    return ProgressChart(svg=svg, actual=actual, trajectory=line)
