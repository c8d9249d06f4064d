"""The SQLite backend: the standard library's ``sqlite3``, one file, WAL, ``synchronous=FULL``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from stocktake.ledger.sql import Dialect
from stocktake.ledger.store import Ledger, LedgerError

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteDialect", "open_sqlite"]

BUSY_TIMEOUT_MS = 60_000
"""How long a writer waits for another's write lock before giving up."""


class SQLiteDialect(Dialect):
    """SQLite: ``?`` placeholders, ``BEGIN IMMEDIATE`` takes the write lock (the defaults)."""


def open_sqlite(path: str, *, create: bool = True, name: str | None = None) -> Ledger:
    """The ledger in the SQLite file ``path``, created (with its schema) if ``create`` and absent."""
    shown = name or path
    file = Path(path)
    if file.is_dir():
        raise LedgerError(f"{shown}: a directory, not a ledger file: name a file (it is created on first use)")
    if not file.exists():
        if not create:
            raise LedgerError(f"{shown}: no ledger there (one is created by the first review, judge, chain or "
                              "report run with --ledger)")
        if not file.parent.is_dir():
            raise LedgerError(f"{shown}: its directory {str(file.parent)!r} does not exist: create it first")
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                     check_same_thread=False)
    except sqlite3.Error as err:
        raise LedgerError(f"{shown}: cannot be opened as a SQLite database ({err})") from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL").fetchone()
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as err:
        connection.close()
        raise LedgerError(f"{shown}: not a SQLite database ({err}): name a ledger, or a new file to create "
                          "one") from None
    try:
        return Ledger(connection, SQLiteDialect(), shown, (sqlite3.Error,), create=create)
    except BaseException:
        connection.close()
        raise
