"""Inline SVG charts, built from numbers only (text is escaped), deterministic to the byte."""

from __future__ import annotations

import datetime as dt
from html import escape

from stocktake.likelihood.result import TrajectorySummary
from stocktake.likelihood.trajectory import PlanPoint

__all__ = ["trajectory_svg"]

W, H = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 92, 14, 34


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def trajectory_svg(t: TrajectorySummary, title: str) -> str:
    """Planned path with its tolerance band, actuals, the projection and the target, labelled."""
    points = [PlanPoint(dt.date.fromisoformat(str(p["date"])), float(p["value"])) for p in t.planned]  # type: ignore[arg-type]
    start, target_date = points[0].date, points[-1].date
    end = max([target_date, *(c.date for c in t.checks)])
    span_days = max((end - start).days, 1)

    def band(value: float) -> float:
        if not t.tolerance:
            return 0.0
        return t.tolerance.get("absolute") or abs(value) * t.tolerance.get("relative", 0.0)

    # The plan is straight between its points (or flat, then a jump, for a step plan), and so is
    # its band: drawing the vertices is exact.
    plan: list[tuple[dt.date, float]] = []
    for i, p in enumerate(points):
        if i and t.interpolation == "step":
            plan.append((p.date, points[i - 1].value))
        plan.append((p.date, p.value))
    if end > target_date:
        plan.append((end, points[-1].value))
    bands = [band(v) for _, v in plan]
    values = [v for _, v in plan] + [c.actual for c in t.checks] + [float(t.target["value"])]  # type: ignore[arg-type]
    values += [v + b for (_, v), b in zip(plan, bands)] + [v - b for (_, v), b in zip(plan, bands)]
    if t.projection is not None:
        values.append(t.projection)
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    low, high = low - pad, high + pad

    def x(d: dt.date) -> str:
        return _fmt(LEFT + (W - LEFT - RIGHT) * (d - start).days / span_days)

    def y(v: float) -> str:
        return _fmt(TOP + (H - TOP - BOTTOM) * (high - v) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trajectory" viewBox="0 0 {W} {H}" '
             f'width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="#fff" stroke="#888"/>']
    if t.tolerance:
        upper = " ".join(f"{x(d)},{y(v + b)}" for (d, v), b in zip(plan, bands))
        lower = " ".join(f"{x(d)},{y(v - b)}" for (d, v), b in zip(reversed(plan), reversed(bands)))
        parts.append(f'<polygon class="band" points="{upper} {lower}" fill="#d9e6f5" stroke="none"/>')
    parts.append('<polyline class="planned" fill="none" stroke="#1f4e8c" stroke-width="2" points="'
                 + " ".join(f"{x(d)},{y(v)}" for d, v in plan) + '"/>')
    if t.checks:
        parts.append('<polyline class="actual" fill="none" stroke="#111" stroke-width="1.5" points="'
                     + " ".join(f"{x(c.date)},{y(c.actual)}" for c in t.checks) + '"/>')
        for c in t.checks:
            shape = {"above": "▲", "within": "●", "below": "▼"}[c.state]
            parts.append(f'<text class="point" x="{x(c.date)}" y="{y(c.actual)}" text-anchor="middle" '
                         f'dominant-baseline="central" font-size="11">{shape}</text>')
    if t.projection is not None and t.checks:
        last = t.checks[-1]
        parts.append(f'<line class="projection" x1="{x(last.date)}" y1="{y(last.actual)}" x2="{x(target_date)}" '
                     f'y2="{y(t.projection)}" stroke="#555" stroke-width="1.5" stroke-dasharray="5 4"/>')
        parts.append(f'<text x="{_fmt(float(x(target_date)) + 6)}" y="{y(t.projection)}" font-size="10" '
                     f'dominant-baseline="central">projected {_num(t.projection)}</text>')
    tv = float(t.target["value"])  # type: ignore[arg-type]
    parts.append(f'<path class="target" d="M {x(target_date)} {_fmt(float(y(tv)) - 7)} l 7 7 l -7 7 l -7 -7 z" '
                 f'fill="#b03024" stroke="#111"/>')
    parts.append(f'<text x="{_fmt(float(x(target_date)) + 9)}" y="{_fmt(float(y(tv)) - 9)}" font-size="10">'
                 f"target {_num(tv)}</text>")
    parts.append(f'<text x="{LEFT}" y="{H - 16}" font-size="10">{start}</text>')
    parts.append(f'<text x="{W - RIGHT}" y="{H - 16}" font-size="10" text-anchor="end">{end}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="10" text-anchor="end">{_num(high)}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{H - BOTTOM}" font-size="10" text-anchor="end">{_num(low)}</text>')
    parts.append(f'<text x="{LEFT}" y="{H - 3}" font-size="10">{escape(t.unit or t.metric)}: line planned'
                 f'{", shaded band tolerance" if t.tolerance else ""}; ▲ above ● within ▼ below; '
                 "dashed projection; ◆ target</text>")
    parts.append("</svg>")
    return "".join(parts)
