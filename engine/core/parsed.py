"""What reading a document gives: the data, where each value came from, and the bounds on what
a document may make the loader do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["DEFAULT_LIMITS", "Limits", "Parsed", "PathKey", "Places"]

PathKey = tuple[str | int, ...]
Places = dict[PathKey, tuple[int, int]]
"""1-based ``(line, column)`` by path."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what a document may make the loader do."""

    max_bytes: int = 50 * 1024 * 1024
    """Largest file read, in bytes."""
    max_depth: int = 64
    """Deepest nesting of mappings and lists."""
    max_nodes: int = 2_000_000
    """Most values built from one YAML document, counting every expansion of an alias."""
    max_text: int = 1_000_000
    """Longest text value or key, in characters."""
    max_digits: int = 30
    """Longest integer, in digits (Python refuses to convert more than 4,300 at all)."""
    max_line_bytes: int = 10 * 1024 * 1024
    """Longest line of a JSON Lines batch, in bytes (each line is read as one document, within
    all the limits above); never more than ``max_bytes``. The batch itself is streamed and may be
    of any size."""

    max_json_values: int | None = None
    """Most values in one JSON document (None: one per 10 bytes of ``max_bytes``, and never fewer
    than ``max_nodes``). JSON is decoded in C and located only on error, so it affords more values
    than YAML; a 100,000-actor chain holds about 2 million."""

    @property
    def json_values(self) -> int:
        """The most values a JSON document may hold (see :attr:`max_json_values`)."""
        if self.max_json_values is not None:
            return self.max_json_values
        return max(self.max_nodes, self.max_bytes // 10)

    @property
    def line_bytes(self) -> int:
        """The longest JSON Lines line read: ``max_line_bytes``, at most ``max_bytes``."""
        return min(self.max_line_bytes, self.max_bytes)

    def per_line(self) -> Limits:
        """The limits for one line of a JSON Lines batch: these, with a line's size as the size
        (so the value limit follows the line's size too)."""
        return replace(self, max_bytes=self.line_bytes)


DEFAULT_LIMITS = Limits()


@dataclass
class Parsed:
    """Data read from a document, with the position of each value and each mapping key."""

    data: Any
    values: Places = field(default_factory=dict)
    keys: Places = field(default_factory=dict)
    positions_of: Callable[[PathKey], tuple[Places, Places]] | None = None
    """For JSON: finds the positions along a path when asked (only errors need them), as
    ``(values, keys)`` for each prefix of the path that exists."""
    source: str = ""
    """The text read (error messages quote a value as it was written: ``1.10``, not 1.1)."""

    def written(self, line: int, column: int) -> str:
        """The plain value written at 1-based ``line`` and ``column`` of :attr:`source`, up to
        the next space, comma, bracket or comment ('' if unknown)."""
        lines = self.source.splitlines()
        if not 0 < line <= len(lines):
            return ""
        rest = lines[line - 1][column - 1:]
        end = next((i for i, char in enumerate(rest) if char in " \t,]}#"), len(rest))
        return rest[:end]

    def _ensure_positions(self, path: PathKey) -> None:
        if self.positions_of is not None and path not in self.values:
            values, keys = self.positions_of(path)
            self.values.update(values)
            self.keys.update(keys)

    def locate(self, path: PathKey) -> tuple[int, int] | None:
        """Best known position for ``path``: the value, else its key, else the nearest parent."""
        self._ensure_positions(path)
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
        self._ensure_positions(path)
        return self.keys.get(path) or self.locate(path)
