"""Ledgers to test against: SQLite (a file in the test's directory) and PostgreSQL (a database of
its own on a throw-away server, see tests/postgres.py). A test that takes ``ledger_url`` runs once
per backend; the PostgreSQL run skips, saying why, where no server can be had."""

from __future__ import annotations

import pytest
from postgres import postgres_server, postgres_url

__all__ = ["ledger_url", "postgres_server", "postgres_url"]


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A ledger that does not exist yet: a SQLite path, then an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return str(request.getfixturevalue("postgres_url"))
