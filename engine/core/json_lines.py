"""A fast decode of one JSON Lines line, or of a whole JSON document, for the texts that need no care.

:func:`plain_line` decodes a line with orjson and then refuses (returns None) anything the exact
reader (:func:`~stocktake.core.json_reader.parse_json`) might treat otherwise: a duplicate key, a
value near a limit, a number orjson reads differently. The caller then reads the line the exact way,
which gives the data, or the error with its line, column and path. What it returns is what the
exact reader returns for the same line: the same values, types and key order (tested).
:func:`plain_document` does the same for a whole document, once the exact reader has bounded its
values, depth and texts.
"""

from __future__ import annotations

from typing import Any

from stocktake.core.parsed import Limits

__all__ = ["plain_counts", "plain_document", "plain_line", "plain_typed_document"]

_FLOAT_FROM_INT = 2.0 ** 63
"""orjson reads an integer too large for 64 bits as a float, where the exact reader keeps the
integer: a float this large may have been one, so it is left to the exact reader."""


class _Refused(Exception):
    pass


class _Walk:
    """Counts a decoded document's keys and values, refusing what is at or near a limit."""

    def __init__(self, limits: Limits) -> None:
        self.deepest = limits.max_depth - 1  # a container below this is left to the exact reader
        self.longest = limits.max_text
        self.largest = 10 ** limits.max_digits
        self.values = 0

    def keys(self, value: Any, depth: int) -> int:
        """The keys in ``value`` and everything in it."""
        self.values += 1
        kind = type(value)
        if kind is dict:
            if depth > self.deepest:
                raise _Refused
            found = len(value)
            for key, item in value.items():
                if len(key) > self.longest:
                    raise _Refused
                found += self.keys(item, depth + 1)
            return found
        if kind is list:
            if depth > self.deepest:
                raise _Refused
            return sum(self.keys(item, depth + 1) for item in value)
        if kind is str:
            if len(value) > self.longest:
                raise _Refused
        elif kind is int:
            if not -self.largest < value < self.largest:
                raise _Refused
        elif kind is float and not -_FLOAT_FROM_INT < value < _FLOAT_FROM_INT:
            raise _Refused
        return 0


def plain_line(line: bytes, limits: Limits) -> Any:
    """The data of ``line`` (one JSON document), or None when the exact reader must read it:
    not UTF-8 or not JSON as orjson reads it, a key twice (the colons outside strings would
    outnumber the keys decoded), a text, integer, depth or number of values at or near ``limits``,
    or a float large enough to have been written as an integer."""
    import orjson

    opens = line.count(b"[") + line.count(b"{")
    if 1 + line.count(b",") + opens > limits.json_values:
        return None  # perhaps too many values: the exact reader counts them before building any
    try:
        text = line.decode("utf-8")
        data = orjson.loads(text)
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        return None
    if _plain_by_counts(line, opens, data, limits):
        return data
    return data if _walked(data, text, limits) else None


def plain_counts(line: bytes, encoded: bytes, limits: Limits) -> bool:
    """Whether the exact reader reads ``line`` as the value a typed decoder (msgspec) took from it,
    ``encoded`` being that value encoded again with only the keys the line gave: no text or depth
    at or near ``limits`` (counts over the line: it is no longer than the longest text, and has no
    more brackets than the depth), and what :func:`plain_typed_document` checks. False says the
    exact reader must read it."""
    return (len(line) <= limits.max_text and line.count(b"[") + line.count(b"{") <= limits.max_depth
            and plain_typed_document(line, encoded, limits))


def plain_typed_document(raw: bytes, encoded: bytes, limits: Limits) -> bool:
    """Whether the exact reader reads the JSON document ``raw`` as the value a typed decoder took
    from it, ``encoded`` being that value encoded again with only the keys the document gave, as
    far as counts over ``raw`` in C show (texts and depth are the decoder's types' to bound): no
    more values than the limit, no number near a limit or colon escaped (:func:`_suspect`), and as
    many colons in ``encoded`` as in ``raw``, so no key given twice (a key twice is decoded once).
    False says the exact reader must read it."""
    opens = raw.count(b"[") + raw.count(b"{")
    return (1 + raw.count(b",") + opens <= limits.json_values and not _suspect(raw, limits.max_digits)
            and encoded.count(b":") == raw.count(b":"))


def _walked(data: Any, text: str, limits: Limits) -> bool:
    """Whether the walk over every value of ``data`` (decoded from ``text``) finds nothing the
    exact reader must see: the exact test :func:`_plain_by_counts` stands in for."""
    walk = _Walk(limits)
    try:
        keys = walk.keys(data, 0)
    except (_Refused, RecursionError):
        return False
    # Each key has one colon after it and a colon inside a string only adds to the count, so as
    # many colons as keys decoded means no key was given twice.
    return walk.values <= limits.json_values and text.count(":") == keys


def _plain_by_counts(line: bytes, opens: int, data: Any, limits: Limits) -> bool:
    """True only when counts over ``line``, taken in C, show that the exact reader reads ``data``
    from it: no text longer than the line; no deeper nesting than its brackets; no integer or
    float the walk refuses without a run of digits or an exponent; and no key twice when the line
    has as many colons as orjson's encoding of ``data`` (a colon in a string is in both, unless
    written ``\\u003a``; a key twice drops one from the encoding). False says nothing: the walk
    decides. (The values were counted before decoding.)"""
    import orjson

    if len(line) > limits.max_text or opens > limits.max_depth or _suspect(line, limits.max_digits):
        return False
    try:
        return orjson.dumps(data).count(b":") == line.count(b":")
    except orjson.JSONEncodeError:  # pragma: no cover - what orjson decodes it encodes
        return False


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")
"""Every digit read as 0 and ``E`` as ``e``, so that one substring search finds a run of digits."""


def _suspect(line: bytes, max_digits: int, *, exponents: bool = True) -> bool:
    """Whether ``line`` may hold a number the walk refuses, or a colon no count sees: a run of
    digits as long as an integer at the limit or a float of 2 ** 63 (19 digits), a digit before
    an exponent (unless not ``exponents``), or a colon escaped as ``\\u003a`` (it decodes to a
    colon the line's count misses)."""
    zeroed = line.translate(_DIGITS_AS_ZERO)
    return (b"0" * (min(max_digits, 18) + 1) in zeroed or (exponents and b"0e" in zeroed)
            or b"\\u003a" in line or b"\\u003A" in line)


def plain_document(text: str, limits: Limits) -> Any:
    """The data of ``text`` (a whole JSON document whose values, depth and texts the exact reader
    has already bounded), decoded by orjson, or None when the exact reader must read it: for the
    reasons :func:`_plain_by_counts` gives, less the line's own bounds, and less its exponents.

    A number with an exponent is a float to both readers, and the same float; the walk refuses
    one of 2 ** 63 or more only because orjson reads a long integer as one, which the run of
    digits shows. So a hex digest (``…f2e2d…``) does not send a result file to the exact reader."""
    import orjson

    raw = text.encode("utf-8", "surrogatepass")
    if _suspect(raw, limits.max_digits, exponents=False):
        return None
    try:
        data = orjson.loads(raw)
        return data if orjson.dumps(data).count(b":") == raw.count(b":") else None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
