"""JSON into plain data: orjson where counts taken in C show it reads what the exact path would
(see :func:`~stocktake.core.json_lines.plain_document`), else standard-library decoding in C with
guards for duplicate keys, non-finite numbers, over-long integers and texts; both after the number
of values and the depth are bounded (:mod:`stocktake.core.json_shape`). Positions are found by a
JSON walk only when an error needs them."""

from __future__ import annotations

import json
from typing import Any

from stocktake.core.errors import DocumentError
from stocktake.core.json_lines import plain_document
from stocktake.core.json_shape import check_shape, first_problem, positions, too_deep
from stocktake.core.parsed import Limits, Parsed

__all__ = ["parse_json"]

def parse_json(text: str, limits: Limits) -> Parsed:
    """``text`` as data; :class:`DocumentError` (located) for invalid JSON or anything the
    limits or the rules refuse."""
    check_shape(text, limits)
    longest = limits.max_text
    check_sizes = _may_hold_long_text(text, longest)
    if not check_sizes:  # the rest is what orjson, and counts taken in C, can show (see plain_document)
        plain = plain_document(text, limits)
        if plain is not None:
            return Parsed(plain, positions_of=lambda path: positions(text, path), source=text)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)  # in C; a Python loop here was a tenth of a large batch's time
        if len(out) != len(pairs):
            seen: set[str] = set()
            raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
        if check_sizes:
            for key, value in pairs:
                if len(key) > longest or (type(value) is str and len(value) > longest) or (
                        type(value) is list and any(type(v) is str and len(v) > longest for v in value)):
                    raise _TooLarge(key)
        return out

    def no_constants(name: str) -> Any:
        raise _NonFinite(name)

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > limits.max_digits:
            raise _TooLarge(digits)
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants,
                          parse_int=bounded_int)
    except json.JSONDecodeError as err:
        raise DocumentError("valid JSON", err.msg.lower(), line=err.lineno, column=err.colno) from None
    except RecursionError:  # deeper than C can go, in a text that is not balanced JSON
        raise too_deep(text, limits.max_depth) from None
    except (_DuplicateKey, _NonFinite, _TooLarge):
        problem = first_problem(text, limits)
        if problem is not None:
            raise problem from None
        raise DocumentError("valid JSON", "a duplicate key, a non-finite number or a value over the limits") from None
    return Parsed(data, positions_of=lambda path: positions(text, path), source=text)


def _may_hold_long_text(text: str, longest: int) -> bool:
    """False only if no JSON string in ``text`` can be longer than ``longest`` characters.

    A string longer than ``longest`` covers a whole aligned window of ``longest // 2`` characters
    with no unescaped quote in it, so a few counts in C rule it out for a whole file (checking
    every value in Python cost a tenth of loading a large chain).
    """
    width = max(longest // 2, 1)
    for start in range(0, len(text) - width + 1, width):
        # An escaped quote is not a string's end; counting a real one as escaped only errs safe.
        if text.count('"', start, start + width) - text.count('\\"', max(start - 1, 0), start + width) <= 0:
            return True
    return False


class _DuplicateKey(Exception):
    pass


class _NonFinite(Exception):
    pass


class _TooLarge(Exception):
    pass


