"""The fast read of a batch line (orjson, then the model) and the exact one (the standard library's
decoder with its guards, then the model) give the same priority, or the same error: for valid
lines, for hostile and mutated ones, and under tight limits."""

from __future__ import annotations

import copy
import datetime as dt
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


# -- the msgspec structs (stocktake.likelihood.structs): one contract with the models -----------------


def _struct_outcome(line: bytes, context, limits: Limits = LINE_LIMITS, *, guarded: bool = True):
    """("ok", the priority as JSON data and its types) from the structs, or ("left",) when they leave
    the line to the exact reader (("error",) unguarded: the structs alone refuse it)."""
    from msgspec import to_builtins

    from stocktake.likelihood.structs import fast_priority, struct_priority

    priority = fast_priority(line, context, limits) if guarded else struct_priority(line, context)
    if priority is None:
        return ("left",) if guarded else ("error",)
    data = to_builtins(priority)
    return "ok", json.dumps(data), _types(data)


def _model_outcome(line: bytes, context, limits: Limits = LINE_LIMITS):
    try:
        data = parse_line(PATH, 7, line, Priority, context, limits).model_dump(mode="json")
    except DocumentError:
        return ("error",)
    return "ok", json.dumps(data), _types(data)


def _taken_only_as_the_model_reads(line: bytes, context, limits: Limits = LINE_LIMITS) -> bool:
    """What the structs take, the model reads to the same priority; True when they take it."""
    fast = _struct_outcome(line, context, limits)
    if fast[0] == "ok":
        assert fast == _model_outcome(line, context, limits), line[:300]
    return fast[0] == "ok"


def test_the_structs_take_valid_lines_as_the_model_does(context):
    """Every valid line the orjson read takes (its guards are theirs too: one ASCII-escaped line
    looks like a number with an exponent to them)."""
    for line in _valid_lines():
        assert _taken_only_as_the_model_reads(line, context) == (plain_line(line, LINE_LIMITS) is not None)
    assert sum(plain_line(line, LINE_LIMITS) is not None for line in _valid_lines()) >= 41


def test_the_judge_reads_a_struct_as_it_reads_the_model(context):
    from stocktake.likelihood.batches import result_json
    from stocktake.likelihood.judge import priority_data, stream_run
    from stocktake.likelihood.model import DEFAULT_RUBRIC
    from stocktake.likelihood.structs import fast_priority

    run, context = stream_run(make_engine, "likelihood-default", DEFAULT_RUBRIC, {}, "severity-default")
    lines = [*_valid_lines(), *(json.dumps(_ratings_doc(random.Random(i))).encode() for i in range(20))]
    taken = 0
    for line in lines:
        fast, exact = fast_priority(line, context, LINE_LIMITS), parse_line(PATH, 1, line, Priority, context)
        if fast is None:
            continue
        taken += 1
        for as_of in (dt.date(2024, 6, 1), dt.date(2026, 1, 1)):
            assert result_json(priority_data(fast, as_of, run, [])) == result_json(priority_data(exact, as_of, run, []))
    assert taken >= len(lines) - 1


@pytest.mark.parametrize("line", HOSTILE + NUMBERS)
def test_the_structs_leave_hostile_lines_to_the_exact_reader(context, line):
    assert not _taken_only_as_the_model_reads(line, context)


def test_the_structs_take_nothing_the_model_reads_otherwise(context):
    taken = sum(_taken_only_as_the_model_reads(line, context) for line in _corpus())
    taken += sum(_taken_only_as_the_model_reads(line, context, Limits(max_text=300, max_digits=3, max_depth=4)
                                                 .per_line()) for line in _corpus())
    assert taken > 40


@pytest.mark.parametrize("seed", range(120))
def test_the_structs_take_mutated_lines_only_as_the_model_reads_them(context, seed):
    rng = random.Random(seed)
    line = bytearray(rng.choice(_valid_lines()))
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(line))
        line[at:at] = rng.choice([b"1e999", b"12345678901234567890123", b"-0", b"\\u0000", b":", b'"x": null,',
                                  b'"note": "n",', b'"level": 3,', b"3", b'"', b"\\u003a", b"\\ud800"])
    _taken_only_as_the_model_reads(bytes(line), context)


def _paths(value, path=()):
    """Every path into ``value`` (dict keys and list indices)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


REPLACEMENTS = [None, True, False, 0, 3, -1, 1.5, 3.0, 10**16, -10**16, 1e15, "", " ", "x", "AG", "ag", "3",
                "Amber/Green", "2024-02-30", "2024-1-01", "2024-01-01T00:00:00", "20240101", "٢٠٢٤-٠١-٠١",
                "0000-01-01", "2023-12-31", "2030-01-01", "p1\n", "p 1", "-p", "a" * 101, "é", [], [1], ["R"],
                {}, {"level": "R"}, {"date": "2024-03-01", "value": 1}, "linear", "step", "open", "done",
                "increase", "decrease"]
_REPLACEMENTS_AS_WRITTEN = copy.deepcopy(REPLACEMENTS)


def _ratings_doc(rng: random.Random) -> dict:
    """A valid priority with every optional part given, so mutations reach each."""
    doc = json.loads(rng.choice(_valid_lines()))
    doc["tolerance"] = rng.choice([{"absolute": 1.0}, {"relative": 0.05}])
    doc["leading_indicators"] = [{"name": "I", "level": rng.choice(["G", "ag", None]),
                                  "values": [{"date": "2024-01-01", "value": 1, "note": "n"}], "note": ""}]
    doc["ratings"] = {"challenge": "H", "planning": {"level": "AG", "rationale": "r", "evidence": [],
                                                     "criteria": {"understanding-the-challenge": "G"}},
                      "capacity": {"criteria": {"delivery-chain": {"level": "AR", "rationale": ""}}}, "stage": 3}
    doc["previous"] = {"level": "AR", "date": "2025-01-01"}
    doc["agreed"] = {"level": "AG", "reason": "why", "agreed_by": ["DU"]}
    doc["actions"] = [{"text": "do", "owner": "o", "due": "2025-02-01", "status": "open"}]
    doc["milestones"] = [{"name": "m", "due": "2025-02-01", "done": None}]
    doc["commentary"] = "c"
    return doc


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_structs_and_the_model_accept_and_reject_the_same_priorities(rng):
    """One contract: a document changed at any place (a value replaced, a key dropped or added) is
    taken by the structs exactly when the model takes it, and to the same priority."""
    engine = make_engine()
    ctx = {**engine._context(), "rubric": engine.rubric("likelihood-of-delivery").rubric, "evidence_ids": set()}
    doc = _ratings_doc(rng)
    for _ in range(rng.randint(1, 2)):
        path = rng.choice(list(_paths(doc))[1:])
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = rng.random()
        if action < 0.7:
            # A copy: a second change may reach inside it, and must not change the list for later examples.
            parent[path[-1]] = copy.deepcopy(rng.choice(REPLACEMENTS))
        elif action < 0.85:
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[rng.choice(["extra", "Level", "from"])] = 1
    line = json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
    assert _struct_outcome(line, ctx, guarded=False) == _model_outcome(line, ctx), line
    assert REPLACEMENTS == _REPLACEMENTS_AS_WRITTEN  # each example draws from the same list


def test_every_place_of_a_priority_takes_and_refuses_what_the_model_does(context):
    """Each replacement at each place of a priority, one at a time (the random test combines them)."""
    base = _ratings_doc(random.Random(0))
    for path in list(_paths(base))[1:]:
        for value in [*REPLACEMENTS, "p1\n", "e1\n", "2024-01-01\n", 2**70, ...]:
            doc = json.loads(json.dumps(base))
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            if value is ...:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            line = json.dumps(doc).encode()
            assert _struct_outcome(line, context, guarded=False) == _model_outcome(line, context), (path, value)
