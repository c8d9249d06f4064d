"""PostgreSQL behind the ledger's interface: its :class:`Dialect` and its connection.

The schema, the statements and the migrations are the ones SQLite runs (``stocktake.ledger.sql``),
with BYTEA for blobs and BIGINT for integers. Recording takes a transaction-scoped advisory lock
(``pg_advisory_xact_lock``) before it reads the chain's end, so parallel writers, on this machine
or another, queue behind one another and seq and the hash chain stay one line; the lock goes with
the transaction, so a writer killed mid-record holds nothing and leaves nothing. psycopg 3 is
imported here only, and only for a ``postgresql://`` ledger: the extra ``stocktake[postgres]``.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from stocktake.ledger.sql import Dialect
from stocktake.ledger.store import Ledger, LedgerError

__all__ = ["CONNECT_TIMEOUT", "LOCK_KEY", "PostgresDialect", "open_postgres", "redacted"]

LOCK_KEY = int.from_bytes(hashlib.sha256(b"stocktake.ledger").digest()[:8], "big", signed=True)
"""The advisory lock recording takes (PostgreSQL scopes advisory locks to the database)."""

CONNECT_TIMEOUT = 10
"""Seconds to wait for the server before saying it cannot be reached."""


def redacted(url: str) -> str:
    """``url`` without its password (in the user part or as a ``password=`` parameter), for messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                       if key != "password"])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class PostgresDialect(Dialect):
    """PostgreSQL: ``%s`` placeholders, BYTEA, BIGINT, an advisory lock for writing."""

    name = "postgresql"
    placeholder = "%s"
    blob_type = "BYTEA"
    int_type = "BIGINT"
    has_meta = ("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_name = 'meta'")
    any_table = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                 "ORDER BY table_name LIMIT 1")

    def begin_write(self, cursor: Any) -> None:
        cursor.execute("BEGIN")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))

    def begin_read(self, cursor: Any) -> None:
        # One snapshot for every statement of the transaction (READ COMMITTED takes one per statement).
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")


def open_postgres(url: str, *, create: bool = True) -> Ledger:
    """The ledger in the PostgreSQL database ``url`` names (the database must exist; the ledger's
    tables are created in its current schema if ``create`` and it has none). A missing psycopg, an
    unreachable server or a refused login is a :class:`LedgerError` of one line naming the URL
    without its password."""
    name = redacted(url)
    try:
        import psycopg
    except ImportError as err:
        raise LedgerError(f"{name}: a PostgreSQL ledger needs the optional extra: "
                          f"pip install 'stocktake[postgres]' ({err})") from None
    try:
        # Autocommit: the ledger begins and ends its own transactions, as with SQLite.
        connection = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                     application_name="stocktake")
    except (psycopg.Error, ValueError) as err:
        reason = " ".join(str(err).split())
        password = urlsplit(url).password
        if password:  # libpq does not echo it; a message is no place to find out otherwise
            reason = reason.replace(password, "***")
        raise LedgerError(f"{name}: cannot connect to the PostgreSQL ledger ({reason})") from None
    try:
        return Ledger(connection, PostgresDialect(), name, (psycopg.Error,), create=create)
    except BaseException:
        connection.close()
        raise
