"""``ledger replay RUN``: put a run's stored inputs back in a temporary directory with the same
layout, derive the result again with the same options, and compare the bytes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stocktake.ledger.hashing import sha256
from stocktake.ledger.model import RunInfo
from stocktake.ledger.store import Ledger, LedgerError

__all__ = ["Derive", "Replayed", "replay"]

Derive = Callable[[str, Mapping[str, str]], bytes]
"""``derive(command, options)``: the result's bytes, run in the current directory."""

PATH_OPTIONS = ("path", "baseline", "previous", "rules", "severity_rules")
"""Options that may name an input file (``chain`` holds a JSON list of them)."""


@dataclass(frozen=True)
class Replayed:
    run: RunInfo
    judgments: int

    def message(self) -> str:
        return f"run {self.run.short_id}: {self.judgments} judgments re-derived, bytes identical"


def replay(ledger: Ledger, run_id: str, derive: Derive, *, engine_version: str | None = None,
           plugins: list[dict[str, str]] | None = None) -> Replayed:
    """Re-derive the run ``run_id`` (or a prefix) from its stored inputs and prove the result's
    bytes equal the stored result's.

    Paths are given again as the run gave them: relative ones from a temporary directory holding
    the inputs at the same places (a ``..`` is room made above), absolute ones under it, read back
    as recorded before comparing.

    :raises LedgerError: an input or the stored result does not match its hash, or the result
        differs (the first differing line is named, and how this engine's version or plugins, when
        given, differ from the run's).
    """
    run = ledger.run(run_id)
    recorded = ledger.blob(run.result_sha256)
    if sha256(recorded) != run.result_sha256:
        raise LedgerError(f"run {run.short_id}: its stored result does not match its sha256 (the ledger was "
                          "changed; stocktake ledger verify names the row)")
    with tempfile.TemporaryDirectory(prefix="stocktake-replay-") as scratch:
        root = Path(scratch)
        depth = max((_ups(i["path"]) for i in run.inputs if not os.path.isabs(i["path"])), default=0)
        here = root.joinpath(*["up"] * depth, "here")
        absolute = root / "absolute"
        for item in run.inputs:
            data = ledger.blob(item["sha256"])
            if sha256(data) != item["sha256"]:
                raise LedgerError(f"run {run.short_id}: its input {item['path']!r} does not match its sha256 "
                                  "(the ledger was changed; stocktake ledger verify names the row)")
            target = _placed(item["path"], here, absolute)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        options = {k: _moved(k, v, absolute) for k, v in run.options.items()}
        here.mkdir(parents=True, exist_ok=True)
        back = os.getcwd()
        os.chdir(here)
        try:
            derived = derive(run.command, options)
        finally:
            os.chdir(back)
        prefix = json.dumps(str(absolute))[1:-1]
        derived = derived.decode("utf-8").replace(prefix, "").encode("utf-8")
    if derived != recorded:
        raise LedgerError(f"run {run.short_id}: the re-derived result differs from the recorded one "
                          f"{_first_difference(recorded, derived)}{_other_engine(run, engine_version, plugins)}")
    return Replayed(run, run.entries)


def _other_engine(run: RunInfo, engine_version: str | None, plugins: list[dict[str, str]] | None) -> str:
    """How the engine replaying differs from the one that recorded (empty if it does not or is not known)."""
    notes = []
    if engine_version is not None and engine_version != run.engine_version:
        notes.append(f"recorded by Stocktake {run.engine_version}, replayed by {engine_version}")
    if plugins is not None:
        def named(found: list[dict[str, str]]) -> set[str]:
            return {f"{p['name']} {p['version']}".strip() for p in found}

        missing, added = named(run.plugins) - named(plugins), named(plugins) - named(run.plugins)
        notes += [f"recorded with {', '.join(sorted(missing))}"] if missing else []
        notes += [f"replayed with {', '.join(sorted(added))}"] if added else []
    return f" ({'; '.join(notes)})" if notes else ""


def _ups(path: str) -> int:
    parts = PurePosixPath(os.path.normpath(path).replace(os.sep, "/")).parts
    return next((i for i, part in enumerate(parts) if part != ".."), len(parts))


def _placed(path: str, here: Path, absolute: Path) -> Path:
    if os.path.isabs(path):
        return absolute / path.lstrip("/\\")
    return Path(os.path.normpath(here / path))


def _moved(option: str, value: str, absolute: Path) -> str:
    def one(path: str) -> str:
        return str(absolute) + path if os.path.isabs(path) else path

    if option == "chain":
        return json.dumps([one(p) for p in json.loads(value)])
    return one(value) if option in PATH_OPTIONS else value


def _first_difference(recorded: bytes, derived: bytes) -> str:
    old, new = recorded.decode("utf-8", "replace").splitlines(), derived.decode("utf-8", "replace").splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), 1):
        if a != b:
            return f"at line {number}: recorded {a.strip()[:120]!r}, re-derived {b.strip()[:120]!r}"
    return f"in length: recorded {len(old)} lines, re-derived {len(new)}"
