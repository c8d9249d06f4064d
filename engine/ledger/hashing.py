"""The ledger's hashes: canonical JSON, a run's id by content, and the chain linking each row
to the one before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from stocktake.ledger.model import RunRecord

__all__ = ["GENESIS", "canonical", "chained", "run_id_of", "sha256"]

GENESIS = ""
"""The ``prev_hash`` of the first row."""


def canonical(data: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as it is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_id_of(run: RunRecord) -> str:
    """sha256 of what decides the result: the command, its options, the inputs' hashes in order,
    the engine version, the plugins and the rules. Not the actor or the time: the same run
    recorded again is the same run."""
    return sha256(canonical({
        "command": run.command, "options": run.options, "inputs": [i.sha256 for i in run.inputs],
        "engine": run.engine_version, "plugins": run.plugins, "rules": run.rules,
    }).encode())


def chained(prev_hash: str, columns: Sequence[str], values: Sequence[Any]) -> str:
    """A row's hash: sha256 of the previous row's hash and the canonical JSON of its content."""
    return sha256((prev_hash + canonical(dict(zip(columns, values, strict=True)))).encode())
