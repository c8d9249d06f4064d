"""The bundled example system as the tests use it, and text payloads to put in its documents."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "northshire"
DOCUMENTS = ["assessment-2026-h2.yaml", "assessment-2026-h1.yaml", "capacity-review-2026.yaml", "capacity-review-2024.yaml",
             "chains/attendance.yaml", "chains/graduation.yaml", "chains/reading.yaml"]
"""The example's documents, relative to its directory."""


def poison(value: Any, payload: str, keys: Collection[str]) -> Any:
    """``value`` with ``payload`` put before every text under one of ``keys``, at any depth."""
    if isinstance(value, dict):
        return {k: (f"{payload} {v}" if k in keys and isinstance(v, str) else poison(v, payload, keys))
                for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, payload, keys) for v in value]
    return value
