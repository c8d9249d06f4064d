"""A whole JSON document read by orjson (:func:`~stocktake.core.json_lines.plain_document`) gives
what the exact reader gives, to the type and the key order, or is left to the exact reader: never
data the exact reader refuses or reads otherwise. Checked on every JSON file in the tests, on
hostile texts, and on random documents and mutations of them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.core import json_reader
from stocktake.core.errors import DocumentError
from stocktake.core.json_lines import plain_document
from stocktake.core.parsing import DEFAULT_LIMITS, Limits

ROOT = Path(__file__).resolve().parents[2]


def _exact(text: str, limits: Limits = DEFAULT_LIMITS):
    """The exact reader's data (as its repr: types and key order) or its error."""
    original = json_reader.plain_document
    json_reader.plain_document = lambda text, limits: None
    try:
        return "ok", repr(json_reader.parse_json(text, limits).data)
    except DocumentError as err:
        return "error", str(err)
    finally:
        json_reader.plain_document = original


def _agrees(text: str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Assert the fast read gives the exact reader's data, if it reads ``text`` at all; whether it did."""
    exact = _exact(text, limits)
    try:
        json_reader.check_shape(text, limits)
    except DocumentError:
        return False  # refused before either decoder runs
    if json_reader._may_hold_long_text(text, limits.max_text):
        return False  # the fast read is not tried
    fast = plain_document(text, limits)
    if fast is None:
        return False
    assert exact == ("ok", repr(fast)), text[:200]
    return True


def _json_files() -> list[Path]:
    return sorted(p for folder in ("tests", "rubrics", "examples", "schemas") for p in (ROOT / folder).rglob("*.json")
                  if p.stat().st_size < 5_000_000)


def test_every_json_file_in_the_tests_reads_the_same():
    texts = [text for text in map(_text, _json_files()) if text is not None]
    read_fast = [text for text in texts if _agrees(text)]
    assert len(texts) > 30 and len(read_fast) > 10  # (not all: many are hostile)


def _text(path: Path) -> str | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.removeprefix("\ufeff") or None


HOSTILE = [
    '{"a": 1, "a": 2}',
    '{"a": {"b": 1, "b": 2}}',
    '{"a": "\\u003a", "a": 1, "b": "x"}',
    '{"a": 1, "a": 2, "b": "\\u003A"}',
    '{"a": 123456789012345678901234567890123}',
    '{"a": 1234567890123456789}',
    '{"a": 9223372036854775808}',
    '{"a": 18446744073709551616}',
    '{"a": 12345678901234567890.5}',
    '{"a": 1e400}', '{"a": -1E400}', '{"a": 1e5}', '{"a": 2.5E-3}', '{"a": 1e19}', '{"a": -9.3E18}',
    '{"a": 1.7976931348623157e308}', '{"a": 1.7976931348623159e308}', '{"a": 4.9e-325}', '{"a": 1e-400}',
    '{"a": 123456789012345678e2}', '{"a": 0.1234567890123456789e3}', '{"a": 1e0000000000000000000001}',
    '{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}',
    '{"a": "\\ud800"}', '{"\\udfff": 1}',
    '{"a": 1,}', '[1, 2,]', '{"a" 1}', '{"a": 01}', '{"a": .5}', '{"a": +1}',
    '{"a": "tab\there"}', '{"a": "\\x41"}', '{"a": true, "b": tru}',
    '{"a": -0}', '{"a": -0.0}', '{"a": 0.1}', '{"a": 1.0}', '{"a": 5e-324}',
    '[]', '{}', 'null', '"text"', '1', '  {"a": 1}  ', '{"a": 1} {"b": 2}', '{"a": 1}\n\n',
    '{"a": 1} // comment', '[' * 70 + ']' * 70, '{"a": "' + "x" * 20 + '"}',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_documents_read_the_same_or_are_left_to_the_exact_reader(text):
    _agrees(text)


def test_tight_limits_are_the_exact_readers():
    tight = Limits(max_digits=3, max_text=8, max_depth=2)
    for text in ['{"a": 1234}', '{"a": 123}', '{"a": "0123456789"}', '{"a": [[[1]]]}', '{"abcdefghij": 1}']:
        _agrees(text, tight)


def test_a_digest_and_exponents_are_read_fast():
    # a result file names its inputs by sha256: a hex digit before an "e" is not an exponent
    for text in ['{"sha256": "75b84a54444f2e2db5371df620c4835e"}', '{"a": 1e5, "b": [2.5E-3, -1e19]}']:
        assert _agrees(text), text


def test_a_key_twice_is_never_read_fast():
    # the case the colon count exists for: without it orjson keeps the last value silently
    assert plain_document('{"a": 1, "a": 2}', DEFAULT_LIMITS) is None
    assert _exact('{"a": 1, "a": 2}')[0] == "error"


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
_documents = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_documents, st.booleans(), st.randoms(use_true_random=False))
def test_random_documents_and_mutations_read_the_same(document, ascii_only, rng: random.Random):
    text = json.dumps(document, ensure_ascii=ascii_only)
    _agrees(text)
    for _ in range(5):
        _agrees(_mutated(text, rng))


def _mutated(text: str, rng: random.Random) -> str:
    """``text`` with a piece cut, doubled or replaced by JSON-ish syntax (a key twice, an escape,
    a long number)."""
    i = rng.randrange(len(text) + 1)
    j = min(len(text), i + rng.randrange(8))
    piece = rng.choice(['"a": 1, "a": 2', ", ", ":", "\\u003a", "1e9", "9.3e18", "1e400", "4e-330", "123456789012345678901",
                        "\\ud800", "{", "}", "[", "]", '"', text[i:j] * 2, ""])
    return text[:i] + piece + text[j:]
