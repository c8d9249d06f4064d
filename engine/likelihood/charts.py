"""Inline SVG charts, built from numbers only (text is escaped), deterministic to the byte."""

from __future__ import annotations

import datetime as dt
from html import escape

from stocktake.core.markup import number
from stocktake.likelihood.result import TrajectorySummary
from stocktake.likelihood.trajectory import PlanPoint

__all__ = ["trajectory_svg"]

W, H = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 92, 14, 34


def _fmt(value: float) -> str:
    return f"{value:.1f}"


class _Frame:
    """Dates and values to SVG coordinates (one decimal)."""

    def __init__(self, start: dt.date, end: dt.date, low: float, high: float) -> None:
        self.start, self.end, self.low, self.high = start, end, low, high
        self.span_days = max((end - start).days, 1)

    def x(self, d: dt.date) -> str:
        return _fmt(LEFT + (W - LEFT - RIGHT) * (d - self.start).days / self.span_days)

    def y(self, v: float) -> str:
        return _fmt(TOP + (H - TOP - BOTTOM) * (self.high - v) / (self.high - self.low))


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


def _frame(t: TrajectorySummary, plan: list[tuple[dt.date, float]], bands: list[float]) -> _Frame:
    """Every drawn value fits, with 8% of the range (or 1) spare above and below."""
    values = [v for _, v in plan] + [c.actual for c in t.checks] + [float(t.target["value"])]  # type: ignore[arg-type]
    values += [v + b for (_, v), b in zip(plan, bands, strict=True)]
    values += [v - b for (_, v), b in zip(plan, bands, strict=True)]
    if t.projection is not None:
        values.append(t.projection)
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    return _Frame(plan[0][0], plan[-1][0], low - pad, high + pad)


def _paths(t: TrajectorySummary, f: _Frame, plan: list[tuple[dt.date, float]], bands: list[float]) -> list[str]:
    """The tolerance band, the planned line, the actuals with their shapes, the projection."""
    parts = []
    if t.tolerance:
        upper = " ".join(f"{f.x(d)},{f.y(v + b)}" for (d, v), b in zip(plan, bands, strict=True))
        lower = " ".join(f"{f.x(d)},{f.y(v - b)}" for (d, v), b in zip(reversed(plan), reversed(bands), strict=True))
        parts.append(f'<polygon class="band" points="{upper} {lower}" fill="#d9e6f5" stroke="none"/>')
    parts.append('<polyline class="planned" fill="none" stroke="#1f4e8c" stroke-width="2" points="'
                 + " ".join(f"{f.x(d)},{f.y(v)}" for d, v in plan) + '"/>')
    if t.checks:
        parts.append('<polyline class="actual" fill="none" stroke="#111" stroke-width="1.5" points="'
                     + " ".join(f"{f.x(c.date)},{f.y(c.actual)}" for c in t.checks) + '"/>')
        for c in t.checks:
            shape = {"above": "▲", "within": "●", "below": "▼"}[c.state]
            parts.append(f'<text class="point" x="{f.x(c.date)}" y="{f.y(c.actual)}" text-anchor="middle" '
                         f'dominant-baseline="central" font-size="11">{shape}</text>')
    return parts


def _target(t: TrajectorySummary, f: _Frame, target_date: dt.date) -> list[str]:
    """The projection from the latest actual (when there is one) and the target, labelled."""
    parts = []
    if t.projection is not None and t.checks:
        last = t.checks[-1]
        parts.append(f'<line class="projection" x1="{f.x(last.date)}" y1="{f.y(last.actual)}" '
                     f'x2="{f.x(target_date)}" y2="{f.y(t.projection)}" stroke="#555" stroke-width="1.5" '
                     'stroke-dasharray="5 4"/>')
        parts.append(f'<text x="{_fmt(float(f.x(target_date)) + 6)}" y="{f.y(t.projection)}" font-size="10" '
                     f'dominant-baseline="central">projected {number(t.projection)}</text>')
    tv = float(t.target["value"])  # type: ignore[arg-type]
    parts.append(f'<path class="target" d="M {f.x(target_date)} {_fmt(float(f.y(tv)) - 7)} l 7 7 l -7 7 l -7 -7 z" '
                 f'fill="#b03024" stroke="#111"/>')
    parts.append(f'<text x="{_fmt(float(f.x(target_date)) + 9)}" y="{_fmt(float(f.y(tv)) - 9)}" font-size="10">'
                 f"target {number(tv)}</text>")
    return parts


def trajectory_svg(t: TrajectorySummary, title: str) -> str:
    """Planned path with its tolerance band, actuals, the projection and the target, labelled."""
    points = [PlanPoint(dt.date.fromisoformat(str(p["date"])), float(p["value"])) for p in t.planned]  # type: ignore[arg-type]
    target_date = points[-1].date
    end = max([target_date, *(c.date for c in t.checks)])
    plan = _plan(t, points, end)
    bands = [_band(t, v) for _, v in plan]
    f = _frame(t, plan, bands)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trajectory" viewBox="0 0 {W} {H}" '
             f'width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="#fff" '
             'stroke="#888"/>']
    parts += _paths(t, f, plan, bands)
    parts += _target(t, f, target_date)
    parts.append(f'<text x="{LEFT}" y="{H - 16}" font-size="10">{f.start}</text>')
    parts.append(f'<text x="{W - RIGHT}" y="{H - 16}" font-size="10" text-anchor="end">{end}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="10" text-anchor="end">{number(f.high)}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{H - BOTTOM}" font-size="10" text-anchor="end">{number(f.low)}</text>')
    parts.append(f'<text x="{LEFT}" y="{H - 3}" font-size="10">{escape(t.unit or t.metric)}: line planned'
                 f'{", shaded band tolerance" if t.tolerance else ""}; ▲ above ● within ▼ below; '
                 "dashed projection; ◆ target</text>")
    parts.append("</svg>")
    return "".join(parts)
