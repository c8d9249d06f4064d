"""What to write instead: a validation error about a value people often write in a way YAML or
the schema reads differently (``version: 1.10`` read as the number 1.1, a decimal comma, a date
written 30/09/2026, an id with an accented letter) gets the fix added to it."""

from __future__ import annotations

import re
from typing import Any

from stocktake.core.errors import DATE_WRITTEN, DocumentError
from stocktake.core.models import as_written
from stocktake.core.parsed import Parsed

__all__ = ["with_hint"]

_DECIMAL_COMMA = re.compile(r"[-+]?[0-9]+,[0-9]+")
_ISO_SHAPED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID_CHARACTER = re.compile(r"[A-Za-z0-9_.-]")
_MISSING = object()


def with_hint(err: DocumentError, parsed: Parsed) -> DocumentError:
    """``err``, or a copy saying what to write instead where the value it is about shows a
    common slip (see the module). ``err`` is located (its line and column are used)."""
    value = as_written(parsed.data, err.path, _MISSING)
    expected, found = err.expected, err.found
    if err.on_key and err.path and isinstance(err.path[-1], str):
        found = _split_decimal(parsed.data, err.path) or found
    elif _is_number(value) and "integer" not in expected and (
            expected.startswith("text") or "identifier" in expected or "version" in expected):
        written = (parsed.written(err.line, err.column) if err.line and err.column else "") or repr(value)
        found = f"the number {written} (write it in quotes, \"{written}\", to keep it as written)"
    elif isinstance(value, str) and "a number" in expected and _DECIMAL_COMMA.fullmatch(value.strip()):
        found = f"{value!r} (write {value.strip().replace(',', '.')}: a decimal point, not a comma)"
    elif isinstance(value, str) and (expected.startswith("a date") or expected == "a valid date"):
        expected = "a date that exists, written YYYY-MM-DD" if _ISO_SHAPED.fullmatch(value) else DATE_WRITTEN
    elif isinstance(value, str) and expected.startswith("a stable identifier"):
        bad = next((char for char in value if not _ID_CHARACTER.fullmatch(char)), None)
        if bad is not None:
            found = f"{found} ({bad!r} is not allowed in an id)"
        elif value[:1] in "._-":
            found = f"{found} (an id starts with a letter or digit)"
    if (expected, found) == (err.expected, err.found):
        return err
    hinted = DocumentError(expected, found, path=err.path, file=err.file, line=err.line, column=err.column,
                           on_key=err.on_key)
    hinted.__cause__ = err.__cause__
    return hinted


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split_decimal(data: Any, path: tuple[str | int, ...]) -> str | None:
    """For an unknown key of digits with no value, after a key whose value is an integer
    (``{value: 1,24}`` in a flow mapping reads as ``value: 1`` and ``24:``): the fix."""
    parent = as_written(data, path[:-1], None)
    name = path[-1]
    if not isinstance(parent, dict) or not isinstance(name, str) or not name.isdigit() or parent.get(name) is not None:
        return None
    keys = list(parent)
    before = parent[keys[keys.index(name) - 1]] if keys.index(name) > 0 else None
    if not isinstance(before, int) or isinstance(before, bool):
        return None
    return (f"'{before},{name}' read as two entries, {before} and an unknown property {name!r} "
            f"(write {before}.{name}: a decimal point, not a comma)")
