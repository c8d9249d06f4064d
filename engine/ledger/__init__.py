"""The history ledger: every run's inputs, rules and judgments, kept in a database, chained by
hash so an edit shows, each run re-derivable from what it stored.

``open_ledger("history.sqlite")`` (or ``"sqlite:///history.sqlite"``) opens a SQLite ledger,
``open_ledger("postgresql://...")`` a PostgreSQL one (the optional extra ``stocktake[postgres]``);
either is created and migrated to this engine's schema on first use. The ledger sits above the
capabilities, beside the report; neither imports the other.
"""

from __future__ import annotations

from stocktake.ledger.model import Entry, Event, RunInfo, RunRecord, StoredInput, VerifyReport
from stocktake.ledger.sql import SCHEMA_VERSION
from stocktake.ledger.store import EventConflict, Ledger, LedgerError

__all__ = ["SCHEMA_VERSION", "Entry", "Event", "EventConflict", "Ledger", "LedgerError", "RunInfo", "RunRecord",
           "StoredInput", "VerifyReport", "describe", "open_ledger"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_ledger(target: str, *, create: bool = True) -> Ledger:
    """The ledger named by ``target``: a path or ``sqlite:///path`` (SQLite), or a
    ``postgresql://`` URL. Created on first use unless ``create`` is false (reading commands).

    :raises LedgerError: not a database, not a ledger, written by a newer schema, or absent with
        ``create`` false: one line naming the ledger.
    """
    if target.startswith(POSTGRES_SCHEMES):
        import importlib

        try:  # the backend imports psycopg, the optional extra
            backend = importlib.import_module("stocktake.ledger.postgres")
        except ImportError as err:
            raise LedgerError(f"{describe(target)}: a PostgreSQL ledger needs the optional extra: "
                              f"pip install 'stocktake[postgres]' ({err})") from None
        opened: Ledger = backend.open_postgres(target, create=create)
        return opened
    from stocktake.ledger.sqlite import open_sqlite

    path = target.removeprefix("sqlite://") if target.startswith("sqlite:///") else target
    return open_sqlite(path, create=create, name=target)


def describe(target: str) -> str:
    """``target`` as messages show it: a URL without its password (in the user part or as a
    ``password=`` parameter)."""
    if target.startswith(POSTGRES_SCHEMES):
        from stocktake.ledger.postgres import redacted

        return redacted(target)
    return target
