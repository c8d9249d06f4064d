"""``ledger verify``: walk the hash chain (runs and their judgments in seq order), re-hash
every blob, walk the events' chain (in seq order, each stream's positions 1, 2, ... without a
gap); name the first row that does not match."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from stocktake.ledger.hashing import GENESIS, chained
from stocktake.ledger.model import VerifyReport
from stocktake.ledger.sql import ENTRY_COLUMNS, EVENT_COLUMNS, RUN_COLUMNS, Statements

__all__ = ["verify_rows"]

_SUBJECT = ENTRY_COLUMNS.index("subject")


def verify_rows(connection: Any, sql: Statements) -> VerifyReport:
    """Check every row of the ledger on ``connection`` (inside one read transaction)."""
    runs = connection.cursor()
    runs.execute(sql.runs_all)
    entries = connection.cursor()
    entries.execute(sql.entries_all)
    pending = entries.fetchone()
    prev, rows, wanted = GENESIS, 0, set()
    count = 0
    for run in runs.fetchall():
        values, (stored_prev, stored_hash) = list(run[:len(RUN_COLUMNS)]), run[len(RUN_COLUMNS):]
        seq, run_id = int(values[0]), values[1]
        where = f"run {seq} ({run_id[:16]})"
        problem = _link(where, prev, stored_prev, stored_hash, chained(stored_prev, RUN_COLUMNS, values))
        if problem:
            return VerifyReport(rows, problem, count)
        count, rows, prev = count + 1, rows + 1, stored_hash
        cells = dict(zip(RUN_COLUMNS, values, strict=True))
        wanted.add((cells["result_sha256"], f"{where}: its result"))
        try:
            for item in json.loads(cells["inputs"]):
                wanted.add((item["sha256"], f"{where}: its input {item['path']!r}"))
        except (ValueError, TypeError, KeyError):
            return VerifyReport(rows, f"{where}: its list of inputs is not readable", count)
        for position in range(1, int(cells["entries"]) + 1):
            if pending is None or int(pending[0]) != seq or int(pending[1]) != position:
                return VerifyReport(rows, f"{where}: judgment {position} of {cells['entries']} is missing", count)
            entry = list(pending[:len(ENTRY_COLUMNS)])
            e_prev, e_hash = pending[len(ENTRY_COLUMNS):]
            problem = _link(f"{where}, judgment {entry[_SUBJECT]} (row {position})", prev, e_prev, e_hash,
                            chained(e_prev, ENTRY_COLUMNS, entry))
            if problem:
                return VerifyReport(rows, problem, count)
            rows, prev = rows + 1, e_hash
            pending = entries.fetchone()
    if pending is not None:
        return VerifyReport(rows, f"judgment row {pending[1]} of run {pending[0]} belongs to no recorded run "
                                  "(a run row was removed)", count)
    blobs = connection.cursor()
    blobs.execute(sql.all_blobs)
    have: set[str] = set()
    for digest, data in blobs:
        try:
            content = zlib.decompress(bytes(data))
        except zlib.error:
            return VerifyReport(rows, f"content {digest[:16]}: damaged (it does not decompress)", count, len(have))
        if hashlib.sha256(content).hexdigest() != digest:
            return VerifyReport(rows, f"content {digest[:16]}: its bytes do not match its sha256", count, len(have))
        have.add(digest)
        rows += 1
    for digest, what in sorted(wanted, key=lambda w: w[1]):
        if digest not in have:
            return VerifyReport(rows, f"{what} ({digest[:16]}) is missing from the ledger", count, len(have))
    problem, events = _verify_events(connection, sql)
    return VerifyReport(rows + events, problem, count, len(have), events)


def _verify_events(connection: Any, sql: Statements) -> tuple[str | None, int]:
    """The first event that does not match (None: all do) and how many were checked."""
    cursor = connection.cursor()
    cursor.execute(sql.events_all)
    prev, count = GENESIS, 0
    positions: dict[str, int] = {}
    for row in cursor.fetchall():
        values, (stored_prev, stored_hash) = list(row[:len(EVENT_COLUMNS)]), row[len(EVENT_COLUMNS):]
        seq, stream, position = int(values[0]), values[1], int(values[2])
        where = f"event {seq} ({stream} #{position}, {values[3]})"
        problem = _link(where, prev, stored_prev, stored_hash, chained(stored_prev, EVENT_COLUMNS, values))
        if problem:
            return problem, count
        expected = positions.get(stream, 0) + 1
        if position != expected:
            return f"{where}: its stream's event {expected} is missing", count
        try:
            json.loads(values[7])
        except ValueError:
            return f"{where}: its data is not readable", count
        positions[stream], prev, count = position, stored_hash, count + 1
    return None, count


def _link(where: str, prev: str, stored_prev: str, stored_hash: str, computed: str) -> str | None:
    if stored_prev != prev:
        return f"{where}: its link to the row before does not match (a row before it was removed, added or edited)"
    if computed != stored_hash:
        return f"{where}: its content does not match its hash"
    return None
