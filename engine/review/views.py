"""Markdown and HTML views of a capacity review result: one view model (:func:`review_view`)
rendered by ``review.md.j2`` and ``review.html.j2`` (bodies shared with the delivery report)."""

from __future__ import annotations

import math
from typing import Any

from stocktake.core.markup import ARROWS, environment, legend, levels, markdown_environment, word
from stocktake.judgment.model import Judgment
from stocktake.review.result import CapacityReviewResult

__all__ = ["review_html", "review_markdown", "review_view"]


def review_view(result: CapacityReviewResult, anchor: str = "") -> dict[str, Any]:
    """The result arranged for reading, the same for both formats: stages with their component
    judgments (``pad`` empty cells fill each heatmap row to ``width``), movement and titles by
    component id, the weakest components' titles, the legend of the result's level codes, and the
    top level's word (``top``: what "moving toward" heads for), the words for each partial
    roll-up by subject (``partial``), the judgments rated by self-review only (``self_review``,
    marked ``self_mark`` where their level is shown) and the summary's list of them, each
    reviewer's role by id (``roles``), the weakest components' words (titles, or "none below AG"
    when no level present is in the bottom half), the baseline's caveats for the movement line
    and how many disputed components the summary does not list; the components with actions
    toward the top (``toward_green``: one with none would print an empty heading). ``anchor`` prefixes HTML element
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
    components = [j for j in result.judgments if j.subject.kind == "component"]
    summary = result.summary
    codes = levels(summary.counts)
    scale = next((j.scale for j in result.judgments if j.subject.kind == "component"), "")
    return {"result": result, "sections": sections,
            "movement": {m.component: m for m in result.movement or []}, "arrows": ARROWS, "mark": PARTIAL_MARK,
            "width": width, "anchor": anchor, "legend": legend(scale, codes),
            "top": word(scale, codes[0]) if codes else "the top level",
            "titles": titles, "weakest": _weakest(summary.weakest, summary.counts, codes, titles),
            "partial": {j.subject: partial_words(j) for j in result.judgments if j.state == "partial"},
            "self_review_only": _self_review_only(summary.self_review_only, components, titles),
            "self_review": {j.subject for j in result.judgments if any(f.code == "self-review-only" for f in j.flags)},
            "self_mark": SELF_REVIEW_MARK, "roles": {r.id: r.role for r in result.reviewers},
            "agreed_without_joint_team": ", ".join(titles.get(c, c) for c in summary.agreed_without_joint_team),
            "movement_caveats": list(result.baseline.flags) if result.baseline else [],
            "more_disputed": summary.disputed - len(summary.most_disputed),
            "toward_green": [t for t in result.toward_green if t.rubric_near_term or t.rubric_longer_term or t.team]}


PARTIAL_MARK = "◐"
"""Printed beside a level formed from only some of its parts (with words: never the mark alone)."""


SELF_REVIEW_MARK = "○"
"""Printed, with the words "self-review only", beside the level of an item rated by self-reviewers
alone: the joint team's circle is empty."""


def _weakest(weakest: list[str], counts: dict[str, int], codes: list[str], titles: dict[str, str]) -> str:
    """The summary's "Weakest:" words: the weakest components' titles; "none below AG" (the
    lowest level of the scale's top half) when components have levels but none in the bottom
    half; empty when no component has a level."""
    if weakest:
        return ", ".join(titles.get(c, c) for c in weakest)
    if not any(counts.get(code, 0) for code in codes):
        return ""
    return f"none below {codes[math.ceil(len(codes) / 2) - 1]}"


def partial_words(judgment: Judgment) -> str:
    """What a ``partial`` roll-up is missing, e.g. ``partial: 1 of 3 components has no level``,
    or without a level ``partial: only 1 of 3 components has a level``."""
    parts = "components" if judgment.subject.kind == "section" else "criteria"
    total = len(judgment.inputs)
    missing = sum(1 for i in judgment.inputs if i.value is None)
    if judgment.rating is None:
        have = total - missing
        return f"partial: only {have} of {total} {parts} {'has' if have == 1 else 'have'} a level"
    return f"partial: {missing} of {total} {parts} {'has' if missing == 1 else 'have'} no level"


def _self_review_only(ids: list[str], components: list[Judgment], titles: dict[str, str]) -> str:
    """The summary's list of components rated by self-reviewers only: their titles, or "every
    rated component (N)" when no component had a joint-team rating."""
    if not ids:
        return ""
    reviewed = [j for j in components if j.inputs and not j.rule.id.startswith("roll-up/")]
    if len(ids) == len(reviewed):
        return f"every rated component ({len(ids)})"
    return ", ".join(titles.get(c, c) for c in ids)


def review_markdown(result: CapacityReviewResult) -> str:
    """The review as Markdown (``review.md.j2``)."""
    return str(markdown_environment().get_template("review.md.j2").render(result=result, view=review_view(result)))


def review_html(result: CapacityReviewResult) -> str:
    """The review as one self-contained HTML page (``review.html.j2``)."""
    return str(environment().get_template("review.html.j2").render(result=result, view=review_view(result)))
