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

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stocktake.core.output import json_text

if TYPE_CHECKING:
    from stocktake.chains.model import DeliveryChain
    from stocktake.chains.result import DeliveryChainResult
    from stocktake.likelihood.result import DeliveryAssessmentResult
    from stocktake.report.model import DeliveryReport
    from stocktake.review.result import CapacityReviewResult

__all__ = ["TABLE_FORMATS", "dump_json", "dump_line", "dump_model", "json_text", "render_assessment",
           "render_chain", "render_report", "render_report_pdf", "render_review", "render_table", "table_csv",
           "table_xlsx"]

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


def _text(page: str) -> str:
    """A whole Markdown, HTML, DOT or Mermaid page as written: no control character but line
    breaks and tabs (each view escapes what it shows; this holds for all of it, SVG and Mermaid
    blocks included)."""
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

Cell = str | int | float | None
"""A table cell: text, a number (written as a number), or None (an empty cell)."""

MAX_XLSX_TEXT = 32_767
"""The most characters a spreadsheet cell holds (Excel's limit, which XLSX readers enforce)."""


def render_table(rows: Sequence[Sequence[Cell]], fmt: str) -> bytes:
    """Rows of the flat table of judgments, under its header (:data:`~stocktake.judgment.table.COLUMNS`),
    as ``csv`` or ``xlsx`` bytes."""
    from stocktake.judgment.table import COLUMNS

    return (table_csv if fmt == "csv" else table_xlsx)(tuple(COLUMNS), rows)


def _cell_text(text: str) -> str:
    """A text cell as written: control characters but line breaks and tabs shown visibly (as in
    every page), and a formula character at its start neutralised (:func:`~stocktake.core.workbook_out.safe_cell`)."""
    from stocktake.core.markup import printable
    from stocktake.core.workbook_out import safe_cell

    return safe_cell(printable(text, keep="\n\t"))


def table_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """A table as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8, not the system's
    code page), RFC 4180 quoting (only where needed; quotes doubled) and ``\\r\\n`` after each
    record, as RFC 4180 has it; text cells made safe by :func:`_cell_text`, numbers as written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v if isinstance(v, (int, float)) else _cell_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(header: Sequence[str], rows: Sequence[Sequence[Cell]], sheet: str = "judgments") -> bytes:
    """A table as an XLSX workbook of one sheet: the header bold, frozen and filterable, each column
    as wide as its longest line (at most 60 characters), text written as text (never a formula; made
    safe by :func:`_cell_text`; past :data:`MAX_XLSX_TEXT` characters cut, saying so), numbers as
    numbers, empty cells left empty."""
    from stocktake.core.workbook_out import new_workbook, workbook_bytes

    book = new_workbook()
    worksheet = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    widths = [len(name) for name in header]
    for column, name in enumerate(header):
        worksheet.write_string(0, column, name, bold)
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                worksheet.write_number(number, column, value)
                widths[column] = max(widths[column], len(str(value)))
            elif value:
                text = _cell_text(str(value))
                if len(text) > MAX_XLSX_TEXT:
                    note = f" ... ({len(text):,} characters)"
                    text = text[:MAX_XLSX_TEXT - len(note)] + note
                worksheet.write_string(number, column, text)
                widths[column] = max(widths[column], *(len(line) for line in text.split("\n")))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, min(width, 60) + 2)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, len(rows), len(header) - 1)
    return workbook_bytes(book)
