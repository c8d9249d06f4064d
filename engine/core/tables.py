"""Reading tables of ratings from CSV or XLSX files, as review teams keep them in spreadsheets.

One header row, then one row per record. XLSX is read with the standard library (it is zipped
XML): the first worksheet only, values as text; formulas contribute their cached values. Every
error is a :class:`DocumentError` naming the file, the row (as the line) and the column.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from stocktake.core.errors import DocumentError
from stocktake.core.files import open_input, read_bytes
from stocktake.core.parsing import DEFAULT_LIMITS, Limits

__all__ = ["MergedRows", "Table", "file_beside", "read_table", "relocate_any"]

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass
class Table:
    """A header and rows; each row keeps its 1-based row number in the file."""

    path: Path
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def column(self, name: str) -> int:
        """1-based column number of ``name``."""
        return self.header.index(name) + 1


def read_table(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = (),
               limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); the header must have ``required`` columns and no
    columns outside ``required + optional`` (a misspelt column must not be silently ignored)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = _csv_rows(path, read_bytes(path, max_bytes=limits.max_bytes, what="an existing CSV or XLSX file"))
    elif suffix == ".xlsx":
        raw = _xlsx_rows(path, limits)
    else:
        raise DocumentError("a .csv or .xlsx file", f"a {suffix or 'suffix-less'} file", file=path)
    raw = [(n, cells) for n, cells in raw if any(c.strip() for c in cells)]
    if not raw:
        raise DocumentError("a header row", "an empty table", file=path, line=1)
    header_line, header_cells = raw[0]
    header = [c.strip().lower() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    allowed = required + optional
    for i, name in enumerate(header):
        if name not in allowed:
            raise DocumentError(f"columns from {', '.join(allowed)}",
                                f"column {name!r}" if name else "an unnamed column",
                                path=("header",), file=path, line=header_line, column=i + 1)
        if header.index(name) != i:
            raise DocumentError("each column once", f"column {name!r} again", path=("header",),
                                file=path, line=header_line, column=i + 1)
    for name in required:
        if name not in header:
            raise DocumentError(f"a column {name!r}", "columns " + ", ".join(header), path=("header",),
                                file=path, line=header_line)
    rows = []
    for number, cells in raw[1:]:
        extra = [c for c in cells[len(header):] if c.strip()]
        if extra:
            raise DocumentError(f"at most {len(header)} cells", f"a value beyond the last column ({extra[0]!r})",
                                file=path, line=number, column=len(header) + 1)
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((number, {name: cells[i].strip() for i, name in enumerate(header)}))
    return Table(path, header, rows)


def _csv_rows(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError("UTF-8 text (save the sheet as CSV UTF-8)", f"byte 0x{err.object[err.start]:02x}",
                            file=path) from None
    if "\x00" in text:
        raise DocumentError("text", "a NUL byte (a binary file?)", file=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    try:
        for cells in reader:
            out.append((reader.line_num, cells))
    except csv.Error as err:
        raise DocumentError("valid CSV", str(err), file=path, line=reader.line_num) from None
    return out


def _xlsx_rows(path: Path, limits: Limits) -> list[tuple[int, list[str]]]:
    with open_input(path, what="an existing CSV or XLSX file") as handle:
        if os.fstat(handle.fileno()).st_size > limits.max_bytes:
            raise DocumentError(f"a file of at most {limits.max_bytes:,} bytes",
                                f"{os.fstat(handle.fileno()).st_size:,} bytes", file=path)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError):
            raise DocumentError("an XLSX workbook", "a file that is not a zip archive", file=path) from None
        return _sheet_rows(path, archive, limits)


def _sheet_rows(path: Path, archive: zipfile.ZipFile, limits: Limits) -> list[tuple[int, list[str]]]:
    with archive:
        def read(name: str) -> ElementTree.Element:
            info = archive.getinfo(name)
            if info.file_size > limits.max_bytes:
                raise DocumentError(f"workbook parts of at most {limits.max_bytes:,} bytes",
                                    f"{name} of {info.file_size:,} bytes", file=path)
            try:
                return ElementTree.fromstring(archive.read(name))
            except ElementTree.ParseError as err:
                raise DocumentError("a well-formed workbook", f"broken XML in {name}: {err}", file=path) from None

        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise DocumentError("an XLSX workbook", "a zip archive without xl/workbook.xml", file=path)
        workbook = read("xl/workbook.xml")
        sheet = workbook.find("m:sheets/m:sheet", _NS)
        if sheet is None:
            raise DocumentError("a workbook with a worksheet", "no worksheet", file=path)
        target = "xl/worksheets/sheet1.xml"
        if "xl/_rels/workbook.xml.rels" in names:
            rels = read("xl/_rels/workbook.xml.rels")
            for rel in rels:
                if rel.get("Id") == sheet.get(_REL):
                    ref = rel.get("Target", "")
                    target = ref.lstrip("/") if ref.startswith("/") else "xl/" + ref
        if target not in names:
            raise DocumentError("the first worksheet", f"a missing part {target}", file=path)
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t"))
                      for si in read("xl/sharedStrings.xml").findall("m:si", _NS)]
        out: list[tuple[int, list[str]]] = []
        for row in read(target).iterfind("m:sheetData/m:row", _NS):
            number = int(row.get("r", len(out) + 1))
            cells: list[str] = []
            for cell in row.findall("m:c", _NS):
                column = _column_index(cell.get("r", "")) if cell.get("r") else len(cells)
                while len(cells) < column:
                    cells.append("")
                cells.append(_cell_text(cell, shared))
            out.append((number, cells))
        return out


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref.upper())
    index = 0
    for ch in letters.group(0) if letters else "A":
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _cell_text(cell: ElementTree.Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_NS['m']}}}t"))
    value = cell.find("m:v", _NS)
    text = value.text if value is not None and value.text is not None else ""
    if kind == "s":
        return shared[int(text)] if text.isdigit() and int(text) < len(shared) else ""
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "n" and re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]  # 4.0 typed into a sheet means 4
    return text


def file_beside(document: Path, ref: str, field: str) -> Path:
    """The file ``ref`` names, relative to ``document``'s directory, as the user would write it.

    A document may only pull in files inside its own directory: an absolute path, or one that
    climbs out with ``..``, is an error at ``field``.
    """
    base = document.parent.resolve()
    target = (base / ref).resolve()
    if Path(ref).is_absolute() or (target != base and base not in target.parents):
        raise DocumentError("a relative path inside the document's directory", repr(ref), path=(field,))
    return Path(document.parent, ref)


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
