"""Fixtures of the ledger's tests. Every test takes its ledger from ``ledger_url`` and runs once per
backend: SQLite (a new file in ``tmp_path``) and PostgreSQL (an empty database of its own on a
throw-away server, see tests/postgres.py; skipped, saying why, where no server can be had).
``execute_sql`` edits a ledger behind its back, as an attacker or a failing disk would."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from postgres import postgres_server, postgres_url

__all__ = ["execute_sql", "ledger_url", "northshire", "postgres_server", "postgres_url"]

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "northshire"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the test's ledger lives: a new SQLite file, then an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def execute_sql(ledger_url: str) -> Callable[..., list[Any]]:
    """``execute_sql(statement, params)`` on the ledger's database directly (committed); the rows it
    returns. Placeholders are written ``%s``."""
    if ledger_url.startswith("postgresql://"):
        import psycopg

        def execute_postgres(statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
            with psycopg.connect(ledger_url, autocommit=True) as connection:
                cursor = connection.execute(statement, params)
                return cursor.fetchall() if cursor.description else []

        return execute_postgres

    def execute(statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        connection = sqlite3.connect(ledger_url.removeprefix("sqlite://"))
        try:
            with connection:
                return connection.execute(statement.replace("%s", "?"), params).fetchall()
        finally:
            connection.close()

    return execute


@pytest.fixture
def northshire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled example copied to ``tmp_path/northshire``, the working directory ``tmp_path``
    (so the tests give paths as a user does: relative)."""
    shutil.copytree(EXAMPLE, tmp_path / "northshire")
    monkeypatch.chdir(tmp_path)
    return Path("northshire")
