"""Places in a table (CSV or XLSX) named as a spreadsheet user reads them, and the error that
names one: ``ratings.xlsx, sheet ratings, cell C7 (level): expected ..., found ...``.

Rows are the spreadsheet's rows (a CSV opened in a spreadsheet shows one record per row) and
columns its letters. Where a CSV record starts on another line of the file (a quoted cell above
it spans lines), the line is added for text editors: ``ratings.csv, cell C7 (line 9)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stocktake.core.errors import MAX_LINE, MAX_QUOTED, DocumentError, json_path, one_line

__all__ = ["TableError", "cell_name", "column_letters"]

PathPart = str | int


def column_letters(column: int) -> str:
    """The letters of 0-based ``column``: ``column_letters(2) == "C"``."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(column: int, row: int) -> str:
    """The spreadsheet name of 0-based ``column`` in ``row``: ``cell_name(2, 7) == "C7"``."""
    return f"{column_letters(column)}{row}"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


class TableError(DocumentError):
    """A :class:`DocumentError` about a place in a table.

    ``row`` is the spreadsheet row (1-based), ``column`` the 1-based column, ``sheet`` the
    worksheet's name (None for a CSV). ``line`` is the line of the file the row starts on (a CSV's
    record; for a workbook the row); it is shown only where it differs from ``row``. ``path`` is
    the place inside the row's item (``("level",)``, ``("evidence", 1)``), shown after the cell.
    """

    def __init__(self, expected: str, found: str, *, file: str | Path | None, row: int | None = None,
                 column: int | None = None, sheet: str | None = None, line: int | None = None,
                 path: Sequence[PathPart] = (), on_key: bool = False) -> None:
        self.row = row if row is not None else line
        self.sheet = sheet
        super().__init__(expected, found, path=path, file=file, line=line if line is not None else row,
                         column=column, on_key=on_key)

    def located(self, file: str | Path | None, line: int | None = None, column: int | None = None) -> TableError:
        err = self._copy(file=file if file is not None else self.file)
        err.__cause__ = self.__cause__
        return err

    def at(self, *prefix: PathPart) -> TableError:
        err = self._copy(path=(*prefix, *self.path))
        err.__cause__ = self.__cause__
        return err

    def _copy(self, **changes: Any) -> TableError:
        fields: dict[str, Any] = {"file": self.file, "row": self.row, "column": self.column, "sheet": self.sheet,
                                  "line": self.line, "path": self.path, "on_key": self.on_key}
        fields.update(changes)
        return TableError(self.expected, self.found, **fields)

    @property
    def where(self) -> str:
        place = one_line(self.file, MAX_QUOTED) if self.file is not None else "<table>"
        if self.sheet is not None:
            name = self.sheet if _PLAIN_NAME.fullmatch(self.sheet) else repr(self.sheet)
            place += f", sheet {one_line(name, MAX_QUOTED)}"
        if self.row is not None:
            place += f", cell {cell_name(self.column - 1, self.row)}" if self.column else f", row {self.row}"
            if self.line is not None and self.line != self.row:
                place += f" (line {self.line})"
        if self.path:
            first, rest = self.path[0], self.path[1:]
            name = one_line(first, MAX_QUOTED) if isinstance(first, str) else f"[{first}]"
            place += f" ({name}{json_path(rest).removeprefix('$')})"
        return place

    def __str__(self) -> str:
        expected, found = one_line(self.expected, MAX_LINE // 2), one_line(self.found, MAX_QUOTED)
        return f"{self.where}: expected {expected}, found {found}"

    def __reduce__(self) -> Any:
        return (_table_error, (self.expected, self.found, self.file, self.row, self.column, self.sheet, self.line,
                               self.path, self.on_key))


def _table_error(expected: str, found: str, file: str | None, row: int | None, column: int | None,
                 sheet: str | None, line: int | None, path: Sequence[PathPart], on_key: bool) -> TableError:
    return TableError(expected, found, file=file, row=row, column=column, sheet=sheet, line=line, path=path,
                      on_key=on_key)
