"""Views of results for people and tools: canonical JSON, Markdown, HTML, and the flat table of
judgments as CSV or XLSX.

Every view is deterministic (the same result gives the same bytes). Markdown and HTML come from
one view model per result kind, rendered by jinja2 templates shipped in each capability's
``templates`` folder (``review.md.j2`` beside ``review.html.j2``): HTML with autoescaping, Markdown
with every printed value escaped by :func:`stocktake.core.markup.md` unless a filter made it
Markdown, so names, rationales and evidence are always shown as text. Charts and diagrams are SVG
built from numbers with every text escaped. JSON escapes DEL, C1 controls and line separators too
(:func:`json_text`). jinja2 is imported only when a view is asked for. Text views are returned as
``str``; CSV and XLSX (:func:`render_table`) as ``bytes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stocktake.core.output import json_text

if TYPE_CHECKING:
    from stocktake.chains.model import DeliveryChain
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.core.workbook_out import Cell
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.report.model import DeliveryReport
    from stocktake.review.result import CapacityReviewResult

__all__ = ["TABLE_FORMATS", "dump_json", "dump_line", "dump_model", "json_text", "render_assessment",
           "render_chain", "render_report", "render_report_pdf", "render_review", "render_table"]

TABLE_FORMATS = ("csv", "xlsx")
"""The formats of the flat table of judgments (:mod:`stocktake.judgment.table`)."""


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


_CONTROLS_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""The control characters :func:`_text` writes visibly: all (C0, DEL, C1) but tabs and line breaks."""


def _text(page: str) -> str:
    """A whole Markdown, HTML, DOT or Mermaid page as written: no control character but line
    breaks and tabs (each view escapes what it shows; this holds for all of it, SVG and Mermaid
    blocks included)."""
    if _CONTROLS_SHOWN.search(page) is None:
        return page  # the common case, and printable() would visit every line break of it
    from stocktake.core.markup import printable

    return printable(page, keep="\n\t")


def render_review(result: CapacityReviewResult, fmt: str) -> str | bytes:
    """The review result as ``json``, ``md`` or ``html`` text, or its judgments as a ``csv`` or
    ``xlsx`` table (bytes)."""
    if fmt in TABLE_FORMATS:
        from stocktake.review.table import review_rows

        return render_table(review_rows(result), fmt)
    if fmt == "json":
        return dump_model(result)
    from stocktake.review.views import review_html, review_markdown

    return _text(review_markdown(result) if fmt == "md" else review_html(result))


def render_assessment(result: DeliveryAssessmentResult, fmt: str) -> str | bytes:
    """The assessment result as ``json``, ``jsonl`` (one priority per line), ``md`` or ``html``
    text, or its judgments (likelihood and severity) as a ``csv`` or ``xlsx`` table (bytes)."""
    if fmt in TABLE_FORMATS:
        from stocktake.likelihood.table import assessment_rows

        return render_table(assessment_rows(result), fmt)
    if fmt == "json":
        return dump_model(result)
    if fmt == "jsonl":
        return "".join(dump_line(p) for p in result.priorities)
    from stocktake.likelihood.views import assessment_html, assessment_markdown

    return _text(assessment_markdown(result) if fmt == "md" else assessment_html(result))


def render_chain(chain: DeliveryChain, result: DeliveryChainResult, fmt: str) -> str | bytes:
    """The chain's analysis as ``json``, ``md``, ``html``, ``dot`` or ``mermaid`` text, or its
    judgment and findings as a ``csv`` or ``xlsx`` table (bytes)."""
    if fmt in TABLE_FORMATS:
        from stocktake.chains.table import chain_rows

        return render_table(chain_rows(result), fmt)
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


# -- the flat table of judgments ------------------------------------------------------------------

def render_table(rows: Sequence[Sequence[Cell]], fmt: str) -> bytes:
    """Rows of the flat table of judgments, under its header (:data:`~stocktake.judgment.table.COLUMNS`),
    as ``csv`` or ``xlsx`` bytes."""
    from stocktake.core.workbook_out import table_csv, table_xlsx
    from stocktake.judgment.table import COLUMNS

    return (table_csv if fmt == "csv" else table_xlsx)(tuple(COLUMNS), rows)
