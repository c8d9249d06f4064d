"""Views of results for people and tools: canonical JSON, Markdown and HTML.

Every view is deterministic (the same result gives the same bytes). Markdown and HTML come from
one view model per result kind, rendered by jinja2 templates shipped in each capability's
``templates`` folder (``review.md.j2`` beside ``review.html.j2``): HTML with autoescaping, Markdown
with every printed value escaped by :func:`stocktake.core.markup.md` unless a filter made it
Markdown, so names, rationales and evidence are always shown as text. Charts and diagrams are SVG
built from numbers with every text escaped. JSON escapes DEL, C1 controls and line separators too
(:func:`json_text`). jinja2 is imported only when a view is asked for.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from stocktake.core.output import json_text

if TYPE_CHECKING:
    from stocktake.chains.model import DeliveryChain
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.report.model import DeliveryReport
    from stocktake.review.result import CapacityReviewResult

__all__ = ["dump_json", "dump_line", "dump_model", "json_text", "render_assessment", "render_chain",
           "render_report", "render_report_pdf", "render_review"]


def dump_json(data: Any) -> str:
    """Plain data as JSON: sorted keys, two-space indent, UTF-8, trailing newline."""
    return json_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def dump_model(model: Any) -> str:
    """A document or result as JSON: keys in the model's (and its published schema's) order, so
    ``kind`` and ``schema_version`` come first; maps in the order they were built (the same input
    builds them the same way); two-space indent, UTF-8, trailing newline. Serialised by pydantic's
    compiled serialiser, several times faster than the standard library's indenting encoder."""
    return json_text(model.model_dump_json(indent=2)) + "\n"


def dump_line(model: Any) -> str:
    """A result as one compact JSON line (JSON Lines), keys in the model's order."""
    return json_text(model.model_dump_json()) + "\n"


def _text(page: str) -> str:
    """A whole Markdown, HTML, DOT or Mermaid page as written: no control character but line
    breaks and tabs (each view escapes what it shows; this holds for all of it, SVG and Mermaid
    blocks included)."""
    from stocktake.core.markup import printable

    return printable(page, keep="\n\t")


def render_review(result: CapacityReviewResult, fmt: str) -> str:
    """The review result as ``json``, ``md`` or ``html`` text."""
    if fmt == "json":
        return dump_model(result)
    from stocktake.review.views import review_html, review_markdown

    return _text(review_markdown(result) if fmt == "md" else review_html(result))


def render_assessment(result: DeliveryAssessmentResult, fmt: str) -> str:
    """The assessment result as ``json``, ``jsonl`` (one priority per line), ``md`` or ``html``."""
    if fmt == "json":
        return dump_model(result)
    if fmt == "jsonl":
        return "".join(dump_line(p) for p in result.priorities)
    from stocktake.likelihood.views import assessment_html, assessment_markdown

    return _text(assessment_markdown(result) if fmt == "md" else assessment_html(result))


def render_chain(chain: DeliveryChain, result: DeliveryChainResult, fmt: str) -> str:
    """The chain's analysis as ``json``, ``md``, ``html``, ``dot`` or ``mermaid`` text."""
    if fmt == "json":
        return dump_model(result)
    from stocktake.chains.views import chain_dot, chain_html, chain_markdown, chain_mermaid

    views = {"md": chain_markdown, "html": chain_html, "dot": chain_dot, "mermaid": chain_mermaid}
    return _text(views[fmt](chain, result))


def render_report(report: DeliveryReport, fmt: str, paper: str = "a4") -> str:
    """The delivery report as ``json``, ``md`` or ``html`` text, the HTML printing on ``paper``
    (``a4`` or ``letter``)."""
    if fmt == "json":
        return dump_model(report)
    from stocktake.report.views import report_html, report_markdown

    return _text(report_markdown(report) if fmt == "md" else report_html(report, paper))


def render_report_pdf(report: DeliveryReport, paper: str = "a4") -> bytes:
    """The delivery report as PDF bytes on ``paper`` (needs the ``pdf`` extra)."""
    from stocktake.report.views import report_pdf

    return report_pdf(report, paper)
