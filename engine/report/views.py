"""Markdown and HTML views of a :class:`~stocktake.report.model.DeliveryReport`: one view model
(:func:`report_view`) rendered by ``report.md.j2`` and ``report.html.j2``, which reuse the
priority, chain and review parts of the other views.

Both put the summary first (the priorities' league table with likelihood, movement, distance to
target and the chain's judgment; each capacity review's levels and movement), then one section per
priority (trajectory chart, its delivery chain, the evidence trail), then each capacity review
(heatmap with movement, judgments with trails), chains of priorities not in the report, and the
evidence. The HTML is one self-contained file: inline CSS and SVG, no script, no request.
"""

from __future__ import annotations

from typing import Any

from stocktake.chains.views import chain_view
from stocktake.core.markup import MOVES, environment, legend, levels, markdown_environment
from stocktake.likelihood.views import trajectory_charts
from stocktake.report.model import DeliveryReport
from stocktake.review.views import review_view

__all__ = ["report_html", "report_markdown", "report_view"]

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


def report_view(report: DeliveryReport, fmt: str) -> dict[str, Any]:
    """The report arranged for reading in ``fmt`` (``md`` or ``html``): contents, legend, each
    chain's view (``chains`` by priority; ``others`` those of no priority in the report),
    each review with its view, and (HTML only) each priority's trajectory chart."""
    views = [chain_view(c.result, c.drawing, fmt) for c in report.chains]
    charts = {}
    if fmt == "html" and report.assessment is not None:
        charts = trajectory_charts(report.assessment.priorities)
    return {
        "report": report, "contents": _contents(report), "legend": _legend(report), "charts": charts,
        "chains": {v["result"].chain["priority"]: v for v in views}, "latest": LATEST, "moves": MOVES,
        "reviews": [(r, review_view(r, anchor=f"review-{i}-")) for i, r in enumerate(report.reviews, 1)],
        "others": [v for v in views if v["result"].chain["id"] in report.summary.chains_without_priority],
    }


def report_markdown(report: DeliveryReport) -> str:
    """The report as Markdown for pasting into documents (diagrams as Mermaid blocks)."""
    return str(markdown_environment().get_template("report.md.j2").render(**report_view(report, "md")))


def report_html(report: DeliveryReport) -> str:
    """The report as one self-contained HTML page."""
    return str(environment().get_template("report.html.j2").render(**report_view(report, "html")))
