"""The ledger under parallel writers and a writer killed mid-record: nothing lost, nothing
half-written, the hash chain one line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from killing import kill_when_paused

from stocktake.ledger import SCHEMA_VERSION, open_ledger, sql, store
from stocktake.ledger.postgres import PostgresDialect
from stocktake.ledger.store import PAUSE_HOOK

WORKERS, RUNS_EACH = 4, 12

WORKER = textwrap.dedent("""
    import dataclasses, sys
    from stocktake.api import Engine
    from stocktake.ledger import open_ledger
    from stocktake.ledger.recording import run_record

    url, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = Engine()
    result = engine.chain("northshire/chains/reading.yaml")
    base = run_record(engine, "chain", {"path": "northshire/chains/reading.yaml"}, result.inputs, result, worker)
    for n in range(count):  # one connection per run, as separate commands would
        with open_ledger(url) as ledger:
            ledger.record(dataclasses.replace(base, options={**base.options, "n": f"{worker}-{n}"}))
        with open_ledger(url) as ledger:  # the same run again, perhaps while another records it: once
            ledger.record(dataclasses.replace(base, options={**base.options, "n": f"shared-{n}"}))
""")


def test_parallel_writers_lose_nothing_and_keep_one_chain(northshire, ledger_url):
    # no ledger yet: the workers race to create it too
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, ledger_url, f"w{i}", str(RUNS_EACH)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(WORKERS)]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()
    with open_ledger(ledger_url) as ledger:
        runs = ledger.runs()
        assert [r.seq for r in runs] == list(range(1, WORKERS * RUNS_EACH + RUNS_EACH + 1))
        assert sorted(r.options["n"] for r in runs) == sorted(
            [f"w{i}-{n}" for i in range(WORKERS) for n in range(RUNS_EACH)] + [f"shared-{n}" for n in range(RUNS_EACH)])
        assert len(ledger.entries()) == sum(r.entries for r in runs)
        assert ledger.verify().ok


def test_a_writer_killed_mid_record_leaves_the_ledger_as_it_was(northshire, ledger_url, tmp_path, run):
    assert run("--ledger", ledger_url, "chain", f"{northshire}/chains/reading.yaml", "-o", "c.json").exit_code == 0
    with open_ledger(ledger_url) as ledger:
        before = (ledger.runs(), ledger.entries())
    marker = tmp_path / "inside-the-transaction"
    writer = subprocess.Popen([sys.executable, "-m", "stocktake", "--ledger", ledger_url, "review",
                               f"{northshire}/capacity-review-2026.yaml", "-o", "r.json"],
                              env={**os.environ, PAUSE_HOOK: str(marker)}, stderr=subprocess.PIPE)
    kill_when_paused(writer, marker)  # until the writer holds the lock with its rows written (or has failed)
    with open_ledger(ledger_url) as ledger:
        assert (ledger.runs(), ledger.entries()) == before
        assert ledger.verify().ok
    # and the lock it held is gone: the same run records now
    again = run("--ledger", ledger_url, "review", f"{northshire}/capacity-review-2026.yaml", "-o", "r.json")
    assert again.exit_code == 0 and "recorded run" in again.stderr
    with open_ledger(ledger_url) as ledger:
        assert [r.seq for r in ledger.runs()] == [1, 2] and ledger.verify().ok



class _CreatedBetween:
    """A connection on which another process creates the ledger right after the first statement
    that asks the catalogue about tables: the moment the parallel writers race through."""

    def __init__(self, connection, create_elsewhere):
        self._connection, self._create_elsewhere = connection, create_elsewhere

    def cursor(self):
        return _CursorCreatingBetween(self._connection.cursor(), self)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class _CursorCreatingBetween:
    def __init__(self, cursor, owner):
        self._cursor, self._owner = cursor, owner

    def execute(self, statement, *args):
        result = self._cursor.execute(statement, *args)
        if self._owner._create_elsewhere is not None and statement in (sql.Dialect.any_table,
                                                                      sql.Dialect.has_meta,
                                                                      PostgresDialect.any_table,
                                                                      PostgresDialect.has_meta):
            create, self._owner._create_elsewhere = self._owner._create_elsewhere, None
            create()
        return result

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def test_a_ledger_created_by_another_between_two_looks_is_opened_not_refused(ledger_url, monkeypatch):
    opening = store.Ledger.__init__

    def create_elsewhere():
        monkeypatch.setattr(store.Ledger, "__init__", opening)
        with open_ledger(ledger_url):
            pass

    def open_while_another_creates(self, connection, *args, **kwargs):
        opening(self, _CreatedBetween(connection, create_elsewhere), *args, **kwargs)

    monkeypatch.setattr(store.Ledger, "__init__", open_while_another_creates)
    with open_ledger(ledger_url) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION and ledger.runs() == []
