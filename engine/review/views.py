"""Markdown and HTML views of a capacity review result: one view model (:func:`review_view`)
rendered by ``review.md.j2`` and ``review.html.j2`` (bodies shared with the delivery report)."""

from __future__ import annotations

from typing import Any

from stocktake.core.markup import ARROWS, environment, legend, levels, markdown_environment, word
from stocktake.judgment.model import Judgment
from stocktake.review.result import CapacityReviewResult

__all__ = ["review_html", "review_markdown", "review_view"]


def review_view(result: CapacityReviewResult, anchor: str = "") -> dict[str, Any]:
    """The result arranged for reading, the same for both formats: stages with their component
    judgments (``pad`` empty cells fill each heatmap row to ``width``), movement and titles by
    component id, the weakest components' titles, the legend of the result's level codes, and the
    top level's word (``top``: what "moving toward" heads for). ``anchor`` prefixes HTML element
    ids, so several reviews can share a page."""
    judgments: dict[str, Judgment] = {j.subject: j for j in result.judgments}
    sections: list[dict[str, Any]] = []
    for outline in result.rubric.sections:
        members: list[Judgment] = [judgments[f"component:{c.id}"] for c in outline.components
                                   if f"component:{c.id}" in judgments]
        sections.append({"judgment": judgments.get(f"section:{outline.id}"), "outline": outline,
                         "components": members, "codes": {f"component:{c.id}": c.code for c in outline.components}})
    width = max((len(s["components"]) for s in sections), default=0)
    for section in sections:
        section["pad"] = width - len(section["components"])
    titles = {j.subject.id: j.title for j in result.judgments}
    codes = levels(result.summary.counts)
    scale = next((j.scale for j in result.judgments if j.subject.kind == "component"), "")
    return {"result": result, "sections": sections,
            "movement": {m.component: m for m in result.movement or []}, "arrows": ARROWS,
            "width": width, "anchor": anchor, "legend": legend(scale, codes),
            "top": word(scale, codes[0]) if codes else "the top level",
            "titles": titles, "weakest": ", ".join(titles.get(c, c) for c in result.summary.weakest)}


def review_markdown(result: CapacityReviewResult) -> str:
    """The review as Markdown (``review.md.j2``)."""
    return str(markdown_environment().get_template("review.md.j2").render(result=result, view=review_view(result)))


def review_html(result: CapacityReviewResult) -> str:
    """The review as one self-contained HTML page (``review.html.j2``)."""
    return str(environment().get_template("review.html.j2").render(result=result, view=review_view(result)))
