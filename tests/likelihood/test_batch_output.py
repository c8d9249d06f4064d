"""What a batch writes: orjson's bytes are pydantic_core's for a result's data, and the lines are
escaped exactly as :func:`~stocktake.core.output.json_text` escapes them."""

from __future__ import annotations

import datetime as dt
import math
import random
import struct

import pytest
from pydantic_core import PydanticSerializationError, to_json

from stocktake.core.output import json_text
from stocktake.likelihood.batches import printable_lines, result_json


def _floats(count: int) -> list[float]:
    rng = random.Random(18)
    edges = [0.0, -0.0, 0.1, 2.5, -3.0, 1e15, 1e16, 1e17, 1e21, 1e22, 1e-5, 1e-7, 5e-324, 1.7976931348623157e308,
             123456789012345678.0, 2.0 ** 53, -(2.0 ** 63)]
    out = list(edges)
    for _ in range(count):
        out.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])  # any bit pattern
        out.append(round(rng.uniform(-1e6, 1e6), rng.randint(0, 8)))           # typed decimals, rounded
        out.append(rng.uniform(-10, 10) * 10.0 ** rng.randint(-30, 30))
    return [x for x in out if math.isfinite(x)]


def test_numbers_are_written_as_pydantic_core_writes_them():
    floats = _floats(20_000)
    assert result_json(floats) == to_json(floats)
    for x in floats[:2_000]:  # one at a time too: a difference shows which number
        assert result_json({"v": x}) == to_json({"v": x}), repr(x)
    ints = [0, -1, 2 ** 63 - 1, -(2 ** 63), 2 ** 64 - 1]
    assert result_json(ints) == to_json(ints)


def test_text_dates_and_structure_are_written_as_pydantic_core_writes_them():
    data = {"text": 'é \u2028\u2029\x7f\x85\x9b\x00\x1f"\\/ \t\n\U0001f600 ascii', "date": dt.date(2026, 1, 1),
            "nested": [None, True, False, {"": [], "k": {}}], "empty": ""}
    assert result_json(data) == to_json(data)


def test_what_orjson_refuses_is_written_by_pydantic_core():
    for data in ({"big": 2 ** 70}, {1: "a key that is not text"}):
        assert result_json(data) == to_json(data)
    with pytest.raises(PydanticSerializationError, match="surrogates not allowed"):  # as to_json raises it
        result_json({"surrogate": "\ud800"})


def test_lines_are_escaped_as_json_text_escapes_them():
    parts = [to_json(x) for x in ({"a": "plain"}, {"b": "del \x7f"}, {"c": "csi \x9b é \u2028"})]
    for results in ([], parts[:1], parts, parts[1:2], parts[2:]):
        expected = json_text(b"\n".join(results).decode()) + "\n" if results else ""
        assert printable_lines(results) == expected
    assert "\x7f" not in printable_lines(parts) and "\\u007f" in printable_lines(parts)
