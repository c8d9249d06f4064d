"""Rendering results as JSON, Markdown and HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.views import dump_json

if TYPE_CHECKING:
    from engine.models.results import CapacityReviewResult

__all__ = ["render_review"]


def render_review(result: CapacityReviewResult, fmt: str) -> str:
    """The review result as ``json``, ``md`` or ``html`` text."""
    if fmt == "json":
        return dump_json(result.model_dump(mode="json"))
    from engine.report_views import review_html, review_markdown

    return review_markdown(result) if fmt == "md" else review_html(result)
