"""The JSON writers' escaping of what must not reach a terminal (:func:`json_text`): its quick
answer for ASCII text is the escaping's own on any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.core.output import json_text

RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def _reference(text: str) -> str:
    return RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "\"", "\\", "\x7e", "\x7f", "\x80", "\x9b", "\x9f", "\xa0", "é",
                                         "\u2028", "\u2029", "\u202a", "😀", "\n"]), max_size=30)
       | st.text(max_size=30))
def test_json_text_escapes_exactly_what_the_pattern_names(text: str):
    assert json_text(text) == _reference(text)
