"""Writing spreadsheets people open: XLSX workbooks built in memory by xlsxwriter, and the one
rule for text cells a spreadsheet could run as a formula.

xlsxwriter (pure Python, made for writing, about 2 MB) is imported only when a workbook is
written. A workbook's bytes depend on its content alone: the creation time xlsxwriter would stamp
is fixed, so the same input gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

__all__ = ["FORMULA_STARTS", "new_workbook", "safe_cell", "workbook_bytes"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (or a DDE command)."""

_CREATED = dt.datetime(2000, 1, 1)  # any fixed time: the workbook's bytes must not carry the clock


def safe_cell(text: str) -> str:
    """``text`` as a cell a spreadsheet shows and never runs: one starting with a formula character
    gets a leading apostrophe (the OWASP rule for CSV injection; spreadsheets hide it as the mark of
    text), anything else is unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
