"""The throw-away PostgreSQL server the ledger's tests run against (tests/postgres.py)."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import postgres
import pytest


def test_a_database_of_its_own_takes_a_table(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url) as connection:
        connection.execute("CREATE TABLE probe (id BIGINT PRIMARY KEY, data BYTEA NOT NULL)")
        connection.execute("INSERT INTO probe VALUES (1, %s)", (b"\x00\xff",))
        assert connection.execute("SELECT data FROM probe").fetchone() == (b"\x00\xff",)
        assert connection.execute("SELECT current_database()").fetchone()[0] == urlsplit(postgres_url).path[1:]


def test_each_test_gets_an_empty_database(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
    assert tables == (0,)


def test_the_server_wants_its_password(postgres_server):
    import psycopg

    parts = urlsplit(postgres_server)
    wrong = parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}").geturl()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)


def test_the_server_listens_on_loopback_only(postgres_server):
    import psycopg

    if postgres.ENVIRONMENT in os.environ:
        pytest.skip(f"{postgres.ENVIRONMENT} names a server of your own")
    with psycopg.connect(postgres_server) as connection:
        assert connection.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert connection.execute("SHOW unix_socket_directories").fetchone() == ("",)
    assert urlsplit(postgres_server).hostname == "127.0.0.1"
    with socket.create_connection(("127.0.0.1", urlsplit(postgres_server).port), timeout=10):
        pass


def test_stopping_removes_the_cluster():
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = postgres.Cluster().start()
    assert (cluster.data / "postmaster.pid").exists()
    cluster.stop()
    assert not cluster.base.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", cluster.port), timeout=5).close()


def test_the_skip_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(postgres, "bindir", lambda: None)
    assert "initdb, pg_ctl" in postgres.unavailable() and "Debian package postgresql" in postgres.unavailable()


def test_as_root_without_a_postgres_user_the_skip_says_so(monkeypatch):
    def no_such_user(name):
        raise KeyError(name)

    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres.pwd, "getpwnam", no_such_user)
    assert postgres.unavailable() == (
        "running as root, and PostgreSQL refuses root: there is no `postgres` user to run it as")
