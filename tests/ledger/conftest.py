"""Ledgers to test against: SQLite (a file in the test's directory) and PostgreSQL (a database of
its own on a throw-away server, see tests/postgres.py). A test that takes ``ledger_url`` runs once
per backend; the PostgreSQL run skips, saying why, where no server can be had."""

from __future__ import annotations

import os
from collections.abc import Iterator

import postgres
import pytest


def _psycopg_missing() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'stocktake[postgres]'; make test installs it)"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server whose user may create databases, for this whole session:
    ``STOCKTAKE_TEST_POSTGRES`` if set, else a throw-away cluster started here and stopped at the
    end. Skips, with the reason, where neither can be had."""
    reason = _psycopg_missing()
    if reason:
        pytest.skip(reason)
    given = os.environ.get(postgres.ENVIRONMENT)
    if given:
        yield given
        return
    reason = postgres.unavailable()
    if reason:
        pytest.skip(f"no PostgreSQL server: {reason}")
    cluster = postgres.Cluster()
    try:
        cluster.start()
    except (postgres.ClusterError, OSError, TimeoutError) as error:
        cluster.stop()
        pytest.skip(f"PostgreSQL could not be started here: {error}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the session's server, named after the test."""
    return postgres.create_database(postgres_server, postgres.database_name(request.node.name))


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A ledger that does not exist yet: a SQLite path, then an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return str(request.getfixturevalue("postgres_url"))
