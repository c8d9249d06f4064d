"""Reading a worksheet of an XLSX workbook (zipped XML) with the standard library, streamed and
bounded. Which worksheet is the caller's choice (:data:`SheetPick`), from the workbook's sheet names
and a look at each one's first row; by default the first.

Each part is inflated through a reader that stops at the limit of bytes actually inflated (a zip's
headers may lie about sizes) and parsed incrementally, each element dropped once read, so memory
holds one row at a time. Rows are sparse (``{column index: text}``, empty cells left out): a cell
at column XFD costs one entry, not 16,384. Every error is a :class:`DocumentError` naming the
file (a :class:`TableError` naming the sheet and cell where there is one).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from stocktake.core.cells import TableError, cell_name
from stocktake.core.errors import DocumentError
from stocktake.core.files import open_input
from stocktake.core.parsed import Limits

__all__ = ["MAX_COLUMN", "MAX_MEMBERS", "MAX_ROW", "TABLE_LIMITS", "SheetPick", "TableLimits", "cell_name",
           "first_sheet", "sheet_rows", "short"]

MAX_COLUMN = 16_384
"""Columns a worksheet may have (A to XFD), as in every spreadsheet program."""
MAX_ROW = 1_048_576
"""Rows a worksheet may have."""
MAX_MEMBERS = 10_000
"""Parts a workbook may have (a workbook has tens; each costs a record before anything is read)."""

_M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"  # tags as expat names them
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"  # as expat names it
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
_WHOLE = re.compile(r"-?\d+\.0+")
_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}
_RESAVE = "save the workbook again from your spreadsheet program"
_CHUNK = 1 << 16

SparseRow = dict[int, str]

SheetPick = Callable[[list[str], Callable[[str], SparseRow | None]], str]
"""Chooses the worksheet to read: given the sheet names in the workbook's order and a function
giving a sheet's first non-empty row (None if it has none), returns one of the names (or raises a
:class:`DocumentError`)."""


@dataclass(frozen=True)
class TableLimits:
    """Bounds on what a table (CSV or XLSX) may make the reader do, besides :class:`Limits`."""

    max_rows: int = 500_000
    """Most rows (CSV records or worksheet rows, blank ones included)."""
    max_cells: int = 2_500_000
    """Most cells in a worksheet's XML, and most shared strings."""


TABLE_LIMITS = TableLimits()


_DAMAGED = (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError)
"""What the standard library's zip reader raises for a damaged or unsupported archive (a bad
header, a truncated file, an unknown compression method): each is the workbook's fault, not ours."""


def short(text: str, width: int = 40) -> str:
    """``text`` quoted for a message, cut to ``width`` characters."""
    return repr(text) if len(text) <= width else repr(text[:width]) + f"... ({len(text):,} characters)"


def first_sheet(names: list[str], first_row: Callable[[str], SparseRow | None]) -> str:
    """The default :data:`SheetPick`: the first worksheet."""
    return names[0]


def sheet_rows(path: Path, limits: Limits, table_limits: TableLimits,
               pick: SheetPick = first_sheet) -> Iterator[tuple[int, SparseRow]]:
    """The rows of the worksheet ``pick`` chooses in the workbook at ``path``: ``(row number,
    {column: text})``. ``pick`` is called once, when the first row is asked for."""
    with open_input(path, what="an existing CSV or XLSX file") as handle:
        archive = _open_zip(path, handle, limits)
        with archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise DocumentError("an XLSX workbook", "a zip archive without xl/workbook.xml", file=path)
            part = _Parts(path, archive, limits, table_limits)
            sheets = part.sheets(names)
            shared = part.shared_strings() if "xl/sharedStrings.xml" in names else []

            def first_row(name: str) -> SparseRow | None:
                target = sheets[name]
                if target not in names:
                    raise DocumentError(f"the worksheet {short(name)}", f"a missing part {short(target)}", file=path)
                rows = part.rows(target, shared, name)  # read only as far as the first non-empty row
                return next((row for _, row in rows if any(v.strip() for v in row.values())), None)

            chosen = pick(list(sheets), first_row)
            target = sheets[chosen]
            if target not in names:
                raise DocumentError(f"the worksheet {short(chosen)}", f"a missing part {short(target)}", file=path)
            yield from part.rows(target, shared, chosen)


def _open_zip(path: Path, handle: BinaryIO, limits: Limits) -> zipfile.ZipFile:
    handle.seek(0, 2)
    size = handle.tell()
    if size > limits.max_bytes:
        raise DocumentError(f"a file of at most {limits.max_bytes:,} bytes", f"{size:,} bytes", file=path)
    members = _declared_members(handle, size)
    if members > MAX_MEMBERS:
        raise DocumentError(f"a workbook of at most {MAX_MEMBERS:,} parts", f"a zip archive of {members:,} members",
                            file=path)
    handle.seek(0)
    try:
        return zipfile.ZipFile(handle)
    except _DAMAGED:
        raise DocumentError("an XLSX workbook", "a file that is not a zip archive", file=path) from None


def _declared_members(handle: BinaryIO, size: int) -> int:
    """How many members the zip's end records declare (0 if there are none to read: the zip
    reader then says what is wrong), read before the reader builds one record per member."""
    tail_start = max(0, size - 65_557)  # the end record (22 bytes) and the longest comment
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return 0
    members = struct.unpack_from("<H", tail, at + 10)[0]
    locator = at - 20
    if members == 0xFFFF and locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        handle.seek(struct.unpack_from("<Q", tail, locator + 8)[0])
        record = handle.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            members = struct.unpack_from("<Q", record, 32)[0]
    return int(members)


class _Parts:
    """The parts of one open workbook, each read streamed and bounded."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, limits: Limits, table_limits: TableLimits) -> None:
        self.path, self.archive, self.limits, self.table_limits = path, archive, limits, table_limits

    def chunks(self, name: str) -> Iterator[bytes]:
        """The inflated bytes of part ``name``, refusing more than ``max_bytes`` of them."""
        info = self.archive.getinfo(name)
        limit = self.limits.max_bytes
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise DocumentError(f"workbook parts stored or deflated ({_RESAVE})",
                                f"{short(name)} compressed with {method}", file=self.path)
        if info.flag_bits & 0x1:
            raise DocumentError(f"an unencrypted workbook ({_RESAVE})", f"an encrypted part {short(name)}",
                                file=self.path)
        if info.file_size > limit:
            raise DocumentError(f"workbook parts of at most {limit:,} bytes",
                                f"{short(name)} of {info.file_size:,} bytes", file=self.path)
        total = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:  # whatever the headers declared
                        raise DocumentError(f"workbook parts of at most {limit:,} bytes",
                                            f"{short(name)} inflating past {limit:,} bytes", file=self.path)
                    yield chunk
        except (*_DAMAGED, zlib.error, RuntimeError) as err:  # RuntimeError: an encrypted part
            reason = " ".join(str(err).split()) or type(err).__name__
            raise DocumentError(f"an intact workbook ({_RESAVE})",
                                f"a damaged part {short(name)} ({short(reason, 80)})", file=self.path) from None

    def elements(self, name: str) -> Iterator[tuple[bool, _Element, int]]:
        """``(is_start, element, depth)`` for each element of part ``name``, the root at depth 1.

        Parsed with expat chunk by chunk, and nothing is kept of an element once it has ended. A
        document type declaration (and so any entity) is refused: no workbook part has one."""
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        events: list[tuple[bool, _Element, int]] = []
        stack: list[_Element] = []
        texts: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            element = _Element(tag, attrs)
            stack.append(element)
            if len(stack) > self.limits.max_depth:
                raise DocumentError(f"XML nested at most {self.limits.max_depth} levels deep",
                                    f"deeper nesting in {short(name)}", file=self.path)
            texts.clear()
            events.append((True, element, len(stack)))

        def end(tag: str) -> None:
            element = stack[-1]
            element.text = "".join(texts)  # all the text of a leaf (t, v), which is all that is read
            texts.clear()
            events.append((False, element, len(stack)))
            stack.pop()

        def doctype(*_: object) -> None:
            raise DocumentError("workbook parts without a document type declaration",
                                f"a DOCTYPE in {short(name)}", file=self.path)

        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = texts.append
        parser.StartDoctypeDeclHandler = doctype
        for chunk in _then_none(self.chunks(name)):
            try:
                parser.Parse(chunk or b"", chunk is None)
            except expat.ExpatError as err:
                raise DocumentError("a well-formed workbook", f"broken XML in {short(name)}: {err}",
                                    file=self.path) from None
            yield from events
            events.clear()

    def sheets(self, names: set[str]) -> dict[str, str]:
        """The part name of each worksheet by its name, in the workbook's order. A sheet whose
        relationship is missing is taken to be ``sheetN.xml`` (N its place), as writers lay them out."""
        ids: dict[str, str | None] = {}
        for start, element, depth in self.elements("xl/workbook.xml"):
            if start and depth == 3 and element.tag == _M + "sheet":
                name = element.get("name") or f"Sheet{len(ids) + 1}"
                ids.setdefault(name, element.get(_REL))
                if len(ids) > MAX_MEMBERS:
                    raise DocumentError(f"a workbook of at most {MAX_MEMBERS:,} sheets", "more", file=self.path)
        if not ids:
            raise DocumentError("a workbook with a worksheet", "no worksheet", file=self.path)
        targets: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for start, element, depth in self.elements("xl/_rels/workbook.xml.rels"):
                if start and depth == 2 and element.get("Id") is not None:
                    ref = element.attrs.get("Target", "")
                    targets[element.attrs["Id"]] = ref.lstrip("/") if ref.startswith("/") else "xl/" + ref
        return {name: targets.get(rid or "", f"xl/worksheets/sheet{i}.xml")
                for i, (name, rid) in enumerate(ids.items(), 1)}

    def shared_strings(self) -> list[str]:
        """The workbook's shared strings, each the text of every ``t`` inside its ``si``."""
        shared: list[str] = []
        texts: list[str] = []
        for start, element, depth in self.elements("xl/sharedStrings.xml"):
            if depth == 2 and element.tag == _M + "si":
                if start:
                    texts = []
                    continue
                shared.append("".join(texts))
                if len(shared) > self.table_limits.max_cells:
                    raise DocumentError(f"at most {self.table_limits.max_cells:,} shared strings",
                                        "more", file=self.path)
            elif not start and depth > 2 and element.tag == _M + "t":
                texts.append(element.text or "")
        return shared

    def rows(self, name: str, shared: list[str], sheet: str) -> Iterator[tuple[int, SparseRow]]:
        """Rows of sheet part ``name`` (the worksheet ``sheet``), each with its row number, as soon
        as each is read."""
        limits = self.table_limits
        rows = cells_seen = characters = 0
        number, next_column = 0, 0
        row: SparseRow = {}
        in_data = False
        cell: _Cell | None = None
        for start, element, depth in self.elements(name):
            tag = element.tag
            if depth == 2:
                in_data = start and tag == _M + "sheetData"
            elif depth == 3 and in_data and tag == _M + "row":
                if start:
                    rows += 1
                    number, row, next_column = self.row_number(element.get("r"), rows, number, sheet), {}, 0
                    if rows > limits.max_rows:
                        raise TableError(f"a table of at most {limits.max_rows:,} rows", "more rows",
                                         file=self.path, sheet=sheet, row=number)
                else:
                    yield number, row
            elif depth == 4 and in_data and tag == _M + "c":
                if start:
                    cells_seen += 1
                    if cells_seen > limits.max_cells:
                        raise TableError(f"a worksheet of at most {limits.max_cells:,} cells", "more cells",
                                         file=self.path, sheet=sheet, row=number)
                    column = self.column(element.get("r"), number, next_column, sheet)
                    next_column = column + 1
                    cell = _Cell(column, element.attrs.get("t", "n"))
                elif cell is not None:
                    if cell.value or cell.texts or cell.kind == "b":  # (an empty boolean reads FALSE)
                        text = cell.text(shared, self.path, number, sheet)
                        if text:
                            row[cell.column] = text
                            characters += len(text)
                            if characters > self.limits.max_bytes:  # shared strings repeat text
                                raise TableError(
                                    f"a worksheet of at most {self.limits.max_bytes:,} characters of text",
                                    "more",
                                    file=self.path, sheet=sheet, row=number, column=cell.column + 1)
                    cell = None
            elif cell is not None and not start:
                if tag == _M + "t":
                    cell.texts.append(element.text or "")
                elif tag == _M + "v" and depth == 5 and cell.value is None:
                    cell.value = element.text or ""

    def row_number(self, r: str | None, ordinal: int, previous: int, sheet: str) -> int:
        if r is None:
            return ordinal
        if not _ROW_NUMBER.fullmatch(r) or not 1 <= int(r) <= MAX_ROW:
            raise TableError(f"a row number from 1 to {MAX_ROW:,}", f"row number {short(r)} (after row {previous})",
                             file=self.path, sheet=sheet)
        return int(r)

    def column(self, ref: str | None, number: int, next_column: int, sheet: str) -> int:
        """0-based column of a cell: its reference's, else the one after the previous cell."""
        if not ref:
            return next_column
        match = _CELL_REF.fullmatch(ref)
        index = 0
        for ch in match.group(1).upper() if match else "":
            index = index * 26 + (ord(ch) - 64)
        if not match or index > MAX_COLUMN:
            raise TableError(f"a cell reference from A1 to XFD{MAX_ROW}", f"cell reference {short(ref)}",
                             file=self.path, sheet=sheet, row=number)
        return max(index - 1, next_column)


class _Element:
    """What the readers need of an XML element: its tag (``namespace}name``), attributes and text."""

    __slots__ = ("attrs", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.text = tag, attrs, ""

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)


def _then_none(chunks: Iterator[bytes]) -> Iterator[bytes | None]:
    yield from chunks
    yield None


@dataclass
class _Cell:
    """What one ``c`` element has said so far."""

    column: int
    kind: str
    value: str | None = None
    """Text of its first ``v``."""

    def __post_init__(self) -> None:
        self.texts: list[str] = []
        """Texts of its ``t`` elements (an inline string)."""

    def text(self, shared: list[str], path: Path, row: int, sheet: str) -> str:
        if self.kind == "inlineStr":
            return "".join(self.texts)
        text = self.value or ""
        if self.kind == "s" and text:
            if _ROW_NUMBER.fullmatch(text) and int(text) < len(shared):
                return shared[int(text)]
            raise TableError(f"a shared string index below {len(shared):,}", f"index {short(text)}",
                             file=path, sheet=sheet, row=row, column=self.column + 1)
        if self.kind == "b":
            return "TRUE" if text == "1" else "FALSE"
        if self.kind == "n" and _WHOLE.fullmatch(text):
            return text.split(".")[0]  # 4.0 typed into a sheet means 4
        return text
