"""Every SQL statement the ledger runs, in one place, and the small seam where databases differ.

A :class:`Dialect` says how one database writes a placeholder, takes the write lock, names a blob
column and an integer column, and lists its tables; the statements below are written once against it in the SQL both
SQLite (3.24+) and PostgreSQL accept (``INSERT ... ON CONFLICT DO NOTHING`` is the upsert).
Identifiers are double-quoted, so column names such as ``level``, ``rule`` and ``date`` mean
the same everywhere. A backend is a :class:`Dialect` and a DB-API connection.
"""

from __future__ import annotations

from typing import Any

from stocktake.judgment.table import COLUMNS

__all__ = ["ENTRY_COLUMNS", "EVENT_COLUMNS", "MIGRATIONS", "RUN_COLUMNS", "SCHEMA_VERSION", "Dialect",
           "Statements"]

RUN_COLUMNS = ("seq", "run_id", "command", "options", "engine_version", "plugins", "rules", "actor",
               "recorded_at", "result_kind", "result_sha256", "inputs", "date", "period", "system", "entries")
"""A run row's content columns (each hashed), in order; ``prev_hash`` and ``row_hash`` follow."""

ENTRY_COLUMNS = ("seq", "position", "run_id", *COLUMNS, "system", "period", "date")
"""A judgment row's content columns (each hashed), in order: the run's seq, the judgment's place
in the run, then the flat table's columns and where/when."""

EVENT_COLUMNS = ("seq", "stream", "position", "kind", "actor", "recorded_at", "reason", "data")
"""An event row's content columns (each hashed; ``data`` as its canonical JSON text), in order;
``prev_hash`` and ``row_hash`` follow. Events have a hash chain of their own, in seq order."""

_FLAT_COLUMNS_V1 = ("subject", "aspect", "code", "title", "parent", "level", "state", "computed", "override",
                    "override_reason", "override_by", "flags", "because", "evidence", "inputs", "scale", "rule",
                    "rule_version", "rule_plugin", "decided_by")
"""The flat table as schema 1 stores it. The table only ever grows at the end; a new column
needs a migration adding it here (a test holds the two equal)."""


def q(name: str) -> str:
    """An identifier, quoted."""
    return f'"{name}"'


class Dialect:
    """How one database differs; the defaults are SQLite's."""

    name = "sqlite"
    placeholder = "?"
    blob_type = "BLOB"
    int_type = "INTEGER"
    has_meta = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    """A row if the database has the table ``meta``."""
    any_table = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 1"
    """The name of a table, if the database has any (to tell an empty database from another's)."""

    def begin_write(self, cursor: Any) -> None:
        """Begin a transaction holding the ledger's write lock, so seq and the hash chain stay
        one line under parallel writers."""
        cursor.execute("BEGIN IMMEDIATE")

    def begin_read(self, cursor: Any) -> None:
        """Begin a transaction that reads one consistent state (verify, export)."""
        cursor.execute("BEGIN")


def _create_v1(d: Dialect) -> list[str]:
    text = ", ".join(f"{q(c)} TEXT NOT NULL" for c in _FLAT_COLUMNS_V1)
    return [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size {d.int_type} NOT NULL, data {d.blob_type} NOT NULL)",
        f"""CREATE TABLE runs (seq {d.int_type} PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, command TEXT NOT NULL,
            options TEXT NOT NULL, engine_version TEXT NOT NULL, plugins TEXT NOT NULL, rules TEXT NOT NULL,
            actor TEXT NOT NULL, recorded_at TEXT NOT NULL, result_kind TEXT NOT NULL,
            result_sha256 TEXT NOT NULL, inputs TEXT NOT NULL, {q("date")} TEXT, period TEXT, system TEXT,
            entries {d.int_type} NOT NULL, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL)""",
        f"""CREATE TABLE entries (seq {d.int_type} NOT NULL, position {d.int_type} NOT NULL, run_id TEXT NOT NULL,
            {text}, system TEXT, period TEXT, {q("date")} TEXT, prev_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL, PRIMARY KEY (seq, position))""",
    ]


def _indexes_v2(d: Dialect) -> list[str]:
    return [
        f"CREATE INDEX entries_by_subject ON entries ({q('subject')}, {q('date')}, seq)",
        f"CREATE INDEX runs_by_kind ON runs (result_kind, {q('date')}, seq)",
    ]


def _events_v3(d: Dialect) -> list[str]:
    return [
        f"""CREATE TABLE events (seq {d.int_type} PRIMARY KEY, stream TEXT NOT NULL, position {d.int_type} NOT NULL,
            kind TEXT NOT NULL, actor TEXT NOT NULL, recorded_at TEXT NOT NULL, reason TEXT NOT NULL,
            data TEXT NOT NULL, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL, UNIQUE (stream, position))""",
    ]


MIGRATIONS = [_create_v1, _indexes_v2, _events_v3]
"""Step n (1-based) takes a ledger from schema n-1 to n; each is a function of the dialect giving
its statements. Steps are only ever appended; one that shipped is never changed."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The newest schema this engine writes and reads."""


class Statements:
    """The ledger's statements for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        p = dialect.placeholder
        self.dialect = dialect

        def marks(n: int) -> str:
            return ", ".join([p] * n)

        run_cols = ", ".join(q(c) for c in (*RUN_COLUMNS, "prev_hash", "row_hash"))
        entry_cols = ", ".join(q(c) for c in (*ENTRY_COLUMNS, "prev_hash", "row_hash"))
        self.run_select = f"SELECT {run_cols} FROM runs"
        self.entry_select = f"SELECT {entry_cols} FROM entries"
        self.has_meta = dialect.has_meta
        self.any_table = dialect.any_table
        self.get_meta = f"SELECT value FROM meta WHERE key = {p}"
        self.set_meta = (f"INSERT INTO meta (key, value) VALUES ({p}, {p}) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        self.put_blob = f"INSERT INTO blobs (sha256, size, data) VALUES ({marks(3)}) ON CONFLICT (sha256) DO NOTHING"
        self.get_blob = f"SELECT data FROM blobs WHERE sha256 = {p}"
        self.all_blobs = "SELECT sha256, data FROM blobs ORDER BY sha256"
        self.blob_names = "SELECT sha256 FROM blobs"
        self.run_by_id = f"SELECT seq FROM runs WHERE run_id = {p}"
        self.runs_by_prefix = f"{self.run_select} WHERE run_id LIKE {p} ORDER BY seq"
        self.runs_all = f"{self.run_select} ORDER BY seq"
        self.runs_of_command = f"{self.run_select} WHERE command = {p} ORDER BY seq"
        self.runs_of_kind = f"{self.run_select} WHERE result_kind = {p} AND {q('date')} < {p} ORDER BY seq"
        self.last_run = "SELECT seq, row_hash, entries FROM runs ORDER BY seq DESC LIMIT 1"
        self.last_entry = f"SELECT row_hash FROM entries WHERE seq = {p} ORDER BY position DESC LIMIT 1"
        self.insert_run = f"INSERT INTO runs ({run_cols}) VALUES ({marks(len(RUN_COLUMNS) + 2)})"
        self.insert_entry = f"INSERT INTO entries ({entry_cols}) VALUES ({marks(len(ENTRY_COLUMNS) + 2)})"
        self.entries_all = f"{self.entry_select} ORDER BY seq, position"
        self.entries_of_subject = f"{self.entry_select} WHERE {q('subject')} = {p} ORDER BY seq, position"
        self.entries_of_run = f"{self.entry_select} WHERE run_id = {p} ORDER BY seq, position"
        self.entries_of_both = (f"{self.entry_select} WHERE {q('subject')} = {p} AND run_id = {p} "
                                "ORDER BY seq, position")
        event_cols = ", ".join(q(c) for c in (*EVENT_COLUMNS, "prev_hash", "row_hash"))
        self.event_select = f"SELECT {event_cols} FROM events"
        self.insert_event = f"INSERT INTO events ({event_cols}) VALUES ({marks(len(EVENT_COLUMNS) + 2)})"
        self.last_event = "SELECT seq, row_hash FROM events ORDER BY seq DESC LIMIT 1"
        self.last_position = f"SELECT MAX(position) FROM events WHERE stream = {p}"
        self.events_all = f"{self.event_select} ORDER BY seq"
        self.events_of_stream = f"{self.event_select} WHERE stream = {p} AND position > {p} ORDER BY position"
        self.streams_by_prefix = f"SELECT DISTINCT stream FROM events WHERE stream LIKE {p} ESCAPE '!' ORDER BY stream"
