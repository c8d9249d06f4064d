"""A structure-aware fuzzer for tables: workbooks built part by part and CSV registers built cell
by cell, then damaged the ways spreadsheets and attackers damage them. Whatever comes out, reading
gives a table or one DocumentError naming the file, never another exception.

Budgets are bounded (examples per test; STOCKTAKE_FUZZ_EXAMPLES raises them) so the file runs in
seconds.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st
from workbooks import MAIN, RELS, SHEET, WORKBOOK, column_letters

from stocktake.chains.loading import ACTOR_COLUMNS, ACTOR_OPTIONAL
from stocktake.core.errors import DocumentError
from stocktake.core.tables import read_table

EXAMPLES = int(os.environ.get("STOCKTAKE_FUZZ_EXAMPLES", "120"))
COLUMNS = ("id", "name", "level", "role")
ALL = ACTOR_COLUMNS + ACTOR_OPTIONAL
BAD_REFS = ["ZZZZZZZZ2", "XFD2", "XFE2", "", "A", "1", "a1", "A\u00b2", "A0", "A99999999", "$A$1", "AB-3"]
BAD_ROWS = ["abc", "\u00b2", "-1", "0", "1048576", "1048577", "1" + "0" * 30, "", " 2", "\u0663"]
TEXT = st.text(alphabet=st.sampled_from([*"abcXYZ019 ,;\"'\n\r\t-.", "\u00e9", "\u2028", "\x00", "\ufeff"]),
               max_size=8)


def check(path: Path) -> None:
    """The property: a table, or a one-line DocumentError naming ``path``."""
    err: DocumentError | None = None
    try:
        read_table(path, required=COLUMNS, optional=tuple(c for c in ALL if c not in COLUMNS))
    except DocumentError as caught:
        err = caught
    if err is not None:
        assert err.file == str(path), err
        assert len(str(err).splitlines()) == 1, err
        if "NUL" in err.found or "UTF-8" in err.expected:
            assert err.line is not None and err.column is not None, err   # the row and column of the bad byte


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    header = draw(st.lists(st.sampled_from([*ALL, "levl", "", "ID"]), min_size=1, max_size=8))
    if draw(st.booleans()):
        header = list(COLUMNS) + draw(st.lists(st.sampled_from(ACTOR_OPTIONAL), max_size=3, unique=True))
    rows = draw(st.lists(st.lists(TEXT, max_size=len(header) + 2), max_size=6))
    return [header, *rows]


def _cell(ref: str, text: str, shared: list[str], use_shared: bool) -> str:
    if use_shared:
        shared.append(text)
        return f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>'
    if text.strip("-0123456789.") == "" and text not in ("", "-", "."):
        return f'<c r="{ref}"><v>{escape(text)}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, bytes]:
    """The parts of a workbook holding a table, some of them damaged."""
    table = draw(tables())
    shared: list[str] = []
    use_shared = draw(st.booleans())
    rows = []
    for n, cells in enumerate(table, 1):
        row_number = draw(st.sampled_from(BAD_ROWS)) if draw(st.integers(0, 9)) == 0 else str(n)
        body = ""
        for i, text in enumerate(cells):
            ref = draw(st.sampled_from(BAD_REFS)) if draw(st.integers(0, 19)) == 0 else f"{column_letters(i)}{n}"
            body += _cell(ref, text.replace("\x00", "").replace("\r", ""), shared, use_shared)
        rows.append(f'<row r="{row_number}">{body}</row>')
    sst = "".join(f"<si><t>{escape(s.replace(chr(0), ''))}</t></si>" for s in shared)
    parts = {"xl/workbook.xml": WORKBOOK.encode(), "xl/_rels/workbook.xml.rels": RELS.encode(),
             SHEET: f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'.encode(),
             "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{sst}</sst>'.encode()}
    if use_shared and draw(st.booleans()):
        parts[SHEET] = parts[SHEET].replace(b"<v>0</v>", b"<v>%d</v>" % draw(st.sampled_from([-1, 10**6, 2**40])))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(sorted(parts)))
        data = parts[name]
        kind = draw(st.integers(0, 3))
        at = draw(st.integers(0, len(data)))
        if kind == 0:
            parts[name] = data[:at]                                                 # truncated
        elif kind == 1:
            parts[name] = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]  # random bytes
        elif kind == 2:
            del parts[name]                                                          # a missing part
        else:
            parts[name] = data.replace(b"sheetData", b"sheetDat", 1)                 # a misnamed element
    return parts


def _zip(path: Path, parts: dict[str, bytes], method: int) -> None:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(workbooks(), st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3))
def test_damaged_workbooks_give_a_table_or_a_located_error(parts, method, flips):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.xlsx"
        _zip(path, parts, method)
        if flips:
            data = bytearray(path.read_bytes())
            for at, value in flips:
                data[at % len(data)] = value                                         # damaged zip headers
            path.write_bytes(bytes(data))
        check(path)


@st.composite
def registers(draw: st.DrawFn) -> bytes:
    """A CSV actors register, with quoting, blank lines, BOMs and bad bytes."""
    lines = []
    for cells in draw(tables()):
        quoted = [f'"{c}"' if draw(st.booleans()) else c for c in (c.replace('"', '""') for c in cells)]
        lines.append(",".join(quoted))
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
    data = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines).encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b'"', b"\xef\xbb\xbf", b"\xe9"])) + data[at:]
    return data


@settings(max_examples=EXAMPLES, deadline=None)
@given(registers())
def test_csv_registers_give_a_table_or_a_located_error(data):
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "actors.csv"
        path.write_bytes(data)
        check(path)
