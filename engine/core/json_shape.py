"""The shape of a JSON text, measured before it is decoded and walked after, without building it.

:func:`check_shape` bounds the number of values and the nesting depth with a few passes in C over
the text's bytes (a JSON text of empty lists decodes into 20 times its size). :func:`positions`
finds where the value at a path is, skipping every other value with the C scanner, and
:func:`first_problem` walks the text for the first value the limits or the rules refuse; both
only run when an error needs them, in time linear in the text.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits, PathKey, Places

__all__ = ["check_shape", "first_problem", "positions"]

_BRACKETS_AND_COMMAS = bytes(b for b in range(256) if b not in b'[]{}",')
_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')
_WHITESPACE = b" \t\n\r"
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = ("NaN", "Infinity", "-Infinity")


def check_shape(text: str, limits: Limits) -> None:
    """Refuse ``text`` if it holds more values than ``limits.json_values`` or nests deeper than
    ``limits.max_depth``, before anything is decoded. A text that is not JSON passes (decoding
    reports it)."""
    most = limits.json_values
    openers = text.count("[") + text.count("{")
    at_most = 1 + text.count(",") + openers  # values, if no string held a comma or a bracket
    if openers <= limits.max_depth + 1 and at_most <= most:
        return
    if at_most > most:
        outside = _outside_strings(text, _BRACKETS_AND_COMMAS)
        values = 1 + outside.count(b",") + outside.count(b"[") + outside.count(b"{")
        if values > most:
            values -= _empty_containers(text)
            if values > most:
                raise DocumentError(f"at most {most:,} values", f"{values:,} values")
    brackets = _outside_strings(text, _BRACKETS)
    for _ in range(limits.max_depth + 1):  # the top value is at depth 0, as in YAML
        reduced = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if not reduced or reduced == brackets:
            return  # balanced within the limit, or not JSON
        brackets = reduced
    if brackets.replace(b"[]", b"").replace(b"{}", b"") != brackets:
        raise too_deep(text, limits.max_depth)


def _outside_strings(text: str, drop: bytes) -> bytes:
    """The bytes of ``text`` outside strings, less those in ``drop`` (which must drop all but
    quotes and some of brackets and commas). Escapes are removed first: outside strings valid
    JSON has no backslash, so pairing them from the left is JSON's own."""
    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = raw.translate(None, drop).replace(b'""', b"")
    return _STRING.sub(b"", kept) if b'"' in kept else kept


def _empty_containers(text: str) -> int:
    """How many ``[]`` and ``{}`` (with only whitespace inside) ``text`` holds outside strings."""
    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    bare = re.sub(rb'"[^"]*"', b"0", raw).translate(None, _WHITESPACE)
    return bare.count(b"[]") + bare.count(b"{}")


def too_deep(text: str, max_depth: int) -> DocumentError:
    """The error for nesting deeper than ``max_depth``, at the first bracket past it."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > max_depth + 1:
                line, column = _place(text, match.start())
                return DocumentError(f"nesting at most {max_depth} levels deep", "deeper nesting",
                                     line=line, column=column)
        elif char in "]}":
            depth -= 1
    return DocumentError(f"nesting at most {max_depth} levels deep", "deeper nesting")


def _place(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _space(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]


def _skipper() -> Any:
    """A C scanner that reads one value and keeps nothing of it (a mapping becomes None)."""
    decoder = json.JSONDecoder(object_pairs_hook=lambda pairs: None, parse_int=lambda s: None,
                               parse_float=lambda s: None, parse_constant=lambda s: None)
    return json.scanner.make_scanner(decoder)  # type: ignore[attr-defined]


def positions(text: str, path: PathKey) -> tuple[Places, Places]:
    """Where the values and keys along ``path`` are in the JSON ``text``: ``(values, keys)`` for
    each prefix of ``path`` that exists, as 1-based ``(line, column)``."""
    skip = _skipper()
    values: Places = {}
    keys: Places = {}
    index = _space(text, 0)
    values[()] = _place(text, index)
    for depth, part in enumerate(path):
        found = _member(text, index, part, skip)
        if found is None:
            break
        key_at, index = found
        here = path[:depth + 1]
        if key_at is not None:
            keys[here] = _place(text, key_at)
        values[here] = _place(text, index)
    return values, keys


def _member(text: str, index: int, part: str | int, skip: Any) -> tuple[int | None, int] | None:
    """(index of the key, index of the value) of member ``part`` of the container at ``index``."""
    opener = text[index:index + 1]
    if opener not in ("{", "[") or (opener == "{") != isinstance(part, str):
        return None
    index = _space(text, index + 1)
    if text[index:index + 1] in ("}", "]"):
        return None
    count = 0
    while True:
        key_at = None
        if opener == "{":
            key_at = index
            key, index = scanstring(text, index + 1)
            index = _space(text, _space(text, index) + 1)  # past the ':'
            if key == part:
                return key_at, index
        elif count == part:
            return None, index
        index = _space(text, skip(text, index)[1])
        if text[index:index + 1] != ",":
            return None
        index, count = _space(text, index + 1), count + 1


def first_problem(text: str, limits: Limits) -> DocumentError | None:
    """The first duplicate key, non-finite number, over-long integer, text or key in the JSON
    ``text``, located (None if there is none). Linear in the text; nesting is already bounded."""
    try:
        _Walk(text, limits).value(_space(text, 0), ())
    except _Found as found:
        return found.error
    except (ValueError, IndexError, StopIteration):  # not JSON after all: decoding says so
        return None
    return None


class _Found(Exception):
    def __init__(self, error: DocumentError) -> None:
        self.error = error


class _Walk:
    def __init__(self, text: str, limits: Limits) -> None:
        self.text, self.limits = text, limits

    def fail(self, index: int, expected: str, found: str, path: PathKey) -> _Found:
        line, column = _place(self.text, index)
        return _Found(DocumentError(expected, found, path=path, line=line, column=column))

    def value(self, index: int, path: PathKey) -> int:
        """Check the value at ``index``; return the index past it."""
        text, longest = self.text, self.limits.max_text
        char = text[index]
        if char == "{":
            return self.mapping(index, path)
        if char == "[":
            index, number = _space(text, index + 1), 0
            while text[index] != "]":
                index = _space(text, self.value(index, (*path, number)))
                index, number = (_space(text, index + 1), number + 1) if text[index] == "," else (index, number)
            return index + 1
        if char == '"':
            found, end = scanstring(text, index + 1)
            if len(found) > longest:
                raise self.fail(index, f"a value of at most {longest:,} characters", f"{len(found):,} characters",
                                path)
            return int(end)
        for name in _CONSTANTS:
            if text.startswith(name, index):
                raise self.fail(index, "a finite number", name, path)
        numeral = _NUMBER.match(text, index)
        if numeral is not None:
            digits = len(numeral.group().lstrip("-"))
            if not numeral.group(1) and not numeral.group(2) and digits > self.limits.max_digits:
                raise self.fail(index, f"an integer of at most {self.limits.max_digits} digits", f"{digits:,} digits",
                                path)
            return numeral.end()
        return index + next(len(w) for w in ("true", "false", "null") if text.startswith(w, index))

    def mapping(self, index: int, path: PathKey) -> int:
        text, longest = self.text, self.limits.max_text
        index = _space(text, index + 1)
        first: dict[str, int] = {}
        while text[index] != "}":
            key, end = scanstring(text, index + 1)
            if len(key) > longest:
                raise self.fail(index, f"a key of at most {longest:,} characters", f"{len(key):,} characters", path)
            if key in first:
                line = _place(text, first[key])[0]
                raise self.fail(index, "each key once per mapping", f"{key!r} again (first on line {line})",
                                (*path, key))
            first[key] = index
            index = _space(text, self.value(_space(text, _space(text, end) + 1), (*path, key)))
            if text[index] == ",":
                index = _space(text, index + 1)
        return index + 1
