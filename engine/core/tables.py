"""Reading tables of ratings from CSV or XLSX files, as review teams keep them in spreadsheets.

One header row, then one row per record. XLSX is read with the standard library (it is zipped
XML, read by :mod:`stocktake.core.workbook`): the sheet asked for by name, else the sheet with the
preferred name, else the first sheet whose header fits (a workbook may start with instructions);
values as text; formulas contribute their cached values. Both are read row by row within
:class:`Limits` and :class:`TableLimits`. Every error about a place in the table is a
:class:`~stocktake.core.cells.TableError` naming the file, the sheet and the cell as a spreadsheet
shows them.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stocktake.core.cells import TableError
from stocktake.core.errors import CONTROLS, DocumentError, json_path
from stocktake.core.files import read_bytes
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, sha256_of
from stocktake.core.workbook import TABLE_LIMITS, SparseRow, TableLimits, sheet_rows, short

__all__ = ["TABLE_LIMITS", "HeaderCheck", "MergedRows", "Table", "TableLimits", "file_beside", "read_table",
           "relocate_any"]

HeaderCheck = Callable[[list[str]], "tuple[int | None, str, str] | None"]
"""Checks a table's header (names lower-cased, stripped): None if it is right, else ``(0-based
column or None, expected, found)`` for the error."""


@dataclass
class Table:
    """A header and rows; each row keeps its 1-based row number in the file (for a CSV, the line
    its record starts on)."""

    path: Path
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    sha256: str
    """Of the bytes read (for a CSV, the very bytes its rows came from)."""
    sheet: str | None = None
    """The worksheet read (None for a CSV)."""
    records: dict[int, int] = field(default_factory=dict)
    """For a CSV, the spreadsheet row of each record whose line differs from it (a quoted cell
    above spans lines)."""
    header_line: int = 1

    def column(self, name: str) -> int:
        """1-based column number of ``name``."""
        return self.header.index(name) + 1

    def error(self, expected: str, found: str, line: int, column: int | None = None,
              path: Sequence[str | int] = ()) -> TableError:
        """An error at row ``line`` (as the rows are numbered) and 1-based ``column``."""
        return TableError(expected, found, file=self.path, sheet=self.sheet, line=line,
                          row=self.records.get(line, line), column=column, path=path)

    def take_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows, each let go of once handed out (a large table is then not held twice while
        it is turned into a document's items); the table keeps none."""
        rows, self.rows = self.rows, []
        rows.reverse()
        while rows:
            yield rows.pop()


def read_table(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = (),
               notes: tuple[str, ...] = (), header: HeaderCheck | None = None, sheet: str | None = None,
               sheet_field: str = "sheet", prefer_sheet: str | None = None,
               fits: Callable[[list[str]], bool] | None = None,
               limits: Limits = DEFAULT_LIMITS, table_limits: TableLimits = TABLE_LIMITS) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); the header must have ``required`` columns and no
    columns outside ``required + optional + notes`` (a misspelt column must not be silently
    ignored); ``header``, if given, checks it instead. Columns in ``notes`` are read past and left
    out of the rows.

    Of a workbook, the sheet read is ``sheet`` (by name, any case; one not there is an error at the
    document's field ``sheet_field`` listing the sheets), else the one named ``prefer_sheet``, else
    the first whose header ``fits`` (a list of its lower-cased names), else the first sheet.

    Rows are read one at a time; past ``table_limits.max_rows`` rows, or a cell longer than
    ``limits.max_text`` characters, is an error naming the row and column."""
    suffix = path.suffix.lower()
    raw: Iterator[tuple[int, Cells]]
    place = Table(path, [], [], "")
    if suffix == ".csv":
        data = read_bytes(path, max_bytes=limits.max_bytes, what="an existing CSV or XLSX file")
        digest = hashlib.sha256(data).hexdigest()
        raw = _csv_rows(path, data, table_limits, place.records)
        del data  # the rows' reader holds the only reference, and lets it go once decoded
    elif suffix == ".xlsx":
        chooser = _SheetChooser(path, sheet, sheet_field, prefer_sheet, fits)
        raw = sheet_rows(path, limits, table_limits, chooser)
    else:
        raise DocumentError("a .csv or .xlsx file", f"a {suffix or 'suffix-less'} file", file=path)
    filled = ((n, cells) for n, cells in raw if any(c.strip() for c in _values(cells)))
    first = next(filled, None)
    if suffix == ".xlsx":
        place.sheet = chooser.chosen
    if first is None:
        raise place.error("a header row", "an empty table", 1)
    header_line, header_cells = first
    place.header_line = header_line
    _check_lengths(place, header_line, header_cells, limits)
    names = _header_names(header_cells)
    check = header or _columns_check(required, optional + notes)
    problem = check(names)
    if problem is not None:
        column, expected, found = problem
        raise place.error(expected, found, header_line, None if column is None else column + 1, ("header",))
    kept = [i for i, name in enumerate(names) if name and name not in notes]
    rows = []
    for number, cells in filled:
        _check_lengths(place, number, cells, limits)
        values, extra = _split(cells, len(names))
        if extra is not None:
            raise place.error(f"at most {len(names)} cells", f"a value beyond the last column ({short(extra)})",
                              number, len(names) + 1)
        rows.append((number, {names[i]: values[i].strip() for i in kept}))
    if suffix == ".xlsx":
        digest = sha256_of(path)  # a workbook is read at random, so its bytes are hashed apart
    place.header, place.rows, place.sha256 = names, rows, digest
    return place


def _header_names(cells: Cells) -> list[str]:
    names = [c.strip().lower() for c in _dense(cells, None)]
    while names and not names[-1]:
        names.pop()
    return names


@dataclass
class _SheetChooser:
    """The :data:`~stocktake.core.workbook.SheetPick` of :func:`read_table`; remembers its choice."""

    path: Path
    sheet: str | None
    sheet_field: str
    prefer: str | None
    fits: Callable[[list[str]], bool] | None
    chosen: str | None = None

    def __call__(self, names: list[str], first_row: Callable[[str], SparseRow | None]) -> str:
        self.chosen = self.choose(names, first_row)
        return self.chosen

    def choose(self, names: list[str], first_row: Callable[[str], SparseRow | None]) -> str:
        listed = ", ".join(short(n) for n in names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        if self.sheet is not None:
            found = _named(names, self.sheet)
            if found is None:
                raise DocumentError(f"the name of a sheet in {self.path.name} ({listed})", short(self.sheet),
                                    path=(self.sheet_field,))
            return found
        found = _named(names, self.prefer) if self.prefer is not None else None
        if found is not None or self.fits is None:
            return found or names[0]
        for name in names:
            row = first_row(name)
            if row is not None and self.fits(_header_names(row)):
                return name
        wanted = f"a sheet named {self.prefer!r} or one" if self.prefer else "a sheet"
        raise DocumentError(f"{wanted} whose first row is the table's header (or '{self.sheet_field}' naming it)",
                            f"sheets {listed}", file=self.path)


def _named(names: list[str], wanted: str) -> str | None:
    """The sheet called ``wanted``: exactly, else ignoring case and surrounding spaces (as
    spreadsheets compare sheet names)."""
    if wanted in names:
        return wanted
    folded = wanted.strip().casefold()
    return next((n for n in names if n.strip().casefold() == folded), None)


def _columns_check(required: tuple[str, ...], allowed_extra: tuple[str, ...]) -> HeaderCheck:
    allowed = required + allowed_extra

    def check(header: list[str]) -> tuple[int | None, str, str] | None:
        seen: set[str] = set()
        for i, name in enumerate(header):
            if name not in allowed:
                return i, f"columns from {', '.join(allowed)}", f"column {short(name)}" if name else "an unnamed column"
            if name in seen:
                return i, "each column once", f"column {name!r} again"
            seen.add(name)
        for name in required:
            if name not in header:
                return None, f"a column {name!r}", "columns " + ", ".join(header)
        return None

    return check


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


def _check_lengths(table: Table, number: int, cells: Cells, limits: Limits) -> None:
    items = cells.items() if isinstance(cells, dict) else enumerate(cells)
    for i, text in items:
        if len(text) > limits.max_text:
            raise table.error(f"text of at most {limits.max_text:,} characters", f"{len(text):,} characters",
                              number, i + 1)


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
"""A line and its ending, split as text files open with ``newline=""`` split them."""


def _csv_rows(path: Path, data: bytes, table_limits: TableLimits,
              rows_of: dict[int, int]) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``data`` with the line it starts on (``rows_of`` gets the record's number,
    its spreadsheet row, where that differs); bytes that are not UTF-8, and NUL bytes, are errors
    naming the row and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, row, column = _first_cell(data.decode("utf-8-sig", "surrogateescape"), _NOT_UTF8)
        raise TableError("UTF-8 text (save the sheet as CSV UTF-8)", f"byte 0x{err.object[err.start]:02x}",
                         file=path, line=line, row=row, column=column) from None
    del data
    if "\x00" in text:
        line, row, column = _first_cell(text, _NUL)
        raise TableError("text", "a NUL byte (a binary file?)", file=path, line=line, row=row, column=column)
    reader = csv.reader(m.group() for m in _LINE.finditer(text))
    previous = csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))  # lengths are checked per cell
    records = ended = 0  # ended: the line the last record ended on
    try:
        for cells in reader:
            records += 1
            if records > table_limits.max_rows:
                raise TableError(f"a table of at most {table_limits.max_rows:,} rows", "more rows", file=path,
                                 line=ended + 1, row=records)
            # A record is named by the line it starts on: where a quoted cell spans lines (or a
            # quote is never closed and swallows the rest of the file) that is where to look.
            if ended + 1 != records:
                rows_of[ended + 1] = records
            yield ended + 1, cells
            ended = reader.line_num
    except csv.Error as err:
        raise DocumentError("valid CSV", str(err), file=path, line=reader.line_num) from None
    finally:
        csv.field_size_limit(previous)


_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NUL = re.compile("\x00")


def _first_cell(text: str, bad: re.Pattern[str]) -> tuple[int | None, int | None, int | None]:
    """Line, record number and 1-based column of the first cell of CSV ``text`` in which ``bad``
    occurs (the line its record starts on)."""
    reader = csv.reader(m.group() for m in _LINE.finditer(text))
    previous = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    ended = 0
    try:
        for record, cells in enumerate(reader, 1):
            for i, cell in enumerate(cells):
                if bad.search(cell):
                    return ended + 1, record, i + 1
            ended = reader.line_num
    except csv.Error:
        pass
    finally:
        csv.field_size_limit(previous)
    found = bad.search(text)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    return line, line, None


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
    """A table's rows appended to the document's list ``key`` from index ``first`` on.

    Errors the document's validation finds in those items are re-pointed at the table's cells
    (:meth:`relocate`): the row of each item (``lines``), the column of its field (the column of
    that name, or the item's own in ``cells``), "a value in column ..." where the cell was empty
    (``empty``), and a reference to another item (``$.ratings[3]``) as the place in the table it
    came from."""

    key: str
    table: Table
    first: int
    lines: list[int]
    """The table's row number of each appended item."""
    cells: list[dict[str, int]] = field(default_factory=list)
    """Per item (if any), the 1-based column of each field, where it is not the column of that name."""
    empty: set[tuple[int, str]] = field(default_factory=set)
    """(item index from ``first``, field) of the required cells that were empty."""
    document: Path | None = None
    """The document the other items are in (to name it in a reference to one of them)."""

    def relocate(self, err: DocumentError) -> DocumentError | None:
        """``err`` re-pointed at the table's row and column, if it is about one of these items."""
        if len(err.path) < 2 or err.path[0] != self.key or not isinstance(err.path[1], int):
            return None
        index = err.path[1] - self.first
        if not 0 <= index < len(self.lines):
            return None
        name = err.path[2] if len(err.path) > 2 else None
        col = None
        if isinstance(name, str):
            own = self.cells[index] if index < len(self.cells) else {}
            col = own.get(name) or (self.table.column(name) if name in self.table.header else None)
        expected, found = err.expected, self._references(err.found)
        if isinstance(name, str) and (index, name) in self.empty:
            expected, found = f"a value in column {(self.table.header[col - 1] if col else name)!r}", "an empty cell"
        path = (self.table.header[col - 1], *err.path[3:]) if col else err.path[2:]
        return self.table.error(expected, found, self.lines[index], col, path)

    def _references(self, text: str) -> str:
        """``text`` with each ``$.KEY[N]`` of an item from this table as its row there."""
        def place(match: re.Match[str]) -> str:
            index = int(match.group(1)) - self.first
            if 0 <= index < len(self.lines):
                line = self.lines[index]
                return f"row {self.table.records.get(line, line)}"
            where = f" in {self.document.name}" if self.document is not None else ""
            return match.group() + where

        return re.sub(re.escape(json_path((self.key,))) + r"\[(\d+)\]", place, text)


def relocate_any(merged: list[MergedRows]) -> Callable[[DocumentError], DocumentError | None] | None:
    """One relocation function over several merged tables (None if there are none)."""
    if not merged:
        return None

    def relocate(err: DocumentError) -> DocumentError | None:
        return next((moved for m in merged if (moved := m.relocate(err)) is not None), None)

    return relocate
