"""Attacks that make a small input build a large one (a long text repeated by YAML aliases or by a
workbook's shared strings), a generous limit that must not be allocated up front, and inputs that
must be read once only (a FIFO)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded
from workbooks import MAIN, inline, sheet_xml, write_workbook

from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits
from stocktake.likelihood.batches import _chunks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "northshire"
LONG = "x" * 900_000  # under the text limit; 60 repeats are past the 50 MiB of text in all


def test_a_long_text_repeated_by_aliases_is_refused_before_it_is_rendered(tmp_path):
    lines = ["kind: DeliveryChain", "schema_version: 1", "id: c", "priority: p", f"title: &big {LONG}", "actors:",
             "  - {id: a0, name: *big, level: 0, role: centre}"]
    lines += [f"  - {{id: a{i}, name: *big, level: 1, role: front-line}}" for i in range(1, 80)]
    lines += ["links:"] + [f"  - {{from: a0, to: a{i}, levers: [support], strength: G}}" for i in range(1, 80)]
    (tmp_path / "chain.yaml").write_text("\n".join(lines) + "\n")
    result = stocktake_bounded("chain", "chain.yaml", "--format", "dot", cwd=tmp_path)
    assert refused(result, "chain.yaml:", "characters of text in all", "aliases"), result.stderr


def test_a_long_shared_string_in_many_cells_is_refused_at_the_cell_past_the_text_budget(tmp_path):
    header = "".join(inline(f"{c}1", name) for c, name in zip("ABCD", ("component", "reviewer", "level", "rationale")))
    rows = "".join(f'<row r="{n}">{inline(f"A{n}", "1A")}{inline(f"B{n}", "du")}{inline(f"C{n}", "G")}'
                   f'<c r="D{n}" t="s"><v>0</v></c></row>' for n in range(2, 82))
    shared = f'<sst xmlns="{MAIN}"><si><t>{LONG}</t></si></sst>'
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x/worksheet"/></Relationships>')
    book = write_workbook(tmp_path / "ratings.xlsx", sheet_xml(f'<row r="1">{header}</row>{rows}'), shared=shared,
                          parts={"xl/_rels/workbook.xml.rels": rels})
    assert book.stat().st_size < 100_000
    review = (EXAMPLE / "capacity-review-2026.yaml").read_text().replace("ratings-2026.csv", "ratings.xlsx")
    (tmp_path / "review.yaml").write_text(review)
    result = stocktake_bounded("review", "review.yaml", "--format", "md", cwd=tmp_path)
    assert refused(result, "ratings.xlsx, sheet S, cell D", "characters of text, found more"), result.stderr


def test_a_generous_size_limit_is_not_allocated_up_front(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "ns")
    result = stocktake_bounded("--max-file-mb", "100000", "validate", "capacity-review-2026.yaml",
                               cwd=tmp_path / "ns")
    assert result.returncode == 0, result.stderr


def test_a_ratings_table_that_is_a_fifo_is_read_once_not_waited_for_again(tmp_path):
    import os

    shutil.copytree(EXAMPLE, tmp_path / "ns")
    table = tmp_path / "ns" / "ratings-2026.csv"
    data = table.read_bytes()
    table.unlink()
    os.mkfifo(table)

    def feed() -> None:
        with open(table, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = stocktake_bounded("review", "capacity-review-2026.yaml", cwd=tmp_path / "ns", seconds=30)
    assert result.returncode == 0, result.stderr
    writer.join(5)


@pytest.mark.parametrize("start, end", [(b"\xef\xbb\xbf", b"\n"), (b"", b"\r\n")])
def test_a_jsonl_line_limit_counts_neither_a_byte_order_mark_nor_a_line_ending(tmp_path, start, end):
    batch = tmp_path / "b.jsonl"
    exact = b'{"a": "' + b"x" * 13 + b'"}'  # 22 bytes: at the limit
    batch.write_bytes(start + exact + end + exact + end + b'{"a": "' + b"x" * 14 + b'"}' + end)
    chunks = _chunks(batch, 100, Limits(max_line_bytes=22))
    with pytest.raises(DocumentError) as caught:
        list(chunks)
    assert (caught.value.line, caught.value.expected) == (3, "a line of at most 22 bytes")


def test_a_reference_with_a_c1_control_character_is_refused_at_its_field(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "ns")
    review = tmp_path / "ns" / "capacity-review-2026.yaml"
    review.write_text(review.read_text().replace("ratings_file: ratings-2026.csv",
                                                 'ratings_file: "ratings\\u009b-2026.csv"'))
    result = stocktake_bounded("review", "capacity-review-2026.yaml", cwd=tmp_path / "ns")
    assert refused(result, "$.ratings_file"), result.stderr
    assert "\x9b" not in result.stderr


def test_a_json_lines_batch_from_a_pipe_is_judged_in_memory_and_hashed_as_a_file(tmp_path):
    import hashlib
    import os
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import write_priorities_jsonl

    data = write_priorities_jsonl(tmp_path / "b.jsonl", 30).read_bytes()
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(data)

    threading.Thread(target=feed, daemon=True).start()
    result = stocktake_bounded("judge", "fifo.jsonl", "--period", "P", "--as-of", "2026-01-01", cwd=tmp_path,
                               seconds=30)
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(data).hexdigest() in result.stdout
    from_file = subprocess.run([sys.executable, "-m", "stocktake", "judge", "b.jsonl", "--period", "P",
                                "--as-of", "2026-01-01"], cwd=tmp_path, capture_output=True, text=True)
    assert hashlib.sha256(data).hexdigest() in from_file.stdout
