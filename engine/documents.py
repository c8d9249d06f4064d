"""The document kinds Stocktake reads: each maps ``kind`` to a model and a published schema.

The file formats are the engine's public contract, so the kinds live here in the core (plugins
add rubrics, scales and behaviour, not new file formats).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.models.base import Model

__all__ = ["KINDS", "DocumentKind"]


@dataclass(frozen=True)
class DocumentKind:
    """One ``kind`` of document: its model, its schema file and what it is for."""

    name: str
    """The value of ``kind`` in the document."""
    model_path: str
    """``module:Class`` of the pydantic model (imported on first use)."""
    schema_file: str
    """File name in ``schemas/``."""
    summary: str
    """One line saying what the document holds."""

    def model(self) -> type[Model]:
        """The pydantic model class."""
        module, _, name = self.model_path.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            "Rubric",
            "engine.models.rubric:Rubric",
            "rubric.schema.json",
            "a versioned rubric: sections, components, criteria, level descriptors",
        ),
    )
}
"""Every document kind, by name."""
