"""Hostile tables (tests/hostile/tables and attacks built here): every CSV and XLSX table a review
or a chain pulls in is read within 1 GiB and a time bound, and each bad one is refused with exit 2
and one line naming the file (the table, or the document and its field for a bad reference) and
the place."""

from __future__ import annotations

import json
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded
from review_helpers import review
from workbooks import SHEET, inline, patch_member, rows_xml, sheet_xml, write_workbook

CORPUS = Path(__file__).parent / "tables"
RESAVE = "save the workbook again from your spreadsheet program"
EXPECTED: dict[str, tuple[str, list[str]]] = {
    # document: (the file the error names, what the line must say)
    "review-row-abc.json": ("row-abc.xlsx", ["expected a row number from 1 to 1,048,576", "'abc'"]),
    "review-row-superscript.json": ("row-superscript.xlsx", ["expected a row number from 1 to 1,048,576"]),
    "review-row-past-the-last.json": ("row-past-the-last.xlsx", ["'1048577'"]),
    "review-cell-zzzzzzzz.json": ("cell-zzzzzzzz.xlsx, sheet S, row 2:",
                                  ["expected a cell reference from A1 to XFD1048576", "'ZZZZZZZZ2'"]),
    "review-bzip2.json": ("bzip2.xlsx", ["compressed with bzip2", RESAVE]),
    "review-lzma.json": ("lzma.xlsx", ["compressed with LZMA", RESAVE]),
    "review-deflate64.json": ("deflate64.xlsx", ["compressed with Deflate64", RESAVE]),
    "review-encrypted.json": ("encrypted.xlsx", ["an encrypted part", RESAVE]),
    "review-bad-crc.json": ("bad-crc.xlsx", ["expected an intact workbook", "Bad CRC-32"]),
    "review-shared-index.json": ("shared-index.xlsx, sheet S, cell B2:", ["expected a shared string index below 1"]),
    "review-missing-sheet.json": ("missing-sheet.xlsx", ["a missing part 'xl/worksheets/sheet1.xml'"]),
    "review-bad-byte.json": ("bad-byte.csv, cell C500:", ["expected UTF-8 text", "byte 0xe9"]),
    "review-nul.json": ("nul.csv, cell B302:", ["a NUL byte"]),
    "review-empty-reference.json": ("review-empty-reference.json:", ["$.ratings_file", "an empty value"]),
    "review-nul-reference.json": ("review-nul-reference.json:", ["$.ratings_file", "without control characters"]),
    "review-newline-reference.json": ("review-newline-reference.json:", ["$.ratings_file", "control characters"]),
    "chain-level-digits.yaml": ("actors-level-digits.csv:3:3:", ["$.level", "an integer of at most 30 digits",
                                                                  "4,400 digits"]),
    "chain-count-digits.yaml": ("actors-count-digits.csv:3:5:", ["$.count", "100 digits"]),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tables") / "tables"
    shutil.copytree(CORPUS, root)
    return root


def test_every_corpus_document_has_an_expectation():
    documents = {p.name for p in CORPUS.iterdir() if p.name.startswith(("review-", "chain-"))}
    assert documents == set(EXPECTED)


def test_each_hostile_table_is_refused_with_one_located_line(corpus):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(EXPECTED, pool.map(lambda name: stocktake_bounded("validate", name, cwd=corpus),
                                                EXPECTED)))
    for name, (where, needles) in EXPECTED.items():
        result = results[name]
        assert refused(result, f"error: {where}", *needles), (name, result.returncode, result.stderr)


def ratings_review(directory: Path, table: str) -> Path:
    path = directory / "review.json"
    path.write_text(json.dumps(review([], ratings_file=table)))
    return path


HEADER = [["component", "reviewer", "level", "rationale"]]


def test_a_cell_at_column_xfd_in_10000_rows_is_read_in_bounded_memory(tmp_path):
    empty = (rows_xml(HEADER) + "".join(f'<row r="{n}"><c r="XFD{n}"/></row>' for n in range(2, 10_002))
             + f'<row r="10002">{inline("A10002", "3A")}{inline("B10002", "du")}{inline("C10002", "R")}</row>')
    write_workbook(tmp_path / "ratings.xlsx", sheet_xml(empty))
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=30)
    assert result.returncode == 0, result.stderr
    valued = rows_xml(HEADER) + "".join(f'<row r="{n}">{inline(f"XFD{n}", "x")}</row>' for n in range(2, 10_002))
    write_workbook(tmp_path / "ratings.xlsx", sheet_xml(valued))
    assert (tmp_path / "ratings.xlsx").stat().st_size < 100_000
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=30)
    assert refused(result, "ratings.xlsx, sheet S, cell E2:", "a value beyond the last column ('x')"), result.stderr


def test_a_part_whose_headers_under_declare_its_size_is_not_inflated_past_it(tmp_path):
    path = write_workbook(tmp_path / "ratings.xlsx", sheet_xml(rows_xml(HEADER) + "<row/>" * 10_000_000))
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=30)
    assert refused(result, "ratings.xlsx: $: expected workbook parts of at most 52,428,800 bytes"), result.stderr
    patch_member(path, SHEET, size=1000)
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=30)
    assert refused(result, "ratings.xlsx: $: expected an intact workbook"), result.stderr


def test_a_sheet_of_millions_of_tiny_elements_is_streamed(tmp_path):
    write_workbook(tmp_path / "ratings.xlsx", sheet_xml(rows_xml(HEADER) + "<row><c/></row>" * 2_000_000))
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=40)
    assert refused(result, "ratings.xlsx, sheet S, row 500001:", "expected a table of at most 500,000 rows"), result.stderr


def test_a_48_kilobyte_sheet_of_12_million_empty_cells_is_refused_at_the_cell_limit(tmp_path):
    write_workbook(tmp_path / "ratings.xlsx", sheet_xml(rows_xml(HEADER) + "<row>" + "<c/>" * 12_000_000 + "</row>"))
    assert (tmp_path / "ratings.xlsx").stat().st_size < 60_000
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=50)
    assert refused(result, "ratings.xlsx, sheet S, row 2:", "expected a worksheet of at most 2,500,000 cells"), result.stderr


def test_a_20_million_character_rationale_in_a_workbook_is_refused_at_its_cell(tmp_path):
    rows = rows_xml([*HEADER, ["3A", "du", "R", "x" * 20_000_000]])
    write_workbook(tmp_path / "ratings.xlsx", sheet_xml(rows))
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=30)
    assert refused(result, "ratings.xlsx, sheet S, cell D2:", "expected text of at most 1,000,000 characters",
                   "found 20,000,000 characters"), result.stderr


def test_ten_megabytes_of_blank_csv_lines_end_quickly(tmp_path):
    (tmp_path / "ratings.csv").write_bytes(b"component,reviewer,level\n" + b"\n" * 10_000_000)
    ratings_review(tmp_path, "ratings.csv")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=20)
    assert refused(result, "ratings.csv, row 500001:", "expected a table of at most 500,000 rows"), result.stderr


def test_a_three_million_row_csv_is_refused_at_the_row_limit(tmp_path):
    (tmp_path / "ratings.csv").write_bytes(b"component,reviewer,level\n" + b"3A,du,R\n" * 3_000_000)
    ratings_review(tmp_path, "ratings.csv")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=20)
    assert refused(result, "ratings.csv, row 500001:", "expected a table of at most 500,000 rows"), result.stderr


def test_a_21_megabyte_actors_register_loads_in_bounded_memory(tmp_path):
    lines = [b"id,name,level,role,count,capacity\n", b"c,Centre,0,centre,,\n"]
    lines += [b"s%d,School number %d,1,front-line,500,G\n" % (i, i) for i in range(443_000)]
    (tmp_path / "actors.csv").write_bytes(b"".join(lines))
    assert (tmp_path / "actors.csv").stat().st_size > 21_000_000
    (tmp_path / "links.csv").write_text("from,to,levers,strength\nc,s0,support,G\n")
    (tmp_path / "chain.yaml").write_text("kind: DeliveryChain\nschema_version: 1\nid: big\npriority: p\n"
                                         "title: A big register\nactors_file: actors.csv\nlinks_file: links.csv\n")
    result = stocktake_bounded("chain", "chain.yaml", "-o", "out.json", cwd=tmp_path, seconds=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.json").stat().st_size > 0


@pytest.mark.parametrize("attack", ["loop", "too long"])
def test_a_reference_that_cannot_be_opened_names_the_document_and_field(tmp_path, attack):
    if attack == "loop":
        (tmp_path / "a.csv").symlink_to("b.csv")
        (tmp_path / "b.csv").symlink_to("a.csv")
        ref, reason = "a.csv", "a loop of symbolic links"
    else:
        ref, reason = "r" * 300 + ".csv", "a name too long for the filesystem"
    ratings_review(tmp_path, ref)
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=20)
    assert refused(result, "error: review.json:", "$.ratings_file", reason), result.stderr


def test_a_register_reference_is_checked_like_a_ratings_reference(tmp_path):
    (tmp_path / "chain.yaml").write_text("kind: DeliveryChain\nschema_version: 1\nid: c\npriority: p\n"
                                         "title: T\nactors_file: ''\n")
    result = stocktake_bounded("validate", "chain.yaml", cwd=tmp_path, seconds=20)
    assert refused(result, "error: chain.yaml:6:", "$.actors_file", "an empty value"), result.stderr


def test_bzip2_workbooks_written_by_zipfile_are_refused_not_inflated(tmp_path):
    """A bzip2 part that would inflate to gigabytes is refused before a byte is inflated."""
    path = tmp_path / "ratings.xlsx"
    write_workbook(path, sheet_xml(rows_xml(HEADER) + "<row/>" * 500_000), method=zipfile.ZIP_BZIP2)
    ratings_review(tmp_path, "ratings.xlsx")
    result = stocktake_bounded("validate", "review.json", cwd=tmp_path, seconds=20)
    assert refused(result, "ratings.xlsx:", "compressed with bzip2"), result.stderr
