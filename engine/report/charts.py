"""The report's trend charts: a priority's likelihood by period as an inline SVG step chart, and
as one line of text (its accessible description and the Markdown view). Built from the trend's
values only (text is escaped), deterministic to the byte."""

from __future__ import annotations

from html import escape

from stocktake.report.model import Trend, TrendPoint

__all__ = ["trend_line", "trend_svg"]


def _when(point: TrendPoint) -> str:
    return point.period or (point.date.isoformat() if point.date else "undated")


def trend_line(trend: Trend) -> str:
    """``2025-H2 AR -> 2026-H1 AG -> 2026-H2 AG``: each point's period (or date) and level."""
    return " -> ".join(f"{_when(p)} {p.level or 'not rated'}" for p in trend.points)


STEP, ROW, LEFT, TOP, LABEL_W = 76, 16, 30, 16, 26
"""Pixels: between two points, between two levels, the level axis's width, the top margin, room
for a point's code to its right."""


def trend_svg(trend: Trend) -> str:
    """A step chart of the trend: one row per level (top of the scale at the top, "none", not rated, at
    the bottom), one column per point, each point's code printed beside it and its period or date
    below, so nothing is told by colour alone. Its title and description are :func:`trend_line`."""
    rows = [*trend.levels, None]
    width = LEFT + STEP * (len(trend.points) - 1) + LABEL_W + 40
    height = TOP + ROW * (len(rows) - 1) + 30

    def y(level: str | None) -> float:
        return TOP + ROW * rows.index(level)

    def x(i: int) -> float:
        return LEFT + 6 + STEP * i

    text = trend_line(trend)
    out = [f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'aria-label="{escape(trend.title)}: {escape(text)}">',
           f"<title>{escape(trend.title)}</title><desc>{escape(text)}</desc>"]
    for level in rows:
        out.append(f'<text class="level-tick" x="{LEFT - 4}" y="{y(level) + 3:.1f}" text-anchor="end">'
                   f'{escape(level or "none")}</text>')
        out.append(f'<line class="grid" x1="{LEFT}" x2="{width - 4}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>')
    first = trend.points[0]
    path = f"M{x(0):.1f} {y(first.level):.1f}" + "".join(
        f" H{x(i):.1f} V{y(p.level):.1f}" for i, p in enumerate(trend.points) if i)  # level held until the next point
    out.append(f'<path class="step" d="{path}"/>')
    for i, p in enumerate(trend.points):
        out.append(f'<g class="point"><circle cx="{x(i):.1f}" cy="{y(p.level):.1f}" r="3.5"/>'
                   f'<text class="point-label" x="{x(i) + 6:.1f}" y="{y(p.level) - 3:.1f}">'
                   f'{escape(p.level or "not rated")}</text>'
                   f'<text class="period" x="{x(i):.1f}" y="{height - 6}" text-anchor="middle">'
                   f"{escape(_when(p))}</text></g>")
    out.append("</svg>")
    return "".join(out)
