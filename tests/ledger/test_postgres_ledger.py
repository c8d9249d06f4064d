"""What the PostgreSQL backend adds to the ledger's tests (which all run on both backends through
``ledger_url``): a stored file replaced behind verify's back, the database's own types, a database
that is not a ledger, a login refused or a server not there (one line, no password), psycopg
missing (the extra named, exit 2) and imported only for a PostgreSQL ledger."""

from __future__ import annotations

import subprocess
import sys
import zlib
from urllib.parse import urlsplit

import pytest

from stocktake.judgment.table import COLUMNS
from stocktake.ledger import LedgerError, RunRecord, StoredInput, open_ledger
from stocktake.ledger.hashing import sha256


def a_run(n: int, *, judgments: int = 3, date: str = "2026-06-30") -> RunRecord:
    """A small run whose content (and so whose id) depends on ``n``."""
    document = f"review {n}\n".encode()
    result = f'{{"result": {n}}}\n'.encode()
    entries = [{**dict.fromkeys(COLUMNS, ""), "subject": f"component:{k}", "aspect": "capacity",
                "level": "amber", "because": f"run {n}, judgment {k}"} for k in range(1, judgments + 1)]
    return RunRecord(command="review", options={"strategy": "median"},
                     inputs=[StoredInput("review.yaml", "review.yaml", sha256(document), document)],
                     result_kind="CapacityReviewResult", result=result, engine_version="0.test",
                     plugins=[], rules=[{"kind": "rubric", "id": "r", "version": "1", "sha256": "0" * 64}],
                     actor="tester", recorded_at="2026-12-02T10:00:00Z", entries=entries, date=date,
                     period=None, system="Northshire")


def test_a_replaced_blob_is_named_by_verify(ledger_url, execute_sql):
    with open_ledger(ledger_url) as ledger:
        info, _ = ledger.record(a_run(1))
    digest = info.inputs[0]["sha256"]
    execute_sql("UPDATE blobs SET data = %s WHERE sha256 = %s", (zlib.compress(b"review 666\n"), digest))
    with open_ledger(ledger_url) as ledger:
        assert ledger.verify().problem == f"content {digest[:16]}: its bytes do not match its sha256"


# -- PostgreSQL only ---------------------------------------------------------------------------

def test_a_database_with_other_tables_is_not_a_ledger(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE accounts (id BIGINT)")
    with pytest.raises(LedgerError, match=r"a database, but not a Stocktake ledger \(it has a table 'accounts'"):
        open_ledger(postgres_url)


def test_the_schema_is_postgresql_s_own_types(postgres_url):
    import psycopg

    open_ledger(postgres_url).close()
    with psycopg.connect(postgres_url) as connection:
        types = dict(connection.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()").fetchall())
    assert types["blobs.data"] == "bytea" and types["runs.seq"] == "bigint" and types["entries.level"] == "text"


def test_reading_an_empty_database_says_there_is_no_ledger(postgres_url):
    with pytest.raises(LedgerError, match="no ledger there"):
        open_ledger(postgres_url, create=False)


def test_a_refused_login_is_one_line_without_the_password(postgres_url):
    parts = urlsplit(postgres_url)
    wrong = parts._replace(netloc=f"{parts.username}:s3cr3t-wrong@{parts.hostname}:{parts.port}").geturl()
    with pytest.raises(LedgerError) as refused:
        open_ledger(wrong)
    message = str(refused.value)
    assert message.startswith(f"postgresql://{parts.username}@{parts.hostname}:{parts.port}{parts.path}: cannot "
                              "connect to the PostgreSQL ledger (")
    assert "password authentication failed" in message
    assert "s3cr3t" not in message and "\n" not in message


def test_an_unreachable_server_is_one_line_naming_it():
    with pytest.raises(LedgerError) as unreachable:
        open_ledger("postgresql://someone:hunter2@127.0.0.1:1/ledger?password=hunter2&sslmode=disable")
    message = str(unreachable.value)
    assert message.startswith("postgresql://someone@127.0.0.1:1/ledger?sslmode=disable: cannot connect")
    assert "hunter2" not in message and "\n" not in message


def test_without_psycopg_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    with pytest.raises(LedgerError, match=r"^postgresql://me@db/ledger: a PostgreSQL ledger needs the optional "
                                          r"extra: pip install 'stocktake\[postgres\]'"):
        open_ledger("postgresql://me:pw@db/ledger")


def test_psycopg_is_imported_only_for_a_postgresql_ledger(tmp_path):
    script = ("import sys; from stocktake.ledger import open_ledger; "
              f"open_ledger({str(tmp_path / 'l.sqlite')!r}).close(); print('psycopg' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- through the command line, on both backends --------------------------------------------------

def test_without_psycopg_the_command_exits_2_naming_the_extra(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "stocktake.ledger.postgres", raising=False)
    result = run("--ledger", "postgresql://me:pw@db.example/ledger", "ledger", "runs")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "postgresql://me@db.example/ledger: a PostgreSQL ledger needs the optional extra: " \
           "pip install 'stocktake[postgres]'" in result.stderr
    assert "pw" not in result.stderr.replace("stocktake[postgres]", "")
