"""Tables (CSV and XLSX) are read within limits, and every damaged or hostile table is one located
DocumentError naming the file: zip members are inflated no further than the limit, cells are kept
sparsely, and cell references, row numbers and shared-string indexes are checked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from workbooks import SHEET, inline, patch_member, rows_xml, sheet_xml, write_workbook

from stocktake.core import tables
from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits
from stocktake.core.tables import read_table

COLUMNS = ("component", "reviewer", "level")
OPTIONAL = ("rationale", "evidence")
GOOD = [["component", "reviewer", "level"], ["3A", "du", "R"], ["3B", "ind", "G"]]


def read(path: Path, **kwargs) -> object:
    return read_table(path, required=COLUMNS, optional=OPTIONAL, **kwargs)


def refusal(path: Path, **kwargs) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read(path, **kwargs)
    err = caught.value
    assert err.file == str(path) and len(str(err).splitlines()) == 1, str(err)
    return err


def book(tmp_path: Path, rows: str, **kwargs) -> Path:
    return write_workbook(tmp_path / "t.xlsx", sheet_xml(rows), **kwargs)


def test_a_workbook_written_part_by_part_reads_like_one_from_a_spreadsheet(tmp_path):
    table = read(book(tmp_path, rows_xml(GOOD)))
    assert table.rows == [(2, {"component": "3A", "reviewer": "du", "level": "R"}),
                          (3, {"component": "3B", "reviewer": "ind", "level": "G"})]


def test_empty_cells_far_beyond_the_header_are_ignored(tmp_path):
    rows = rows_xml(GOOD[:1]) + "".join(f'<row r="{n}">{inline(f"A{n}", "3A")}{inline(f"B{n}", "du")}'
                                        f'{inline(f"C{n}", "R")}<c r="XFD{n}"/></row>' for n in range(2, 2002))
    table = read(book(tmp_path, rows))
    assert len(table.rows) == 2000 and table.rows[-1] == (2001, {"component": "3A", "reviewer": "du", "level": "R"})


def test_a_value_at_column_xfd_is_reported_beyond_the_last_column(tmp_path):
    rows = rows_xml(GOOD[:1]) + f'<row r="2">{inline("A2", "3A")}{inline("XFD2", "far")}</row>'
    err = refusal(book(tmp_path, rows))
    assert (err.line, err.column) == (2, 4) and "a value beyond the last column ('far')" in str(err)


@pytest.mark.parametrize("ref", ["ZZZZZZZZ2", "XFE2", "2", "A-1", "A²"])
def test_a_cell_reference_beyond_xfd_or_malformed_is_located(tmp_path, ref):
    rows = rows_xml(GOOD[:1]) + f'<row r="2">{inline(ref, "x")}</row>'
    err = refusal(book(tmp_path, rows))
    assert err.line == 2 and "expected a cell reference from A1 to XFD1048576" in str(err), str(err)


@pytest.mark.parametrize("number", ["abc", "²", "0", "1048577", "99999999999999999999", "-3"])
def test_a_row_number_that_is_not_one_of_a_sheets_rows_is_an_error(tmp_path, number):
    rows = rows_xml(GOOD[:1]) + f'<row r="{number}">{inline("A2", "x")}</row>'
    err = refusal(book(tmp_path, rows))
    assert "expected a row number from 1 to 1,048,576" in str(err) and "after row 1" in str(err), str(err)


@pytest.mark.parametrize("index", ["7", "²", "-1", "x", "9" * 5000])
def test_a_shared_string_index_out_of_range_names_the_cell(tmp_path, index):
    shared = f'<sst xmlns="{"http://schemas.openxmlformats.org/spreadsheetml/2006/main"}"><si><t>du</t></si></sst>'
    rows = rows_xml(GOOD[:1]) + f'<row r="2">{inline("A2", "3A")}<c r="B2" t="s"><v>{index}</v></c></row>'
    err = refusal(book(tmp_path, rows, shared=shared))
    assert (err.line, err.column) == (2, 2) and ", cell B2: " in str(err), str(err)


def test_shared_strings_are_read(tmp_path):
    shared = (f'<sst xmlns="{"http://schemas.openxmlformats.org/spreadsheetml/2006/main"}"><si><t>d</t>'
              '<r><t>u</t></r></si></sst>')
    rows = rows_xml(GOOD[:1]) + f'<row r="2">{inline("A2", "3A")}<c r="B2" t="s"><v>0</v></c>{inline("C2", "R")}</row>'
    assert read(book(tmp_path, rows, shared=shared)).rows[0][1]["reviewer"] == "du"


@pytest.mark.parametrize("method, name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")])
def test_a_part_compressed_otherwise_than_deflate_asks_to_save_again(tmp_path, method, name):
    err = refusal(book(tmp_path, rows_xml(GOOD), method=method))
    assert f"compressed with {name}" in str(err) and "save the workbook again from your spreadsheet program" in str(err)


def test_a_deflate64_part_asks_to_save_again(tmp_path):
    path = book(tmp_path, rows_xml(GOOD))
    patch_member(path, SHEET, method=9)
    assert "compressed with Deflate64" in str(refusal(path))


def test_an_encrypted_part_asks_to_save_again(tmp_path):
    path = book(tmp_path, rows_xml(GOOD))
    patch_member(path, SHEET, flags=0x1)
    err = refusal(path)
    assert "an encrypted part" in str(err) and "save the workbook again" in str(err)


def test_a_bad_crc_is_a_damaged_part(tmp_path):
    path = book(tmp_path, rows_xml(GOOD))
    patch_member(path, SHEET, crc=0x12345678)
    assert "expected an intact workbook" in str(refusal(path))


def test_a_part_inflating_past_the_limit_is_refused_whatever_its_header_says(tmp_path):
    path = book(tmp_path, rows_xml(GOOD) + "<row/>" * 400_000)
    limits = Limits(max_bytes=1_000_000)
    assert "of at most 1,000,000 bytes" in str(refusal(path, limits=limits))
    patch_member(path, SHEET, size=100)  # headers that under-declare: never more than declared is inflated
    assert "expected an intact workbook" in str(refusal(path, limits=limits))


def test_rows_and_cells_are_counted(tmp_path):
    path = book(tmp_path, rows_xml(GOOD * 3))
    assert "a table of at most 5 rows" in str(refusal(path, table_limits=tables.TableLimits(max_rows=5)))
    assert "a worksheet of at most 10 cells" in str(refusal(path, table_limits=tables.TableLimits(max_cells=10)))
    csv = tmp_path / "t.csv"
    csv.write_text("component,reviewer,level\n" + "3A,du,R\n\n" * 3)
    err = refusal(csv, table_limits=tables.TableLimits(max_rows=5))
    assert "a table of at most 5 rows" in str(err) and err.line == 6


def test_xml_nested_deeper_than_the_limit_is_refused(tmp_path):
    path = book(tmp_path, rows_xml(GOOD) + "<x>" * 100 + "</x>" * 100)
    assert "XML nested at most 64 levels deep" in str(refusal(path))


def test_a_cell_longer_than_the_text_limit_is_located_with_its_cell(tmp_path):
    path = book(tmp_path, rows_xml([[*GOOD[0], "rationale"], ["3A", "du", "R", "x" * 1001]]))
    err = refusal(path, limits=Limits(max_text=1000))
    assert (err.line, err.column) == (2, 4) and "cell D2: expected text of at most 1,000 characters, found 1,001 characters" in str(err), str(err)
    csv = tmp_path / "t.csv"
    csv.write_text("component,reviewer,level,rationale\n3A,du,R," + "x" * 1001 + "\n")
    err = refusal(csv, limits=Limits(max_text=1000))
    assert (err.line, err.column) == (2, 4) and "expected text of at most 1,000 characters" in str(err)


def test_a_csv_cell_may_be_as_long_as_a_document_text(tmp_path):
    """The csv module's own field limit (131,072) is not the table's: max_text is."""
    csv = tmp_path / "t.csv"
    csv.write_text("component,reviewer,level,rationale\n3A,du,R," + "x" * 200_000 + "\n")
    assert len(read(csv).rows[0][1]["rationale"]) == 200_000


def test_a_bad_byte_names_its_row_and_column(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_bytes(b"component,reviewer,level\n" + b"3A,du,R\n" * 498 + b"3A,d\xffu,R\n")
    err = refusal(csv)
    assert (err.line, err.column) == (500, 2) and "byte 0xff" in str(err), str(err)


def test_a_nul_names_its_row_and_column(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_bytes(b"component,reviewer,level\n" + b"3A,du,R\n" * 300 + b"3A,du,R\x00\n")
    err = refusal(csv)
    assert (err.line, err.column) == (302, 3) and "a NUL byte" in str(err), str(err)


def test_csv_lines_ending_in_carriage_returns_alone_still_read(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_bytes(b"component,reviewer,level\r3A,du,R\r\n3B,\"i\nd\",G\n")
    assert read(csv).rows == [(2, {"component": "3A", "reviewer": "du", "level": "R"}),
                              (3, {"component": "3B", "reviewer": "i\nd", "level": "G"})]


def test_a_record_is_named_by_the_line_it_starts_on(tmp_path):
    """A quote never closed swallows the rest of the file into one cell: the record is named by
    the line the quote opened on, where the user must look, not the file's last line."""
    csv = tmp_path / "t.csv"
    csv.write_bytes(b'component,reviewer,level\n3A,du,R\n3B,"du,G\n3C,du,AG\n3D,du,AR\n')
    rows = read(csv).rows
    assert [line for line, _ in rows] == [2, 3], rows


def test_a_part_with_a_document_type_declaration_is_refused(tmp_path):
    """No workbook part has a DTD; refusing one refuses every entity (billion laughs, external)."""
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = write_workbook(tmp_path / "t.xlsx", laughs + sheet_xml(rows_xml(GOOD)).replace("3A", "&b;"))
    assert "a DOCTYPE in 'xl/worksheets/sheet1.xml'" in str(refusal(path))


def test_an_empty_boolean_cell_reads_false_as_before(tmp_path):
    rows = rows_xml(GOOD[:1]) + f'<row r="2">{inline("A2", "3A")}{inline("B2", "du")}<c r="C2" t="b"/></row>'
    assert read(book(tmp_path, rows)).rows[0][1]["level"] == "FALSE"


def test_a_zip_of_more_members_than_a_workbook_has_is_refused_before_they_are_listed(tmp_path):
    path = book(tmp_path, rows_xml(GOOD), parts={f"xl/media/{i}.bin": b"" for i in range(10_001)})
    assert "expected a workbook of at most 10,000 parts, found a zip archive of 10,004 members" in str(refusal(path))
    assert len(read(book(tmp_path, rows_xml(GOOD), parts={f"xl/media/{i}.bin": b"" for i in range(100)})).rows) == 2
