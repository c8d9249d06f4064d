"""The fast read of a batch line (orjson, then the model) and the exact one (the standard library's
decoder with its guards, then the model) give the same priority, or the same error: for valid
lines, for hostile and mutated ones, and under tight limits."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.core.errors import DocumentError
from stocktake.core.json_lines import plain_line
from stocktake.core.json_reader import parse_json
from stocktake.core.parsing import DEFAULT_LIMITS, Limits
from stocktake.likelihood.batches import parse_line, read_line
from stocktake.likelihood.model import Priority
from stocktake.testing import make_engine

ROOT = Path(__file__).resolve().parents[2]
PATH = Path("batch.jsonl")
LINE_LIMITS = DEFAULT_LIMITS.per_line()


@pytest.fixture(scope="module")
def context():
    engine = make_engine()
    return {**engine._context(), "rubric": engine.rubric("likelihood-of-delivery").rubric, "evidence_ids": set()}


def _valid_lines() -> list[bytes]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import priority

    lines = [json.dumps(priority(seed, points=seed % 6 + 1)).encode() for seed in range(40)]
    first = priority(1)
    first["title"] = "Priorité: 50% — \u2028 \x7f 😀"  # colons in text, non-ASCII, escapes
    first["ratings"]["stage"] = 3                      # the short form
    first["actuals"].reverse()                          # out of order: sorted by the model
    lines.append(json.dumps(first, ensure_ascii=False).encode())
    lines.append(json.dumps(first).encode())
    return lines


def _outcome(read, line: bytes, context, limits: Limits = LINE_LIMITS):
    try:
        return "ok", read(PATH, 7, line, Priority, context, limits).model_dump_json()
    except DocumentError as err:
        return "error", str(err), err.line, err.column, tuple(err.path or ())


def _same(line: bytes, context, limits: Limits = LINE_LIMITS):
    fast = _outcome(read_line, line, context, limits)
    assert fast == _outcome(parse_line, line, context, limits), line[:200]
    return fast


def test_valid_lines_give_the_same_priorities(context):
    outcomes = [_same(line, context) for line in _valid_lines()]
    assert {o[0] for o in outcomes} == {"ok"}


HOSTILE = [
    b'{"id": "p1", "id": "p2", "title": "T"}',
    b'{"id": "p1", "title": "T", "metric": {"name": "M", "name": "N", "unit": "%", "direction": "increase"}}',
    b'{"id": "p1", "title": "T", "commentary": 123456789012345678901234567890123}',
    b'{"id": "p1", "title": "T", "baseline": {"date": "2024-01-01", "value": 123456789012345678901234567}}',
    b'{"id": "p1", "title": "T", "baseline": {"date": "2024-01-01", "value": NaN}}',
    b'{"id": "p1", "title": "T", "baseline": {"date": "2024-01-01", "value": 1e400}}',
    b'{"id": "p1", "title": "\\ud800"}',
    b'{"id": "p1", "title": "\xff"}',
    b'{"id": "p1\\n", "title": "T"}',
    b'{"id": "p1", "title": "T",}',
    b'[1, 2]',
    b'null',
    b'"text"',
    b'{"id": "p1", "title": "T", "extra": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
]


@pytest.mark.parametrize("line", HOSTILE)
def test_hostile_lines_give_the_same_error(context, line):
    assert _same(line, context)[0] == "error"


def test_hostile_corpus_files_decode_the_same_or_are_left_to_the_exact_reader():
    limits = DEFAULT_LIMITS.per_line()
    for path in sorted((ROOT / "tests" / "hostile").glob("*.json")):
        raw = path.read_bytes()
        data = plain_line(raw, limits)
        if data is None:
            continue
        exact = parse_json(raw.decode(), limits).data
        assert json.dumps(data) == json.dumps(exact) and _types(data) == _types(exact), path.name


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def test_tight_limits_are_kept(context):
    """Under limits a valid line only just exceeds, the fast read leaves it to the exact one."""
    line = _valid_lines()[-2]
    for limits in (Limits(max_text=20), Limits(max_digits=0), Limits(max_depth=1), Limits(max_json_values=50)):
        assert _same(line, context, limits.per_line())[0] == "error", limits
    assert _same(line, context, Limits(max_text=100, max_digits=1, max_depth=3).per_line())[0] == "ok"  # just within


@pytest.mark.parametrize("seed", range(120))
def test_mutated_lines_give_the_same_outcome(context, seed):
    rng = random.Random(seed)
    line = bytearray(rng.choice(_valid_lines()))
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(line))
        action = rng.random()
        if action < 0.3:
            line[at] = rng.choice(b'{}[]":,0123456789.eE-+ \\ntruefalsnul\xc3\xa9\xff')
        elif action < 0.5:
            del line[at:at + rng.randint(1, 8)]
        elif action < 0.7:
            key = rng.choice([b'"id": "q",', b'"date": "2024-02-01",', b'"value": 1,', b'"level": "R",'])
            brace = line.find(b"{", at)
            line[brace + 1:brace + 1] = key if brace >= 0 else b""
        else:
            line[at:at] = rng.choice([b"1e999", b"12345678901234567890123", b"-0", b"\\u0000", b":", b'"x": null,'])
    _same(bytes(line), context)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_the_same_outcome(data):
    engine = make_engine()
    ctx = {**engine._context(), "rubric": engine.rubric("likelihood-of-delivery").rubric, "evidence_ids": set()}
    _same(data, ctx)


# -- the counts that stand in for the walk (json_lines._plain_by_counts) -----------------------------


def _escaped_colon_twice() -> bytes:
    """A valid priority with a key given twice, and a colon escaped as ``\\u003a`` in its title: the
    escape decodes to a colon the line's count misses, making up for the key it dropped."""
    line = json.dumps(json.loads(_valid_lines()[0]) | {"title": "Reading: all"}).replace("Reading:", "Reading\\u003a")
    return line.replace('"owner":', '"owner": "someone else", "owner":', 1).encode()


def test_a_colon_written_as_an_escape_is_not_counted_on(context):
    line = _escaped_colon_twice()
    assert line.count(b"\\u003a") == 1 and line.count(b'"owner"') == 2
    assert _same(line, context)[0] == "error"
    assert _same(line.replace(b"\\u003a", b"\\u003A"), context)[0] == "error"


NUMBERS = [b'{"a": 1e19}', b'{"a": 1E19}', b'[18446744073709551616]', b'[-9223372036854775809]',
           b'{"a": 12345678901234567890.0}', b'[-1.5e300]']


@pytest.mark.parametrize("line", NUMBERS)
def test_numbers_the_walk_refuses_are_left_to_the_exact_reader(line):
    import orjson

    from stocktake.core.json_lines import _walked

    assert not _walked(orjson.loads(line), line.decode(), LINE_LIMITS)
    assert plain_line(line, LINE_LIMITS) is None


def _corpus() -> list[bytes]:
    rng = random.Random(5)
    lines = [*_valid_lines(), *HOSTILE, *NUMBERS, _escaped_colon_twice()]
    lines += [path.read_bytes() for path in sorted((ROOT / "tests" / "hostile").glob("*.json"))]
    for _ in range(300):
        line = bytearray(rng.choice(_valid_lines()))
        at = rng.randrange(len(line))
        line[at:at] = rng.choice([b"9" * 19, b"1e5", b'"k": 1,', b"[[", b"\\u003a", b":", b'"id": "x",'])
        lines.append(bytes(line))
    return lines


@pytest.mark.parametrize("limits", [LINE_LIMITS, Limits(max_text=300, max_digits=3, max_depth=4).per_line()])
def test_what_the_fast_decode_takes_is_what_the_exact_reader_reads(limits):
    taken = 0
    for line in _corpus():
        data = plain_line(line, limits)
        if data is None:
            continue
        taken += 1
        exact = parse_json(line.decode(), limits).data
        assert json.dumps(data) == json.dumps(exact) and _types(data) == _types(exact), line[:200]
    assert taken > 40  # most valid lines are decoded the fast way


def test_valid_lines_are_taken_by_the_counts_alone():
    import orjson

    from stocktake.core.json_lines import _plain_by_counts

    for line in _valid_lines()[:40]:
        assert _plain_by_counts(line, line.count(b"[") + line.count(b"{"), orjson.loads(line), LINE_LIMITS)
