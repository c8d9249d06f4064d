"""Fixtures of the ledger's tests. Every test takes its ledger from ``ledger_url`` (a SQLite file
in ``tmp_path`` here), so another backend runs the same tests by parametrizing that fixture;
``execute_sql`` edits a ledger behind its back, as an attacker or a failing disk would."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "northshire"


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    """Where the test's ledger lives: a new SQLite file."""
    return str(tmp_path / "ledger.sqlite")


@pytest.fixture
def execute_sql(ledger_url: str) -> Callable[..., list[Any]]:
    """``execute_sql(statement, params)`` on the ledger's database directly (committed); the rows it returns."""
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
