"""Inline SVG charts, built from numbers only (text is escaped), deterministic to the byte."""

from __future__ import annotations

import datetime as dt
import math
from html import escape

from stocktake.core.markup import number
from stocktake.likelihood.result import TrajectorySummary
from stocktake.likelihood.trajectory import PlanPoint

__all__ = ["trajectory_svg"]

W, PLOT_H = 560, 182
LEFT, RIGHT, TOP, BOTTOM = 64, 112, 14, 34
SHAPES = {"above": "▲", "within": "●", "below": "▼"}
"""The mark of an actual, by its state against the plan."""
CHAR_W = 6.2
"""Width of a character at 10 px, an upper estimate for the common sans-serif faces (DejaVu Sans,
the widest, averages about 6): the legend wraps and the target's labels are placed by it."""


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from a tick at or below ``low`` to one at or above ``high``, a step of 1, 2,
    2.5 or 5 times a power of ten apart, about ``count`` steps (at least two ticks; a range of one
    value is widened by one either side, or by a tenth of its size when that is larger)."""
    if not high - low > 1e-9 * max(abs(low), abs(high), 1.0):
        pad = max(1.0, abs(high) / 10)
        low, high = low - pad, high + pad
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [float(f"{i * step:.12g}") for i in range(first, last + 1)]  # no float noise: 0.3, not 0.30000000000000004


def tick_label(value: float, step: float) -> str:
    """A tick's value with as many decimals as its step needs (2.5 needs one)."""
    decimals = 0
    while decimals < 12 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9 * max(step * 10**decimals, 1):
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


def _add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def date_ticks(start: dt.date, end: dt.date, most: int = 7) -> list[tuple[dt.date, str]]:
    """Firsts of months between ``start`` and ``end``, every 1, 2, 3, 6, 12, 24, ... months (the
    smallest step giving at most ``most``), labelled ``2025-07``, or ``2025`` when a step is a
    year or more (each tick then a 1 January). A span shorter than a month gets its two ends."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next((m for m in (1, 2, 3, 6) if months / m < most), 12)
    while step >= 12 and months / step >= most:
        step *= 2
    first = _add_months(start, 0 if start.day == 1 else 1)
    while (first.month - 1) % step:
        first = _add_months(first, 1)
    ticks = []
    while first <= end:
        ticks.append((first, str(first.year) if step >= 12 else first.isoformat()[:7]))
        first = _add_months(first, step)
    return ticks if len(ticks) >= 2 else [(start, start.isoformat()), (end, end.isoformat())]


def _wrap(text: str, chars: int) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


class _Frame:
    """Dates and values to SVG coordinates (one decimal)."""

    def __init__(self, start: dt.date, end: dt.date, low: float, high: float) -> None:
        self.start, self.end, self.low, self.high = start, end, low, high
        self.span_days = max((end - start).days, 1)
        self._xs: dict[dt.date, str] = {}  # a chart places the same few dates many times

    def x(self, d: dt.date) -> str:
        text = self._xs.get(d)
        if text is None:
            text = self._xs[d] = f"{LEFT + (W - LEFT - RIGHT) * (d - self.start).days / self.span_days:.1f}"
        return text

    def y(self, v: float) -> str:
        return f"{TOP + PLOT_H * (self.high - v) / (self.high - self.low):.1f}"  # as _fmt, without its call


def _plan(t: TrajectorySummary, points: list[PlanPoint], end: dt.date) -> list[tuple[dt.date, float]]:
    """The plan's vertices: straight between its points (or flat, then a jump, for a step plan),
    and so is its band, so drawing the vertices is exact; flat after the target to ``end``."""
    plan: list[tuple[dt.date, float]] = []
    for i, p in enumerate(points):
        if i and t.interpolation == "step":
            plan.append((p.date, points[i - 1].value))
        plan.append((p.date, p.value))
    if end > points[-1].date:
        plan.append((end, points[-1].value))
    return plan


def _band(t: TrajectorySummary, value: float) -> float:
    if not t.tolerance:
        return 0.0
    return t.tolerance.get("absolute") or abs(value) * t.tolerance.get("relative", 0.0)


def _frame(t: TrajectorySummary, plan: list[tuple[dt.date, float]], bands: list[float]) -> tuple[_Frame, list[float]]:
    """The frame and its value ticks: every drawn value fits between round bounds (:func:`nice_ticks`)."""
    values = [v for _, v in plan] + [c.actual for c in t.checks] + [float(t.target["value"])]  # type: ignore[arg-type]
    values += [v + b for (_, v), b in zip(plan, bands, strict=True)]
    values += [v - b for (_, v), b in zip(plan, bands, strict=True)]
    if t.projection is not None:
        values.append(t.projection)
    ticks = nice_ticks(min(values), max(values))
    return _Frame(plan[0][0], plan[-1][0], ticks[0], ticks[-1]), ticks


def _paths(t: TrajectorySummary, f: _Frame, plan: list[tuple[dt.date, float]], bands: list[float]) -> list[str]:
    """The tolerance band, the planned line, the actuals with their shapes, the projection."""
    parts = []
    xs, y = [f.x(d) for d, _ in plan], f.y  # each vertex's x is placed up to three times
    if t.tolerance:
        upper = " ".join(f"{x},{y(v + b)}" for x, (_, v), b in zip(xs, plan, bands, strict=True))
        lower = " ".join(f"{x},{y(v - b)}" for x, (_, v), b in zip(reversed(xs), reversed(plan), reversed(bands),
                                                                    strict=True))
        parts.append(f'<polygon class="band" points="{upper} {lower}" fill="#d9e6f5" stroke="none"/>')
    parts.append('<polyline class="planned" fill="none" stroke="#1f4e8c" stroke-width="2" points="'
                 + " ".join(f"{x},{y(v)}" for x, (_, v) in zip(xs, plan, strict=True)) + '"/>')
    if t.checks:
        points = [(f.x(c.date), f.y(c.actual), SHAPES[c.state]) for c in t.checks]  # each placed twice
        parts.append('<polyline class="actual" fill="none" stroke="#111" stroke-width="1.5" points="'
                     + " ".join(f"{x},{y}" for x, y, _ in points) + '"/>')
        parts += [f'<text class="point" x="{x}" y="{y}" text-anchor="middle" dominant-baseline="central" '
                  f'font-size="11">{shape}</text>' for x, y, shape in points]
    return parts


def _target(t: TrajectorySummary, f: _Frame, target_date: dt.date) -> list[str]:
    """The projection from the latest actual (when there is one) and the target, labelled right of
    the target date; labels closer than a line apart are moved apart, the higher value's up."""
    parts = []
    tv = float(t.target["value"])  # type: ignore[arg-type]
    x = float(f.x(target_date))
    labels = [(float(f.y(tv)), f"target {number(tv)}", "target-label")]
    if t.projection is not None and t.checks:
        last = t.checks[-1]
        parts.append(f'<line class="projection" x1="{f.x(last.date)}" y1="{f.y(last.actual)}" '
                     f'x2="{f.x(target_date)}" y2="{f.y(t.projection)}" stroke="#555" stroke-width="1.5" '
                     'stroke-dasharray="5 4"/>')
        labels.append((float(f.y(t.projection)), f"projected {number(t.projection)}", "projected-label"))
    if len(labels) == 2 and abs(labels[0][0] - labels[1][0]) < 13:
        middle = (labels[0][0] + labels[1][0]) / 2
        (upper, lower) = sorted(labels, key=lambda item: (item[0], item[2]))
        labels = [(middle - 6.5, *upper[1:]), (middle + 6.5, *lower[1:])]
    parts.append(f'<path class="target" d="M {f.x(target_date)} {_fmt(float(f.y(tv)) - 7)} l 7 7 l -7 7 l -7 -7 z" '
                 f'fill="#b03024" stroke="#111"/>')
    for y, text, cls in labels:
        parts.append(f'<text class="{cls}" x="{_fmt(x + 10)}" y="{_fmt(y)}" font-size="10" '
                     f'dominant-baseline="central">{escape(text)}</text>')
    return parts


def _axes(f: _Frame, ticks: list[float], end: dt.date) -> list[str]:
    """Grid lines and labels at the value ticks, and the date ticks along the bottom."""
    parts = []
    step = ticks[1] - ticks[0]
    for v in ticks:
        y = f.y(v)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{W - RIGHT}" y2="{y}" stroke="#e2e2e2"/>')
        parts.append(f'<text class="value-tick" x="{LEFT - 5}" y="{y}" font-size="10" text-anchor="end" '
                     f'dominant-baseline="central">{tick_label(v, step)}</text>')
    bottom = TOP + PLOT_H
    for d, label in date_ticks(f.start, end):
        x = f.x(d)
        parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}" stroke="#888"/>')
        parts.append(f'<text class="date-tick" x="{x}" y="{bottom + 15}" font-size="10" '
                     f'text-anchor="middle">{label}</text>')
    return parts


def trajectory_svg(t: TrajectorySummary, title: str) -> str:
    """Planned path with its tolerance band, actuals, the projection and the target, labelled; round
    value ticks with grid lines, month or year ticks, and a legend wrapped to the chart's width."""
    points = [PlanPoint(dt.date.fromisoformat(str(p["date"])), float(p["value"])) for p in t.planned]  # type: ignore[arg-type]
    target_date = points[-1].date
    end = max([target_date, *(c.date for c in t.checks)])
    plan = _plan(t, points, end)
    bands = [_band(t, v) for _, v in plan]
    f, ticks = _frame(t, plan, bands)
    legend = [f"Values in {t.unit}." if t.unit else f"Values: {t.metric}.",
              f"Line planned{', shaded band tolerance' if t.tolerance else ''}; ▲ above ● within ▼ below; "
              "dashed projection; ◆ target."]
    lines = [line for text in legend for line in _wrap(text, int((W - 16) / CHAR_W))]
    height = TOP + PLOT_H + BOTTOM + 13 * len(lines)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trajectory" viewBox="0 0 {W} {height}" '
             f'width="{W}" height="{height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{PLOT_H}" fill="#fff"/>']
    parts += _axes(f, ticks, end)
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{PLOT_H}" fill="none" stroke="#888"/>')
    parts += _paths(t, f, plan, bands)
    parts += _target(t, f, target_date)
    parts.append('<text class="legend" font-size="10">' + "".join(
        f'<tspan x="8" y="{TOP + PLOT_H + BOTTOM + 13 * i - 4}">{escape(line)}</tspan>' for i, line in enumerate(lines))
        + "</text>")
    parts.append("</svg>")
    return "".join(parts)
