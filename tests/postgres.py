"""A throw-away PostgreSQL server for the ledger's tests (Debian's binaries, nothing installed).

``Cluster.start()`` runs ``initdb`` into a new temporary directory and starts the server with
``pg_ctl`` on 127.0.0.1 and a free port (``listen_addresses`` is that address alone and no Unix
socket is made), with a random password for its one user, kept in a libpq password file; ``stop()`` stops it and removes the
directory. PostgreSQL refuses to run as root, so as root (CI) the binaries run as the ``postgres``
system user (``runuser``), which owns the directory. Durability is switched off (``fsync=off``):
the tests kill clients, never this server.

``STOCKTAKE_TEST_POSTGRES=postgresql://...`` names a server of your own instead (its user must be
allowed to create databases); each test gets a database of its own either way. The fixtures
``postgres_server`` and ``postgres_url`` (below) are imported by tests/ledger/conftest.py.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENVIRONMENT = "STOCKTAKE_TEST_POSTGRES"
USER = "stocktake"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
}


def bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, else the newest of
    Debian's ``/usr/lib/postgresql/N/bin``."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                             check=True, timeout=10).stdout.strip())
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(debian, key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit()
                         else 0, reverse=True)
    for candidate in candidates:
        path = Path(candidate)
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def _server_user() -> pwd.struct_passwd | None:
    """The account the server runs as: None for the current one, else ``postgres`` (as root)."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam("postgres")


def unavailable() -> str | None:
    """Why a throw-away server cannot be started here, or None if it can."""
    if bindir() is None:
        return ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed (Debian package "
                "postgresql; .ci/run installs it)")
    if os.geteuid() == 0:
        try:
            _server_user()
        except KeyError:
            return "running as root, and PostgreSQL refuses root: there is no `postgres` user to run it as"
        if shutil.which("runuser") is None:
            return "running as root, and PostgreSQL refuses root: `runuser` (util-linux) is missing"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ClusterError(RuntimeError):
    """The server could not be set up; the message carries the tool's output."""


class Cluster:
    """One throw-away server; ``url`` names its ``postgres`` database as its superuser. The URL
    carries no password (libpq finds it in ``passfile``), so it reads the same in every message."""

    def __init__(self) -> None:
        found = bindir()
        if found is None:
            raise ClusterError(unavailable() or "no PostgreSQL binaries")
        self.bin = found
        self.account = _server_user()
        self.base = Path(tempfile.mkdtemp(prefix="stocktake-pg-", dir=self._parent()))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.password = secrets.token_hex(16)
        self.passfile = self.base / "pgpass"
        """libpq's password file for this server: ``PGPASSFILE`` names it to whoever connects."""
        self.port = 0
        self.url = ""

    def _parent(self) -> str | None:
        """The temporary directory, unless the server's account could not reach into it (then /tmp)."""
        if self.account is None:
            return None
        parents = [Path(tempfile.gettempdir()).resolve(), *Path(tempfile.gettempdir()).resolve().parents]
        return None if all(path.stat().st_mode & 0o001 for path in parents) else "/tmp"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.account is not None:
            command = ["runuser", "-u", self.account.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.base)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{' '.join(args[:2])} failed ({done.returncode}): "
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}{log}")

    def start(self) -> Cluster:
        password_file = self.base / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        if self.account is not None:
            for path in (self.base, password_file):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        self._run("initdb", "--pgdata", str(self.data), "--username", USER, "--pwfile", str(password_file),
                  "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync")
        password_file.unlink()
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("".join(f"{name} = {value}\n" for name, value in SETTINGS.items()))
        for attempt in range(3):  # the free port may be taken between probing it and binding it
            self.port = _free_port()
            try:
                self._run("pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log), "--wait",
                          "--timeout", "60", "-o", f"-p {self.port}")
                break
            except ClusterError:
                if attempt == 2:
                    self.stop()
                    raise
        self.url = f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:{USER}:{self.password}\n", encoding="utf-8")
        self.passfile.chmod(0o600)
        return self

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and remove its directory."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(ClusterError):
                self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate", "--wait")
        shutil.rmtree(self.base, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server at ``server_url``; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(label: str) -> str:
    """A database name unique on the server, readable from the test that made it."""
    cleaned = "".join(character if character.isalnum() else "_" for character in label.lower())
    return f"t_{cleaned[:40]}_{secrets.token_hex(4)}"


def psycopg_missing() -> str | None:
    """Why psycopg cannot be imported here, or None if it can."""
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
    reason = psycopg_missing()
    if reason:
        pytest.skip(reason)
    given = os.environ.get(ENVIRONMENT)
    if given:
        yield given
        return
    reason = unavailable()
    if reason:
        pytest.skip(f"no PostgreSQL server: {reason}")
    cluster = Cluster()
    try:
        cluster.start()
    except (ClusterError, OSError, subprocess.SubprocessError) as error:
        cluster.stop()
        pytest.skip(f"PostgreSQL could not be started here: {error}")
    try:
        with pytest.MonkeyPatch.context() as environment:  # for this process and the writers it starts
            environment.setenv("PGPASSFILE", str(cluster.passfile))
            yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the session's server, named after the test."""
    return create_database(postgres_server, database_name(request.node.name))
