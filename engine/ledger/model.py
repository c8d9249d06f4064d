"""What the ledger stores and gives back: plain frozen records, no database in sight."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stocktake.judgment.table import COLUMNS

__all__ = ["ENTRY_EXTRA", "Entry", "Event", "RunInfo", "RunRecord", "StoredInput", "VerifyReport"]

ENTRY_EXTRA = ("run_id", "seq", "system", "period", "date")
"""What an entry holds beyond the flat table's columns, in the order the export appends them."""


@dataclass(frozen=True)
class StoredInput:
    """One file a run read: the path as given, its path relative to the run's main document's
    directory (so a table beside a review is put back beside it for replay), its content."""

    path: str
    relative: str
    sha256: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class RunRecord:
    """A run to record: what was asked (command and the options that change the result), what was
    read, with what (engine, plugins, rules), by whom and when, and what came out."""

    command: str
    options: dict[str, str]
    inputs: list[StoredInput]
    result_kind: str
    result: bytes = field(repr=False)
    """The result JSON exactly as ``dump_model`` writes it."""
    engine_version: str
    plugins: list[dict[str, str]]
    rules: list[dict[str, str]]
    """The rubric, rule sets, strategy or detectors that judged: kind, id, version, sha256 where known."""
    actor: str
    recorded_at: str
    """UTC, ISO 8601 (``2026-12-02T10:42:17Z``)."""
    entries: list[dict[str, str]]
    """One per judgment: the flat table's columns (:data:`stocktake.judgment.table.COLUMNS`) plus
    ``system``, ``period`` and ``date`` (empty where the run has none)."""
    date: str | None = None
    """The document's date (a review's, an assessment's; a chain: the day it was recorded)."""
    period: str | None = None
    system: str | None = None


@dataclass(frozen=True)
class RunInfo:
    """A recorded run, as the ledger gives it back."""

    run_id: str
    seq: int
    command: str
    options: dict[str, str]
    actor: str
    recorded_at: str
    result_kind: str
    result_sha256: str
    date: str | None
    period: str | None
    system: str | None
    inputs: list[dict[str, str]]
    """Each input: ``path`` (as given), ``relative`` (to the main document's directory), ``sha256``."""
    engine_version: str
    plugins: list[dict[str, str]] = field(default_factory=list)
    rules: list[dict[str, str]] = field(default_factory=list)
    entries: int = 0
    """How many judgments the run recorded."""

    @property
    def short_id(self) -> str:
        return self.run_id[:16]


@dataclass(frozen=True)
class Entry:
    """One recorded judgment: a row of the flat table with its run, order and when/where."""

    run_id: str
    seq: int
    date: str | None
    period: str | None
    system: str | None
    subject: str = ""
    aspect: str = ""
    code: str = ""
    title: str = ""
    parent: str = ""
    level: str = ""
    state: str = ""
    computed: str = ""
    override: str = ""
    override_reason: str = ""
    override_by: str = ""
    flags: str = ""
    because: str = ""
    evidence: str = ""
    inputs: str = ""
    scale: str = ""
    rule: str = ""
    rule_version: str = ""
    rule_plugin: str = ""
    decided_by: str = ""

    def row(self) -> tuple[str, ...]:
        """The flat table's cells in :data:`COLUMNS` order."""
        return tuple(getattr(self, name) for name in COLUMNS)


@dataclass(frozen=True)
class Event:
    """One recorded event: the ``position``-th of its ``stream`` (from 1), the ``seq``-th of the
    ledger's events, what happened (``kind``), who did it, when (UTC, ISO 8601), why, and its data."""

    seq: int
    stream: str
    position: int
    kind: str
    actor: str
    recorded_at: str
    reason: str
    data: dict[str, Any]


@dataclass(frozen=True)
class VerifyReport:
    """What ``ledger verify`` found: ``rows`` checked (runs, judgments, blobs and events);
    ``problem`` names the first that does not match (None: all do)."""

    rows: int
    problem: str | None = None
    runs: int = 0
    blobs: int = 0
    events: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None
