"""Reading tables of ratings from CSV or XLSX files, as review teams keep them in spreadsheets.

One header row, then one row per record. XLSX is read with the standard library (it is zipped
XML, read by :mod:`stocktake.core.workbook`): the first worksheet only, values as text; formulas
contribute their cached values. Both are read row by row within :class:`Limits` and
:class:`TableLimits`. Every error is a :class:`DocumentError` naming the file, the row (as the
line) and the column.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from stocktake.core.errors import CONTROLS, DocumentError
from stocktake.core.files import read_bytes
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, sha256_of
from stocktake.core.workbook import TABLE_LIMITS, TableLimits, cell_name, sheet_rows, short

__all__ = ["TABLE_LIMITS", "MergedRows", "Table", "TableLimits", "file_beside", "read_table", "relocate_any"]


@dataclass
class Table:
    """A header and rows; each row keeps its 1-based row number in the file."""

    path: Path
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    sha256: str
    """Of the bytes read (for a CSV, the very bytes its rows came from)."""

    def column(self, name: str) -> int:
        """1-based column number of ``name``."""
        return self.header.index(name) + 1

    def take_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows, each let go of once handed out (a large table is then not held twice while
        it is turned into a document's items); the table keeps none."""
        rows, self.rows = self.rows, []
        rows.reverse()
        while rows:
            yield rows.pop()


def read_table(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = (),
               limits: Limits = DEFAULT_LIMITS, table_limits: TableLimits = TABLE_LIMITS) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); the header must have ``required`` columns and no
    columns outside ``required + optional`` (a misspelt column must not be silently ignored).

    Rows are read one at a time; past ``table_limits.max_rows`` rows, or a cell longer than
    ``limits.max_text`` characters, is an error naming the row and column."""
    suffix = path.suffix.lower()
    raw: Iterator[tuple[int, Cells]]
    if suffix == ".csv":
        data = read_bytes(path, max_bytes=limits.max_bytes, what="an existing CSV or XLSX file")
        digest = hashlib.sha256(data).hexdigest()
        raw = _csv_rows(path, data, table_limits)
        del data  # the rows' reader holds the only reference, and lets it go once decoded
    elif suffix == ".xlsx":
        raw = sheet_rows(path, limits, table_limits)
    else:
        raise DocumentError("a .csv or .xlsx file", f"a {suffix or 'suffix-less'} file", file=path)
    filled = ((n, cells) for n, cells in raw if any(c.strip() for c in _values(cells)))
    first = next(filled, None)
    if first is None:
        raise DocumentError("a header row", "an empty table", file=path, line=1)
    header_line, header_cells = first
    _check_lengths(path, header_line, header_cells, limits)
    header = [c.strip().lower() for c in _dense(header_cells, None)]
    while header and not header[-1]:
        header.pop()
    _check_header(path, header_line, header, required, optional)
    rows = []
    for number, cells in filled:
        _check_lengths(path, number, cells, limits)
        values, extra = _split(cells, len(header))
        if extra is not None:
            raise DocumentError(f"at most {len(header)} cells", f"a value beyond the last column ({short(extra)})",
                                file=path, line=number, column=len(header) + 1)
        rows.append((number, {name: values[i].strip() for i, name in enumerate(header)}))
    if suffix == ".xlsx":
        digest = sha256_of(path)  # a workbook is read at random, so its bytes are hashed apart
    return Table(path, header, rows, digest)


Cells = list[str] | dict[int, str]
"""A row's cells: every cell in order (CSV), or the non-empty ones by 0-based column (XLSX)."""


def _values(cells: Cells) -> Iterable[str]:
    return cells.values() if isinstance(cells, dict) else cells


def _dense(cells: Cells, width: int | None) -> list[str]:
    """The first ``width`` cells (all of them if None), empty ones filled in."""
    if isinstance(cells, list):
        return cells if width is None else cells[:width] + [""] * (width - len(cells))
    count = (max(cells) + 1 if cells else 0) if width is None else width
    return [cells.get(i, "") for i in range(count)]


def _split(cells: Cells, width: int) -> tuple[list[str], str | None]:
    """The first ``width`` cells, and the first value beyond them (None if there is none)."""
    if isinstance(cells, list):
        beyond = (c for c in cells[width:] if c.strip())
    else:
        beyond = (cells[i] for i in sorted(cells) if i >= width and cells[i].strip())
    return _dense(cells, width), next(beyond, None)


def _check_lengths(path: Path, number: int, cells: Cells, limits: Limits) -> None:
    items = cells.items() if isinstance(cells, dict) else enumerate(cells)
    for i, text in items:
        if len(text) > limits.max_text:
            where = f" in cell {cell_name(i, number)}" if isinstance(cells, dict) else ""
            raise DocumentError(f"text of at most {limits.max_text:,} characters",
                                f"{len(text):,} characters{where}", file=path, line=number, column=i + 1)


def _check_header(path: Path, line: int, header: list[str], required: tuple[str, ...],
                  optional: tuple[str, ...]) -> None:
    allowed = required + optional
    seen: set[str] = set()
    for i, name in enumerate(header):
        if name not in allowed:
            raise DocumentError(f"columns from {', '.join(allowed)}",
                                f"column {short(name)}" if name else "an unnamed column",
                                path=("header",), file=path, line=line, column=i + 1)
        if name in seen:
            raise DocumentError("each column once", f"column {name!r} again", path=("header",),
                                file=path, line=line, column=i + 1)
        seen.add(name)
    for name in required:
        if name not in header:
            raise DocumentError(f"a column {name!r}", "columns " + ", ".join(header), path=("header",),
                                file=path, line=line)


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
"""A line and its ending, split as text files open with ``newline=""`` split them."""


def _csv_rows(path: Path, data: bytes, table_limits: TableLimits) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``data`` with the line it starts on; bytes that are not UTF-8, and NUL bytes,
    are errors naming the row and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _first_cell(data.decode("utf-8-sig", "surrogateescape"), _NOT_UTF8)
        raise DocumentError("UTF-8 text (save the sheet as CSV UTF-8)", f"byte 0x{err.object[err.start]:02x}",
                            file=path, line=line, column=column) from None
    del data
    if "\x00" in text:
        line, column = _first_cell(text, _NUL)
        raise DocumentError("text", "a NUL byte (a binary file?)", file=path, line=line, column=column)
    reader = csv.reader(m.group() for m in _LINE.finditer(text))
    previous = csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))  # lengths are checked per cell
    records = ended = 0  # ended: the line the last record ended on
    try:
        for cells in reader:
            records += 1
            if records > table_limits.max_rows:
                raise DocumentError(f"a table of at most {table_limits.max_rows:,} rows", "more rows", file=path,
                                    line=ended + 1)
            # A record is named by the line it starts on: where a quoted cell spans lines (or a
            # quote is never closed and swallows the rest of the file) that is where to look.
            yield ended + 1, cells
            ended = reader.line_num
    except csv.Error as err:
        raise DocumentError("valid CSV", str(err), file=path, line=reader.line_num) from None
    finally:
        csv.field_size_limit(previous)


_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NUL = re.compile("\x00")


def _first_cell(text: str, bad: re.Pattern[str]) -> tuple[int | None, int | None]:
    """Line and 1-based column of the first cell of CSV ``text`` in which ``bad`` occurs."""
    reader = csv.reader(m.group() for m in _LINE.finditer(text))
    previous = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    try:
        for cells in reader:
            for i, cell in enumerate(cells):
                if bad.search(cell):
                    return reader.line_num, i + 1
    except csv.Error:
        pass
    finally:
        csv.field_size_limit(previous)
    found = bad.search(text)
    return (text.count("\n", 0, found.start()) + 1 if found else None), None


def file_beside(document: Path | None, ref: str, field: str, suffixes: tuple[str, ...] = (".csv", ".xlsx")) -> Path:
    """The file ``ref`` names, relative to ``document``'s directory, as the user would write it
    (``document`` None: a document given in memory, which has no directory and names no file).

    A document may only pull in files inside its own directory: an empty name, one with control
    characters (a NUL byte, a newline), another suffix than ``suffixes``, an absolute path, one
    that climbs out with ``..``, a loop of symbolic links and a name too long are errors at
    ``field`` (the loader locates them in the document).
    """
    if not ref.strip():
        raise DocumentError(f"the name of a {' or '.join(suffixes)} file beside the document", "an empty value",
                            path=(field,))
    if _CONTROL.search(ref):
        raise DocumentError("a file name without control characters", short(ref), path=(field,))
    if document is None:
        raise DocumentError(f"no {field} in a document given as data or text (it has no directory to find "
                            f"{short(ref)} in): load the document from its file, or give the rows inline",
                            short(ref), path=(field,))
    base = document.parent.resolve()
    target = Path(os.path.normpath(base / ref))
    try:
        target = (base / ref).resolve()
        target.stat()
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop, as Path.resolve reports it
        reason = _UNREADABLE.get(errno.ELOOP if isinstance(err, RuntimeError) else err.errno or 0)
        if reason is not None:
            raise DocumentError("a file that can be opened", f"{short(ref)}, {reason}", path=(field,)) from None
        # anything else (missing, unreadable): reading it says so, naming it
    if Path(ref).is_absolute() or (target != base and base not in target.parents):
        raise DocumentError("a relative path inside the document's directory", short(ref), path=(field,))
    if Path(ref).suffix.lower() not in suffixes:
        raise DocumentError(f"a {' or '.join(suffixes)} file", short(ref), path=(field,))
    return Path(document.parent, ref)


_CONTROL = CONTROLS
_UNREADABLE = {errno.ELOOP: "a loop of symbolic links", errno.ENAMETOOLONG: "a name too long for the filesystem"}


@dataclass
class MergedRows:
    """A table's rows appended to the document's list ``key`` from index ``first`` on."""

    key: str
    table: Table
    first: int
    lines: list[int]
    """The table's row number of each appended item."""

    def relocate(self, err: DocumentError) -> DocumentError | None:
        """``err`` re-pointed at the table's row and column, if it is about one of these items."""
        if len(err.path) < 2 or err.path[0] != self.key or not isinstance(err.path[1], int):
            return None
        index = err.path[1] - self.first
        if not 0 <= index < len(self.lines):
            return None
        column = err.path[2] if len(err.path) > 2 else None
        col = self.table.column(column) if isinstance(column, str) and column in self.table.header else None
        return DocumentError(err.expected, err.found, path=err.path[2:], file=self.table.path,
                             line=self.lines[index], column=col)


def relocate_any(merged: list[MergedRows]) -> Callable[[DocumentError], DocumentError | None] | None:
    """One relocation function over several merged tables (None if there are none)."""
    if not merged:
        return None

    def relocate(err: DocumentError) -> DocumentError | None:
        return next((moved for m in merged if (moved := m.relocate(err)) is not None), None)

    return relocate
