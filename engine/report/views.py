"""Markdown and HTML views of a :class:`~stocktake.report.model.DeliveryReport`: one view model
(:func:`report_view`) rendered by ``report.md.j2`` and ``report.html.j2``, which reuse the
priority, chain and review parts of the other views.

Both open with what needs the leader's attention (:mod:`stocktake.report.attention`), each item
linked to its section, then the summary (the priorities' league table with likelihood, movement,
distance to target, the chain's judgment and the severity; each capacity review's levels and
movement), then one section per priority, worst first (the league table from the bottom up:
trajectory chart, severity, commentary, actions and milestones, its delivery chain, the evidence
trail), then each capacity review
(heatmap with movement, judgments with trails), chains of priorities not in the report, and the
evidence. The HTML is one self-contained file: inline CSS and SVG, no script, no request.
"""

from __future__ import annotations

import re
from typing import Any

from stocktake.chains.views import chain_view
from stocktake.core.markup import MOVES, Markdown, environment, legend, levels, markdown_environment
from stocktake.likelihood.views import follow_up, trajectory_charts
from stocktake.report.attention import attention
from stocktake.report.charts import trend_line, trend_svg
from stocktake.report.model import DeliveryReport
from stocktake.review.views import review_view

__all__ = ["PAPERS", "report_html", "report_markdown", "report_pdf", "report_view"]

LATEST = {"above": "above plan", "within": "within tolerance", "below": "below plan", "no-data": "no data"}


def _contents(report: DeliveryReport) -> str:
    parts = []
    if report.assessment is not None:
        n = len(report.assessment.priorities)
        parts.append(f"likelihood of delivery of {n} priorit{'y' if n == 1 else 'ies'} ({report.assessment.period})")
    parts += [f"the capacity review of {r.system} ({r.date})" for r in report.reviews]
    if report.chains:
        parts.append(f"{len(report.chains)} delivery chain{'' if len(report.chains) == 1 else 's'}")
    return "; ".join(parts)


def _legend(report: DeliveryReport) -> str:
    """The likelihood scale's codes with their words (the summary's league table)."""
    a = report.assessment
    if a is None:
        return ""
    scale = next((p.judgment.scale for p in a.priorities), "")
    return legend(scale, levels(a.summary.counts))


def slug(heading: str) -> Markdown:
    """The anchor Markdown renderers give a heading (GitHub's rule: lower case, punctuation
    dropped, spaces to hyphens), for links within a Markdown report."""
    return Markdown(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.strip().lower())))


def _anchors(report: DeliveryReport) -> dict[str, Any]:
    """The Markdown anchors of the priority sections (by id) and the review sections (by position)."""
    a = report.assessment
    priorities: dict[str, Markdown] = {}
    if a is not None:
        by_id = {p.id: p for p in a.priorities}
        seen: dict[str, int] = {}
        for row in reversed(a.league):  # the order the sections are rendered in (worst first)
            p = by_id[row.id]
            base = slug(f"{p.title}: {p.judgment.rating or 'not rated'}")
            n = seen[base] = seen.get(base, -1) + 1  # renderers suffix a repeated heading's anchor -1, -2, ...
            priorities[p.id] = Markdown(f"{base}-{n}") if n else base
    reviews = {i: slug(f"Capacity to deliver: {r.system}, {r.date}") for i, r in enumerate(report.reviews, 1)}
    return {"priority": priorities, "review": reviews}


def _trends(report: DeliveryReport, fmt: str) -> dict[str, Any]:
    """The trends as the templates show them: ``priorities`` as (trend, its line as text, its
    chart in HTML); ``components`` per review system as a small table: the review dates
    (``dates``) and per component (trend, its level by date; absent: not in that review)."""
    from markupsafe import Markup

    priorities = [(t, trend_line(t), Markup(trend_svg(t)) if fmt == "html" else None)
                  for t in report.trends if t.system is None]
    components: dict[str, dict[str, Any]] = {}
    for t in report.trends:
        if t.system is not None:
            table = components.setdefault(t.system, {"dates": set(), "rows": []})
            table["dates"].update(p.date for p in t.points)
            table["rows"].append((t, {p.date: p.level or "not rated" for p in t.points}))
    for table in components.values():
        table["dates"] = sorted(table["dates"])
    return {"priorities": priorities, "components": components}


def report_view(report: DeliveryReport, fmt: str) -> dict[str, Any]:
    """The report arranged for reading in ``fmt`` (``md`` or ``html``): contents, legend, what needs
    attention (with the Markdown ``anchors`` it links to), the priorities worst first, the league
    table from the bottom up (``ordered``) with their actions and milestones (``follow``), each
    chain's view (``chains`` by priority; ``others`` those of no priority in the report), each
    review with its view, and
    (HTML only) each priority's trajectory chart."""
    views = [chain_view(c.result, c.drawing, fmt) for c in report.chains]
    charts = {}
    ordered, follow, replaced = [], {}, {}
    pp = any(row.unit.strip() == "%" for row in report.summary.priorities)
    if report.assessment is not None:
        by_id = {p.id: p for p in report.assessment.priorities}
        # Worst first: the league table (ranked best first) read from the bottom up.
        ordered = [by_id[row.id] for row in reversed(report.assessment.league)]
        follow = follow_up(ordered, report.assessment.date)
        # An agreed level is marked as replacing the computed one only where the two differ.
        replaced = {p.id: p.judgment.computed for p in ordered
                    if p.judgment.override is not None and p.judgment.rating != p.judgment.computed}
        if fmt == "html":
            charts = trajectory_charts(report.assessment.priorities)
    return {
        "attention": attention(report), "anchors": _anchors(report), "ordered": ordered, "follow": follow,
        "report": report, "contents": _contents(report), "legend": _legend(report), "charts": charts,
        "chains": {v["result"].chain["priority"]: v for v in views}, "latest": LATEST, "moves": MOVES,
        "replaced": replaced, "pp": pp, "trends": _trends(report, fmt),
        "reviews": [(r, review_view(r, anchor=f"review-{i}-")) for i, r in enumerate(report.reviews, 1)],
        "others": [v for v in views if v["result"].chain["id"] in report.summary.chains_without_priority],
    }


def report_markdown(report: DeliveryReport) -> str:
    """The report as Markdown for pasting into documents (diagrams as Mermaid blocks)."""
    return str(markdown_environment().get_template("report.md.j2").render(**report_view(report, "md")))


PAPERS = ("a4", "letter")
"""Paper sizes the printed report is laid out for; A4 by default."""


def report_html(report: DeliveryReport, paper: str = "a4") -> str:
    """The report as one self-contained HTML page, printed on ``paper`` (:data:`PAPERS`)."""
    if paper not in PAPERS:
        raise ValueError(f"paper {paper!r}: expected one of {', '.join(PAPERS)}")
    return str(environment().get_template("report.html.j2").render(**report_view(report, "html"), paper=paper))


def report_pdf(report: DeliveryReport, paper: str = "a4") -> bytes:
    """The report as PDF on ``paper`` (needs the ``pdf`` extra: :mod:`stocktake.report.pdf`)."""
    from stocktake.report.pdf import html_pdf

    return html_pdf(report_html(report, paper))
