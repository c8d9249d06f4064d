"""A kind's model read straight from a JSON file's text, for the loader's common case.

A model may offer ``from_plain_json(text, limits, context)``: a typed decode of the whole document
(msgspec, say) that gives the model :func:`~stocktake.core.loading.validate_data` would give from
the exact reader's data, or None when the document must be read that way (anything unusual, any
error: the exact path words and locates it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits
from stocktake.core.schemas import DocumentKind

__all__ = ["plain_json_model"]


def plain_json_model(read: Any, kinds: tuple[str, ...] | None, table: Mapping[str, DocumentKind], limits: Limits,
                     context: Mapping[str, Any] | None, check_size: Callable[[DocumentKind, str, Limits], None],
                     held: Callable[[], Any]) -> tuple[str, Any] | None:
    """``(kind, model)`` read by the model's ``from_plain_json`` from the text of the source
    ``read`` when it is a JSON file, only one kind is accepted, the kind names no rubric and
    ``check_size`` passes it; else None. ``held`` is the context the decode runs in (the loader's
    garbage-collector hold)."""
    if read.fmt != "json" or read.from_data or kinds is None or len(kinds) != 1 or kinds[0] not in table:
        return None
    spec = table[kinds[0]]
    if spec.rubric is not None:
        return None
    reader = getattr(spec.model(), "from_plain_json", None)
    if reader is None:
        return None
    try:
        check_size(spec, read.text, limits)
    except DocumentError:
        return None
    with held():
        model = reader(read.text, limits, dict(context or {}))
    return (spec.name, model) if model is not None else None
