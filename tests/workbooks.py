"""Writing XLSX workbooks part by part, as an attacker (or an odd spreadsheet program) would, and
patching a zip's headers after the fact."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKBOOK = (f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>')
SHEET = "xl/worksheets/sheet1.xml"


def column_letters(index: int) -> str:
    """Letters of 0-based column ``index``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def rows_xml(table: list[list[str]]) -> str:
    """``<row>`` elements holding ``table`` as inline strings, from row 1."""
    return "".join(f'<row r="{n}">' + "".join(inline(f"{column_letters(i)}{n}", v) for i, v in enumerate(cells) if v)
                   + "</row>" for n, cells in enumerate(table, 1))


def sheet_xml(rows: str) -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'


def write_workbook(path: Path, sheet: str | bytes, *, shared: str | None = None,
                   method: int = zipfile.ZIP_DEFLATED, parts: dict[str, str | bytes] | None = None) -> Path:
    """A workbook whose first sheet is ``sheet`` (the XML of the whole part); ``parts`` replace or
    add parts (a value of ``""`` for a name leaves the part out)."""
    contents: dict[str, str | bytes] = {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS, SHEET: sheet}
    if shared is not None:
        contents["xl/sharedStrings.xml"] = shared
    contents.update(parts or {})
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in contents.items():
            if data != "":
                archive.writestr(name, data)
    return path


def patch_member(path: Path, name: str, *, flags: int | None = None, method: int | None = None,
                 crc: int | None = None, size: int | None = None) -> None:
    """Rewrite fields of member ``name``'s local header and central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(name).header_offset
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length] == encoded:
            break
        central = data.find(b"PK\x01\x02", central + 4)
    # (local header offset, central entry offset) of each field
    for value, local, cd, fmt in ((flags, 6, 8, "<H"), (method, 8, 10, "<H"), (crc, 14, 16, "<I"),
                                  (size, 22, 24, "<I")):
        if value is not None:
            struct.pack_into(fmt, data, offset + local, value)
            struct.pack_into(fmt, data, central + cd, value)
    path.write_bytes(bytes(data))
