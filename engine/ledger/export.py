"""``ledger export``: the ledger's runs and judgments out again, for a spreadsheet or a BI tool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

from stocktake.judgment.table import COLUMNS
from stocktake.ledger.model import ENTRY_EXTRA
from stocktake.ledger.store import Ledger

__all__ = ["EXPORT_COLUMNS", "export_jsonl", "export_rows"]

EXPORT_COLUMNS = (*COLUMNS, *ENTRY_EXTRA)
"""The CSV's columns: the flat table's, then run_id, seq, system, period, date."""


def export_jsonl(ledger: Ledger) -> Iterator[str]:
    """One JSON line per run (``"record": "run"``), each followed by its judgments (``"record":
    "judgment"``, the flat table's columns and the extra ones), in seq order; then one per event
    (``"record": "event"``), in seq order."""
    by_run: dict[str, list[dict[str, object]]] = {}
    for entry in ledger.entries():
        cells = asdict(entry)
        by_run.setdefault(entry.run_id, []).append({c: cells[c] for c in EXPORT_COLUMNS})
    for run in ledger.runs():
        yield json.dumps({"record": "run", **asdict(run)}, ensure_ascii=False) + "\n"
        for judgment in by_run.get(run.run_id, []):
            yield json.dumps({"record": "judgment", **judgment}, ensure_ascii=False) + "\n"
    for event in ledger.events():
        yield json.dumps({"record": "event", **asdict(event)}, ensure_ascii=False) + "\n"


def export_rows(ledger: Ledger) -> list[tuple[str, ...]]:
    """Every judgment as a row of :data:`EXPORT_COLUMNS`, in seq order (empty cells as "")."""
    return [(*entry.row(), entry.run_id, str(entry.seq), entry.system or "", entry.period or "", entry.date or "")
            for entry in ledger.entries()]
