"""The ledger behind the same interface on SQLite and PostgreSQL (``ledger_url`` runs each test
against both): recording, idempotency, tamper evidence, parallel writers, a writer killed
mid-record, the newer-schema refusal; and what only PostgreSQL has (a URL, a login, psycopg)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stocktake.judgment.table import COLUMNS
from stocktake.ledger import LedgerError, RunRecord, StoredInput, open_ledger
from stocktake.ledger.hashing import sha256
from stocktake.ledger.store import PAUSE_HOOK

REPO = Path(__file__).resolve().parents[2]


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


def execute(url: str, statement: str, *params: object) -> None:
    """Run one statement on the ledger's database behind the ledger's back."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement.replace("?", "%s"), params)
    else:
        with sqlite3.connect(url) as connection:
            connection.execute(statement, params)


def test_recorded_runs_come_back_in_order(ledger_url):
    with open_ledger(ledger_url) as ledger:
        first, new = ledger.record(a_run(1))
        second, _ = ledger.record(a_run(2, judgments=2))
        assert new and (first.seq, second.seq) == (1, 2)
        assert [r.run_id for r in ledger.runs()] == [first.run_id, second.run_id]
        assert ledger.blob(first.inputs[0]["sha256"]) == b"review 1\n"
        assert ledger.blob(second.result_sha256) == b'{"result": 2}\n'
        assert [e.because for e in ledger.entries(run_id=second.run_id)] == ["run 2, judgment 1", "run 2, judgment 2"]
        assert [e.seq for e in ledger.history("component:1")] == [2]  # one date: the later run's judgment
        assert ledger.run(first.run_id[:6]) == first
        assert ledger.verify().ok


def test_recording_the_same_run_again_changes_nothing(ledger_url):
    with open_ledger(ledger_url) as ledger:
        info, new = ledger.record(a_run(1))
        again, new_again = ledger.record(a_run(1))
        assert new and not new_again and again == info
        assert len(ledger.runs()) == 1 and len(ledger.entries()) == 3


def test_an_edited_judgment_is_named_by_verify(ledger_url):
    with open_ledger(ledger_url) as ledger:
        info, _ = ledger.record(a_run(1))
        ledger.record(a_run(2))
    execute(ledger_url, 'UPDATE entries SET "level" = ? WHERE seq = 1 AND position = 2', "green")
    with open_ledger(ledger_url) as ledger:
        report = ledger.verify()
    assert report.problem == (f"run 1 ({info.run_id[:16]}), judgment component:2 (row 2): its content does "
                              "not match its hash")


def test_a_replaced_blob_is_named_by_verify(ledger_url):
    with open_ledger(ledger_url) as ledger:
        info, _ = ledger.record(a_run(1))
    digest = info.inputs[0]["sha256"]
    execute(ledger_url, "UPDATE blobs SET data = ? WHERE sha256 = ?", zlib.compress(b"review 666\n"), digest)
    with open_ledger(ledger_url) as ledger:
        assert ledger.verify().problem == f"content {digest[:16]}: its bytes do not match its sha256"


def test_a_ledger_from_a_newer_schema_is_refused(ledger_url):
    open_ledger(ledger_url).close()
    execute(ledger_url, "UPDATE meta SET value = ? WHERE key = ?", "99", "schema_version")
    with pytest.raises(LedgerError, match=r"written by a newer Stocktake \(schema 99; this one reads up to 2\)"):
        open_ledger(ledger_url)


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[3])
    from test_postgres_ledger import a_run
    from stocktake.ledger import open_ledger
    url, first = sys.argv[1], int(sys.argv[2])
    with open_ledger(url) as ledger:
        for n in range(first, first + 10):
            ledger.record(a_run(n))
""")


def test_parallel_writers_lose_nothing_and_keep_one_chain(ledger_url):
    here = str(Path(__file__).parent)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, ledger_url, str(first), here])
               for first in (0, 100, 200, 300)]  # all four also race to create the ledger
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0, 0]
    with open_ledger(ledger_url) as ledger:
        runs = ledger.runs()
        assert [r.seq for r in runs] == list(range(1, 41))
        assert len({r.run_id for r in runs}) == 40 and len(ledger.entries()) == 120
        assert ledger.verify().ok


KILLED = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from test_postgres_ledger import a_run
    from stocktake.ledger import open_ledger
    with open_ledger(sys.argv[1]) as ledger:
        ledger.record(a_run(2))
""")


def test_a_writer_killed_mid_record_leaves_the_ledger_as_it_was(ledger_url, tmp_path):
    with open_ledger(ledger_url) as ledger:
        before, _ = ledger.record(a_run(1))
    marker = tmp_path / "paused"
    writer = subprocess.Popen([sys.executable, "-c", KILLED, ledger_url, str(Path(__file__).parent)],
                              env={**os.environ, PAUSE_HOOK: str(marker)})
    for _ in range(600):
        if marker.exists() or writer.poll() is not None:
            break
        time.sleep(0.1)
    assert marker.exists(), "the writer never reached the middle of recording"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    with open_ledger(ledger_url) as ledger:
        assert ledger.runs() == [before] and len(ledger.entries()) == 3 and ledger.verify().ok
        after, new = ledger.record(a_run(2))  # the lock went with the killed writer's transaction
        assert new and after.seq == 2 and ledger.verify().ok


# -- PostgreSQL only ---------------------------------------------------------------------------

def test_a_database_with_other_tables_is_not_a_ledger(postgres_url):
    execute(postgres_url, "CREATE TABLE accounts (id BIGINT)")
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

def test_the_demo_recorded_verified_replayed_and_tampered_from_the_command_line(ledger_url, run, tmp_path):
    import shutil

    example = tmp_path / "northshire"
    shutil.copytree(REPO / "examples" / "northshire", example)
    review = run("--ledger", ledger_url, "--as", "ci", "review", str(example / "capacity-review-2026.yaml"),
                 "-o", str(tmp_path / "review.json"))
    judge = run("--ledger", ledger_url, "--as", "ci", "judge", str(example / "assessment-2026-h2.yaml"),
                "-o", str(tmp_path / "assessment.json"))
    assert (review.exit_code, judge.exit_code) == (0, 0), review.stderr + judge.stderr
    again = run("--ledger", ledger_url, "review", str(example / "capacity-review-2026.yaml"),
                "-o", str(tmp_path / "again.json"))
    assert again.exit_code == 0 and "already recorded as run" in again.stderr
    with open_ledger(ledger_url) as ledger:
        first, second = ledger.runs()
    assert (first.command, second.command, first.actor) == ("review", "judge", "ci")
    verified = run("--ledger", ledger_url, "ledger", "verify")
    assert verified.exit_code == 0 and "the hash chain is intact" in verified.stdout
    replayed = run("--ledger", ledger_url, "ledger", "replay", second.run_id[:8])
    assert replayed.exit_code == 0 and replayed.stdout.startswith(f"run {second.short_id}: ")
    assert "bytes identical" in replayed.stdout

    execute(ledger_url, 'UPDATE entries SET "because" = ? WHERE seq = 2 AND position = 1', "it was fine")
    tampered = run("--ledger", ledger_url, "ledger", "verify")
    assert tampered.exit_code == 2
    assert f"run 2 ({second.short_id}), judgment " in tampered.stderr
    assert "its content does not match its hash" in tampered.stderr


def test_without_psycopg_the_command_exits_2_naming_the_extra(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "stocktake.ledger.postgres", raising=False)
    result = run("--ledger", "postgresql://me:pw@db.example/ledger", "ledger", "runs")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "postgresql://me@db.example/ledger: a PostgreSQL ledger needs the optional extra: " \
           "pip install 'stocktake[postgres]'" in result.stderr
    assert "pw" not in result.stderr.replace("stocktake[postgres]", "")
