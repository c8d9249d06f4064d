"""Rendering results as JSON, Markdown and HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.views import dump_json

if TYPE_CHECKING:
    from engine.models.results import CapacityReviewResult, DeliveryAssessmentResult

__all__ = ["render_assessment", "render_review"]


def render_review(result: CapacityReviewResult, fmt: str) -> str:
    """The review result as ``json``, ``md`` or ``html`` text."""
    if fmt == "json":
        return dump_json(result.model_dump(mode="json"))
    from engine.report_views import review_html, review_markdown

    return review_markdown(result) if fmt == "md" else review_html(result)


def render_assessment(result: DeliveryAssessmentResult, fmt: str) -> str:
    """The assessment result as ``json``, ``jsonl`` (one priority per line), ``md`` or ``html``."""
    if fmt == "json":
        return dump_json(result.model_dump(mode="json"))
    if fmt == "jsonl":
        import json

        return "".join(json.dumps(p.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) + "\n"
                       for p in result.priorities)
    from engine.report_views import assessment_html, assessment_markdown

    return assessment_markdown(result) if fmt == "md" else assessment_html(result)
