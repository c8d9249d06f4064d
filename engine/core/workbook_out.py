"""Writing spreadsheets people open: XLSX workbooks built in memory by xlsxwriter, and the one
rule for text cells a spreadsheet could run as a formula.

xlsxwriter (pure Python, made for writing, about 2 MB) is imported only when a workbook is
written. A workbook's bytes depend on its content alone: the creation time xlsxwriter would stamp
is fixed, so the same input gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_STARTS", "MAX_XLSX_TEXT", "Cell", "TextCells", "new_workbook", "safe_cell", "table_csv",
           "table_xlsx", "workbook_bytes"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (or a DDE command)."""

_CREATED = dt.datetime(2000, 1, 1)  # any fixed time: the workbook's bytes must not carry the clock


def safe_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows and never runs: one starting with a formula
    character gets a leading apostrophe (the OWASP rule for CSV injection), anything else is
    unchanged. A workbook needs no such mark in the text: see :class:`TextCells`."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class TextCells:
    """Writes text cells of ``book`` that a spreadsheet never runs, with the text as it is.

    XLSX stores text as text (``write_string`` never makes a formula), but a cell starting with a
    formula character would become one when a user edits it and presses Enter; such a cell gets
    the quote-prefix flag (Excel's own apostrophe, which is not part of the value) in a twin of its
    format. Formats are made here, from their properties, so each has its twin.
    """

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self._formats: dict[tuple[tuple[tuple[str, Any], ...], bool], Any] = {}

    def format(self, props: Mapping[str, Any] | None = None, *, quoted: bool = False) -> Any:
        """The workbook's format of ``props`` (with the quote prefix if ``quoted``), made once."""
        key = (tuple(sorted((props or {}).items())), quoted)
        if key not in self._formats:
            self._formats[key] = self._book.add_format({**(props or {}), **({"quote_prefix": True} if quoted else {})})
        return self._formats[key]

    def write(self, sheet: Worksheet, row: int, column: int, text: str,
              props: Mapping[str, Any] | None = None) -> None:
        """Write ``text`` at (``row``, ``column``) in the format of ``props``."""
        quoted = text.startswith(FORMULA_STARTS)
        style = self.format(props, quoted=quoted) if props or quoted else None
        sheet.write_string(row, column, text, style)


def new_workbook() -> Workbook:
    """An empty workbook written in memory; pass it to :func:`workbook_bytes` when it is filled."""
    import xlsxwriter

    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False})
    book.set_properties({"created": _CREATED})
    return book


def workbook_bytes(book: Workbook) -> bytes:
    """Close ``book`` (made by :func:`new_workbook`) and return the file's bytes."""
    book.close()
    buffer = book.filename
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


Cell = str | int | float | None
"""A table cell: text, a number (written as a number), or None (an empty cell)."""

MAX_XLSX_TEXT = 32_767
"""The most characters a spreadsheet cell holds (Excel's limit, which XLSX readers enforce)."""


def _visible(text: str) -> str:
    """Control characters but line breaks and tabs written visibly (``\\x1b``), as every page shows them."""
    from stocktake.core.errors import CONTROLS, visible

    return visible(text, CONTROLS, "\n\t")


def table_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """A table as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8, not the system's
    code page), RFC 4180 quoting (only where needed; quotes doubled) and ``\\r\\n`` after each
    record, as RFC 4180 has it; text cells shown by :func:`_visible` and made safe by
    :func:`safe_cell`, numbers as written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v if isinstance(v, (int, float)) else safe_cell(_visible(v))
                         for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(header: Sequence[str], rows: Sequence[Sequence[Cell]], sheet: str = "judgments") -> bytes:
    """A table as an XLSX workbook of one sheet: the header bold, frozen and filterable, each column
    as wide as its longest line (at most 60 characters), text written as text (never a formula, and
    quote-prefixed where it starts like one: :class:`TextCells`; shown by :func:`_visible`; past
    :data:`MAX_XLSX_TEXT` characters cut, saying so), numbers as numbers, empty cells left empty."""
    book = new_workbook()
    cells = TextCells(book)
    worksheet = book.add_worksheet(sheet)
    bold = {"bold": True}
    widths = [len(name) for name in header]
    for column, name in enumerate(header):
        cells.write(worksheet, 0, column, name, bold)
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                worksheet.write_number(number, column, value)
                widths[column] = max(widths[column], len(str(value)))
            elif value:
                text = _visible(str(value))
                if len(text) > MAX_XLSX_TEXT:
                    note = f" ... ({len(text):,} characters)"
                    text = text[:MAX_XLSX_TEXT - len(note)] + note
                cells.write(worksheet, number, column, text)
                widths[column] = max(widths[column], *(len(line) for line in text.split("\n")))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, min(width, 60) + 2)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, len(rows), len(header) - 1)
    return workbook_bytes(book)
