"""Field descriptions of the models, from their attribute docstrings, without reading source at start-up.

pydantic's ``use_attribute_docstrings`` reads and parses each class's source when the class is
created: a fifth of the CLI's start-up. Instead ``field_docs.json`` (next to this module) holds
what that extraction gives for every model in the package, keyed by ``module.qualname``, and
:class:`~stocktake.core.models.Model` copies it onto the fields as each class is created, before
any schema is built; so validation, JSON Schemas and OpenAPI see the same descriptions as before.

The table is generated with the schemas (``python -m stocktake.kinds``), by pydantic's own
extraction (with :data:`FROM_SOURCE` set, the models take their descriptions from source as
pydantic does), and a test fails if it differs from a fresh extraction. A model the table does
not know (a new class before regeneration) has its docstrings read from source, as before.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["FROM_SOURCE", "TABLE", "apply_field_docs", "extracted_field_docs", "field_docs_of", "table_text"]

FROM_SOURCE = os.environ.get("STOCKTAKE_FIELD_DOCS_FROM_SOURCE") == "1"
"""Set (``STOCKTAKE_FIELD_DOCS_FROM_SOURCE=1``): models read their attribute docstrings from
source with pydantic's ``use_attribute_docstrings`` and the table is not used (to regenerate it)."""

TABLE = Path(__file__).with_name("field_docs.json")
"""The generated table: ``{"module.qualname": {"field": "description"}}``."""


@cache
def _table() -> dict[str, dict[str, str]]:
    import json

    try:
        return json.loads(TABLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except FileNotFoundError:  # a checkout before the first generation: every model reads its source
        return {}


def _key(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def apply_field_docs(cls: type[BaseModel]) -> None:
    """Give the fields of the newly created model ``cls`` that have no description the one its
    attribute docstring gives (from the table, else from source), as pydantic's
    ``use_attribute_docstrings`` would have."""
    if cls.__pydantic_generic_metadata__["origin"] is not None:
        return  # a parametrized generic model: its fields are copies of its origin's, described
    docs = _table().get(_key(cls))
    if docs is None:
        from pydantic._internal._docs_extraction import extract_docstrings_from_cls

        docs = extract_docstrings_from_cls(cls, use_inspect=True)
    for name, field in cls.__pydantic_fields__.items():
        if field.description is None and name in docs:
            field.description = docs[name]


def field_docs_of(cls: type[BaseModel]) -> dict[str, str]:
    """The descriptions of the fields ``cls`` annotates itself (what the table holds for it)."""
    import inspect

    own = inspect.get_annotations(cls)
    return {name: field.description for name, field in cls.__pydantic_fields__.items()
            if name in own and field.description is not None}


def extracted_field_docs(root: type[BaseModel]) -> dict[str, dict[str, str]]:
    """The table's content for every loaded subclass of ``root`` in the ``stocktake`` package
    (under :data:`FROM_SOURCE`: what pydantic extracts from source)."""
    out: dict[str, dict[str, str]] = {}
    todo = [root]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls is not root and cls.__module__.startswith("stocktake.") and "[" not in cls.__qualname__:
            out[_key(cls)] = field_docs_of(cls)  # empty too: known, nothing to read from source
    return out


def table_text(table: dict[str, dict[str, str]]) -> str:
    """The table as written to :data:`TABLE` (sorted keys: the same table gives the same bytes)."""
    import json

    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
