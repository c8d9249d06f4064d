"""What reading a document gives: the data, where each value came from, and the bounds on what
a document may make the loader do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stocktake.core.errors import DocumentError

__all__ = ["DEFAULT_LIMITS", "Limits", "Parsed", "PathKey"]

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """Bounds on what a document may make the loader do."""

    max_bytes: int = 50 * 1024 * 1024
    """Largest file read, in bytes."""
    max_depth: int = 64
    """Deepest nesting of mappings and lists."""
    max_nodes: int = 2_000_000
    """Most values built from one document, counting every expansion of an alias."""
    max_text: int = 1_000_000
    """Longest text value or key, in characters."""
    max_digits: int = 30
    """Longest integer, in digits (Python refuses to convert more than 4,300 at all)."""


DEFAULT_LIMITS = Limits()


@dataclass
class Parsed:
    """Data read from a document, with the position of each value and each mapping key."""

    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    positions_from: Callable[[], Parsed] | None = None
    """For JSON: finds positions on first need (only errors need them)."""

    def _ensure_positions(self) -> None:
        if self.positions_from is not None:
            source, self.positions_from = self.positions_from, None
            try:
                found = source()
            except DocumentError:
                return
            self.values, self.keys = found.values, found.keys

    def locate(self, path: PathKey) -> tuple[int, int] | None:
        """Best known position for ``path``: the value, else its key, else the nearest parent."""
        self._ensure_positions()
        if path in self.values:
            return self.values[path]
        if path in self.keys:
            return self.keys[path]
        for end in range(len(path) - 1, -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return pos
        return None

    def locate_key(self, path: PathKey) -> tuple[int, int] | None:
        """Position of the key that names ``path`` (for unknown-property errors)."""
        self._ensure_positions()
        return self.keys.get(path) or self.locate(path)
