"""Attacks on the document readers, most run in a fresh process under 1 GiB and a time bound:
devices and FIFOs as documents, YAML and JSON with too many values or too deep, a large JSON chain
with one bad value, and JSON Lines with a line too long, a byte-order mark or a value over the
limits."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from bounded import refused, stocktake_bounded

from stocktake.core.errors import DocumentError
from stocktake.core.parsing import DEFAULT_LIMITS, parse_text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for its benchmarks' generators
from benchmarks.generate import chain, priority

BATCH = ("--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl")


# -- devices and FIFOs ------------------------------------------------------------------------------


def test_a_document_that_links_to_dev_zero_is_refused_as_too_large_after_reading_at_most_the_limit(tmp_path):
    (tmp_path / "chain.yaml").symlink_to("/dev/zero")
    result = stocktake_bounded("--max-file-mb", "1", "validate", "chain.yaml", cwd=tmp_path, seconds=20)
    assert refused(result, "chain.yaml", "at most 1,048,576 bytes", "more than 1,048,576 bytes"), result.stderr
    assert "a directory" not in result.stderr


def test_a_jsonl_batch_that_is_dev_zero_is_refused_on_line_1_not_called_a_directory(tmp_path):
    (tmp_path / "batch.jsonl").symlink_to("/dev/zero")
    result = stocktake_bounded("judge", "batch.jsonl", *BATCH, cwd=tmp_path, seconds=20)
    assert refused(result, "batch.jsonl:1", "a line of at most"), result.stderr
    assert "a directory" not in result.stderr


def _feed_fifo(path: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as handle:  # blocks until the reader opens it
            handle.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", ["batch.jsonl", "chain.json"])
def test_a_fifo_is_read_like_a_file_not_called_a_directory(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    thread = _feed_fifo(fifo, b'{"id": [}\n')
    result = stocktake_bounded(*(("judge", name, *BATCH) if name.endswith("jsonl") else ("validate", name)),
                               cwd=tmp_path, seconds=20)
    thread.join(5)
    assert refused(result, f"{name}:1", "expected valid JSON"), result.stderr


# -- too many values, too deep --------------------------------------------------------------------


def test_two_million_yaml_scalars_are_refused_while_reading_events_before_a_tree_is_built(monkeypatch):
    # Work counted, not timed: the events read stop just past the value limit (the stream, the
    # document and the mapping's keys are events but not values), and no node tree is composed.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    events = 0

    class Counted(loader):  # type: ignore[misc, valid-type]
        def get_event(self):
            nonlocal events
            events += 1
            return super().get_event()

        def get_single_node(self):
            raise AssertionError("a node tree was composed")

    monkeypatch.setattr(yaml, "CSafeLoader", Counted, raising=False)
    monkeypatch.setattr(yaml, "SafeLoader", Counted)
    with pytest.raises(DocumentError) as info:
        parse_text("kind: DeliveryChain\nactors: [" + "1," * 2_100_000 + "1]\n", fmt="yaml")
    assert (info.value.expected, info.value.line) == ("at most 2,000,000 values", 2)
    assert events <= DEFAULT_LIMITS.max_nodes + 6


def test_48_mb_of_empty_json_lists_is_refused_by_the_value_limit(tmp_path):
    (tmp_path / "chain.json").write_text('{"kind": "DeliveryChain", "actors": [' + "[]," * 16_000_000 + "[]]}")
    result = stocktake_bounded("validate", "chain.json", cwd=tmp_path, seconds=20)
    assert refused(result, "chain.json", "expected at most 5,242,880 values", "found 16,000,004 values"), result.stderr


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deep_json_gets_a_json_nesting_message_at_the_level_past_the_limit(tmp_path, depth):
    (tmp_path / "chain.json").write_text('{"kind": "DeliveryChain", "actors": ' + "[" * depth + "]" * depth + "}")
    result = stocktake_bounded("validate", "chain.json", cwd=tmp_path, seconds=15)
    # The mapping is depth 0; the 65th list is the first past the limit.
    assert refused(result, "chain.json:1:101:", "expected nesting at most 64 levels deep"), result.stderr
    assert "YAML" not in result.stderr


def test_unbalanced_deep_json_is_refused_as_too_deep(tmp_path):
    (tmp_path / "chain.json").write_text('{"kind": "DeliveryChain", "actors": ' + "[" * 100_000)
    result = stocktake_bounded("validate", "chain.json", cwd=tmp_path, seconds=15)
    assert refused(result, "chain.json:1:101:", "expected nesting at most 64 levels deep"), result.stderr


# -- a large JSON chain with one bad value --------------------------------------------------------


@pytest.fixture(scope="module")
def large_chain() -> dict:
    return chain(100_000)


def _with_bad_strength(data: dict) -> str:
    data = {**data, "links": [*data["links"][:-1], {**data["links"][-1], "strength": "Q"}]}
    return json.dumps(data)


def test_a_100k_actor_json_chain_with_one_bad_value_is_located_by_a_json_walk(tmp_path, large_chain):
    text = _with_bad_strength(large_chain)
    (tmp_path / "chain.json").write_text(text)
    last = len(large_chain["links"]) - 1
    column = text.rindex('"Q"') + 1
    result = stocktake_bounded("validate", "chain.json", cwd=tmp_path, seconds=30)
    assert refused(result, f"chain.json:1:{column}: $.links[{last}].strength: expected a level"), result.stderr


def test_a_100k_actor_json_chain_with_a_duplicate_key_is_located_in_bounded_time(tmp_path, large_chain):
    text = json.dumps(large_chain)
    at = text.rindex('"levers"')
    (tmp_path / "chain.json").write_text(text[:at] + '"levers": [], ' + text[at:])
    last = len(large_chain["links"]) - 1
    result = stocktake_bounded("validate", "chain.json", cwd=tmp_path, seconds=30)
    assert refused(result, f"chain.json:1:{at + 15}: $.links[{last}].levers: expected each key once per mapping",
                   "'levers' again"), result.stderr


# -- JSON Lines -------------------------------------------------------------------------------------


def test_one_24_mb_jsonl_line_is_refused_with_its_number_before_it_is_held(tmp_path):
    line = json.dumps({**priority(1), "title": "x" * 24_000_000})
    (tmp_path / "batch.jsonl").write_text(json.dumps(priority(0)) + "\n" + line + "\n")
    result = stocktake_bounded("judge", "batch.jsonl", *BATCH, cwd=tmp_path, seconds=20, memory=256 * 1024 ** 2)
    assert refused(result, "batch.jsonl:2:", "expected a line of at most 10,485,760 bytes"), result.stderr


def test_max_file_mb_bounds_each_jsonl_line(tmp_path):
    line = json.dumps({**priority(1), "title": "x" * 2_000_000})
    (tmp_path / "batch.jsonl").write_text(json.dumps(priority(0)) + "\n" + line + "\n")
    result = stocktake_bounded("--max-file-mb", "1", "judge", "batch.jsonl", *BATCH, cwd=tmp_path, seconds=20)
    assert refused(result, "batch.jsonl:2:", "expected a line of at most 1,048,576 bytes"), result.stderr


def test_a_jsonl_line_of_empty_lists_is_refused_by_the_value_limit_with_its_number(tmp_path):
    line = '{"id": [' + "[]," * 3_000_000 + "[]]}"
    (tmp_path / "batch.jsonl").write_text(json.dumps(priority(0)) + "\n" + line + "\n")
    result = stocktake_bounded("judge", "batch.jsonl", *BATCH, cwd=tmp_path, seconds=20)
    assert refused(result, "batch.jsonl:2:", "expected at most 2,000,000 values"), result.stderr


@pytest.mark.parametrize("depth", [100, 5_000])
def test_a_deep_jsonl_line_is_refused_with_its_number(tmp_path, depth):
    line = '{"id": ' + "[" * depth + "]" * depth + "}"
    (tmp_path / "batch.jsonl").write_text(json.dumps(priority(0)) + "\n" + line + "\n")
    result = stocktake_bounded("judge", "batch.jsonl", *BATCH, cwd=tmp_path, seconds=20)
    assert refused(result, "batch.jsonl:2:72:", "expected nesting at most 64 levels deep"), result.stderr


def test_a_jsonl_batch_may_start_with_a_byte_order_mark(tmp_path):
    plain = tmp_path / "plain.jsonl"
    plain.write_text("".join(json.dumps(priority(n)) + "\n" for n in range(3)))
    marked = tmp_path / "marked.jsonl"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    results = [stocktake_bounded("judge", name, *BATCH, cwd=tmp_path, seconds=30) for name in ("plain.jsonl",
                                                                                               "marked.jsonl")]
    assert [r.returncode for r in results] == [0, 0], results[1].stderr
    assert results[0].stdout == results[1].stdout


# -- a large assessment -----------------------------------------------------------------------------


def test_a_44_mb_assessment_is_refused_before_it_is_built_pointing_to_json_lines(tmp_path):
    one = json.dumps(priority(0))
    body = ", ".join(one.replace('"p000000"', f'"p{n:06d}"', 1) for n in range(44_000_000 // len(one)))
    (tmp_path / "assessment.json").write_text('{"kind": "DeliveryAssessment", "schema_version": 1, "period": "P", '
                                              '"date": "2026-01-01", "title": "t", "priorities": [' + body + "]}")
    result = stocktake_bounded("judge", "assessment.json", cwd=tmp_path, seconds=40)
    assert refused(result, "assessment.json:1:10: $.kind: expected a DeliveryAssessment of at most 16,777,216 bytes",
                   "as a JSON Lines batch"), result.stderr
