"""The ledger over any database a :class:`~stocktake.ledger.sql.Dialect` describes: recording a
run in one locked transaction, and reading runs, judgments and blobs back."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from stocktake.core.errors import UsageError
from stocktake.judgment.table import COLUMNS
from stocktake.ledger.hashing import GENESIS, canonical, chained, run_id_of, sha256
from stocktake.ledger.model import Entry, Event, RunInfo, RunRecord, VerifyReport
from stocktake.ledger.sql import ENTRY_COLUMNS, MIGRATIONS, RUN_COLUMNS, SCHEMA_VERSION, Dialect, Statements

__all__ = ["KIND", "PAUSE_HOOK", "EventConflict", "Ledger", "LedgerError"]

KIND = "stocktake-ledger"
"""``meta.kind`` of every ledger: what tells a ledger from another database."""

PAUSE_HOOK = "STOCKTAKE_TEST_PAUSE_IN_RECORD"
"""Test-only: when set to a path, recording writes that file inside its transaction (after the
run's rows, before the commit) and waits there, so a test can kill the process mid-record."""


class LedgerError(UsageError):
    """The ledger cannot be used as asked (not a ledger, damaged, too new, unknown run): exit 2."""


class EventConflict(LedgerError):
    """Another writer appended to the event's stream first: nothing was written; read the stream
    again, decide again, retry."""


class Ledger:
    """A history ledger on one database connection (see :func:`stocktake.ledger.open_ledger`).

    ``name`` is how messages name it (the file, or the URL without its password); ``errors`` the
    backend's exception types, each reported as one :class:`LedgerError` line naming the ledger.
    """

    def __init__(self, connection: Any, dialect: Dialect, name: str, errors: tuple[type[BaseException], ...],
                 *, create: bool = True) -> None:
        self.name = name
        self._conn = connection
        self._dialect = dialect
        self._sql = Statements(dialect)
        self._errors = errors
        self.schema_version = self._open(create)

    # -- opening -------------------------------------------------------------------------------

    def _open(self, create: bool) -> int:
        """The schema version after creating (``create``) or migrating the ledger as needed."""
        with self._guard():
            version = self._known(self._version())
            if version is None and not create:
                raise LedgerError(f"{self.name}: no ledger there (one is created by the first review, judge, "
                                  "chain or report run with --ledger)")
            if version == SCHEMA_VERSION:
                return version
            cur = self._conn.cursor()
            self._dialect.begin_write(cur)
            try:
                version = self._known(self._version()) or 0  # again, under the lock: another may have migrated
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step](self._dialect):
                        cur.execute(statement)
                    cur.execute(self._sql.set_meta, ("schema_version", str(step + 1)))
                    if step == 0:
                        cur.execute(self._sql.set_meta, ("kind", KIND))
                cur.execute("COMMIT")
            except BaseException:
                self._rollback(cur)
                raise
            return SCHEMA_VERSION

    def _known(self, version: int | None) -> int | None:
        """``version``, unless it is newer than this engine reads."""
        if version is not None and version > SCHEMA_VERSION:
            raise LedgerError(f"{self.name}: written by a newer Stocktake (schema {version}; this one reads up "
                              f"to {SCHEMA_VERSION}): upgrade Stocktake to use this ledger")
        return version

    def _version(self) -> int | None:
        """The schema version, None for an empty database; refuses a database that is not a ledger."""
        cur = self._conn.cursor()
        # Any table first, then meta: a creator commits meta with its other tables, so a table seen
        # here and no meta after it is not a ledger being created by another process this moment.
        cur.execute(self._sql.any_table)
        found = cur.fetchone()
        cur.execute(self._sql.has_meta)
        if cur.fetchone() is None:
            if found is not None:
                raise LedgerError(f"{self.name}: a database, but not a Stocktake ledger (it has a table "
                                  f"{found[0]!r} and no ledger tables): name a ledger, or a new file to create one")
            return None
        cur.execute(self._sql.get_meta, ("kind",))
        kind = cur.fetchone()
        cur.execute(self._sql.get_meta, ("schema_version",))
        version = cur.fetchone()
        if kind is None or kind[0] != KIND or version is None or not str(version[0]).isdigit():
            raise LedgerError(f"{self.name}: a database, but not a Stocktake ledger (its meta table does not "
                              f"say kind {KIND!r} and a schema version): name a ledger, or a new file to create one")
        return int(version[0])

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._errors as err:
            raise LedgerError(f"{self.name}: cannot be read or written as a ledger ({_first_line(err)})") from None

    @staticmethod
    def _rollback(cur: Any) -> None:
        with suppress(Exception):  # the transaction is gone already (the database ended it)
            cur.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- recording -----------------------------------------------------------------------------

    def record(self, run: RunRecord) -> tuple[RunInfo, bool]:
        """Record ``run`` in one transaction holding the write lock: its blobs, its run row and a
        row per judgment, each chained to the row before. Returns (the run, True if newly
        recorded); a run already recorded (same :func:`~stocktake.ledger.hashing.run_id_of`)
        changes nothing."""
        run_id = run_id_of(run)
        with self._guard():
            cur = self._conn.cursor()
            self._dialect.begin_write(cur)
            try:
                cur.execute(self._sql.run_by_id, (run_id,))
                if cur.fetchone() is not None:
                    self._rollback(cur)
                    return self.run(run_id), False
                self._write(cur, run, run_id)
                _pause_if_asked(PAUSE_HOOK)
                cur.execute("COMMIT")
            except BaseException:
                self._rollback(cur)
                raise
        return self.run(run_id), True

    def _write(self, cur: Any, run: RunRecord, run_id: str) -> None:
        result_sha = sha256(run.result)
        blobs = {i.sha256: i.data for i in run.inputs}
        blobs[result_sha] = run.result
        for digest, data in blobs.items():
            cur.execute(self._sql.put_blob, (digest, len(data), zlib.compress(data, 6)))
        cur.execute(self._sql.last_run)
        last = cur.fetchone()
        seq, prev = 1, GENESIS
        if last is not None:
            seq, prev = int(last[0]) + 1, last[1]
            if int(last[2]):
                cur.execute(self._sql.last_entry, (last[0],))
                prev = cur.fetchone()[0]
        inputs = [{"path": i.path, "relative": i.relative, "sha256": i.sha256} for i in run.inputs]
        values = [seq, run_id, run.command, canonical(run.options), run.engine_version, canonical(run.plugins),
                  canonical(run.rules), run.actor, run.recorded_at, run.result_kind, result_sha, canonical(inputs),
                  run.date, run.period, run.system, len(run.entries)]
        run_hash = chained(prev, RUN_COLUMNS, values)
        cur.execute(self._sql.insert_run, (*values, prev, run_hash))
        prev = run_hash
        rows = []
        for position, entry in enumerate(run.entries, 1):
            cells = [seq, position, run_id, *(entry.get(c, "") for c in COLUMNS),
                     entry.get("system", run.system) or None, entry.get("period", run.period) or None,
                     entry.get("date", run.date) or None]
            row_hash = chained(prev, ENTRY_COLUMNS, cells)
            rows.append((*cells, prev, row_hash))
            prev = row_hash
        if rows:
            cur.executemany(self._sql.insert_entry, rows)

    def append_event(self, stream: str, kind: str, *, actor: str, reason: str = "", data: dict[str, Any],
                     expected_position: int | None) -> Event:
        """Append an event to ``stream`` in one transaction holding the write lock, and return it
        once committed (an acknowledged event survives the process killed). ``expected_position``
        is the stream's last position the caller saw (0: it saw it empty; None: do not check); if
        the stream has moved on, :class:`EventConflict` and nothing is written."""
        return self.append_events(stream, [(kind, data, reason)], actor=actor, expected_position=expected_position)[0]

    def append_events(self, stream: str, planned: Sequence[tuple[str, dict[str, Any], str]], *, actor: str,
                      expected_position: int | None) -> list[Event]:
        """Append ``planned`` events (each ``(kind, data, reason)``) to ``stream`` at the next
        positions, all in ONE transaction: every one committed, or (a conflict, an error, the
        process killed) none. ``expected_position`` is checked once, before the first; each event
        is its own link of the events' hash chain. Returns them once committed."""
        from stocktake.ledger.events import EVENT_PAUSE_HOOK, end_of, write_event

        texts = []
        for kind, data, _ in planned:
            if not stream or not kind:
                raise LedgerError("an event needs a stream and a kind")
            try:
                texts.append(canonical(data))
            except (TypeError, ValueError) as err:
                raise LedgerError(f"an event's data must be JSON ({err})") from None
        if not planned:
            return []
        with self._guard():
            cur = self._conn.cursor()
            self._dialect.begin_write(cur)
            try:
                position = end_of(cur, self._sql, stream)
                if expected_position is not None and expected_position != position:
                    raise EventConflict(f"the stream {stream!r} has moved on (at position {position}, not "
                                        f"{expected_position}): read it again and retry")
                written = []
                for (kind, _, reason), text in zip(planned, texts, strict=True):
                    position += 1
                    written.append(write_event(cur, self._sql, stream, position, kind, actor=actor, reason=reason,
                                               data=text))
                    _pause_if_asked(EVENT_PAUSE_HOOK)  # a test kills us here: after this row, before the next
                cur.execute("COMMIT")
            except BaseException:
                self._rollback(cur)
                raise
        return written

    # -- reading -------------------------------------------------------------------------------

    def events(self, stream: str | None = None, *, after_position: int = 0) -> list[Event]:
        """The events of ``stream`` after ``after_position``, in position order (no stream: every
        event, in seq order)."""
        from stocktake.ledger.events import event_of

        with self._guard():
            cur = self._conn.cursor()
            if stream is None:
                cur.execute(self._sql.events_all)
            else:
                cur.execute(self._sql.events_of_stream, (stream, after_position))
            return [event_of(row) for row in cur.fetchall()]

    def streams(self, prefix: str = "") -> list[str]:
        """The names of the event streams that begin with ``prefix``, sorted."""
        from stocktake.ledger.events import like_prefix

        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self._sql.streams_by_prefix, (like_prefix(prefix),))
            return [row[0] for row in cur.fetchall()]

    def runs(self, *, command: str | None = None) -> list[RunInfo]:
        """Every run (of ``command``), in seq order."""
        with self._guard():
            cur = self._conn.cursor()
            if command is None:
                cur.execute(self._sql.runs_all)
            else:
                cur.execute(self._sql.runs_of_command, (command,))
            return [_run_info(row) for row in cur.fetchall()]

    def run(self, run_id_or_prefix: str) -> RunInfo:
        """The run whose id is or begins with ``run_id_or_prefix`` (at least 4 hex digits)."""
        wanted = run_id_or_prefix.strip().lower()
        if len(wanted) < 4 or any(c not in "0123456789abcdef" for c in wanted):
            raise LedgerError(f"{run_id_or_prefix!r} is not a run id: give at least its first 4 hex digits "
                              "(stocktake ledger runs lists them)")
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self._sql.runs_by_prefix, (wanted + "%",))
            found = [_run_info(row) for row in cur.fetchall()]
        if not found:
            raise LedgerError(f"{self.name} has no run {run_id_or_prefix!r} (stocktake ledger runs lists them)")
        if len(found) > 1:
            raise LedgerError(f"{run_id_or_prefix!r} is the start of {len(found)} runs' ids "
                              f"({', '.join(r.short_id for r in found[:5])}): give more of it")
        return found[0]

    def blob(self, sha256: str) -> bytes:
        """The bytes of an input or a result, by their sha256."""
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self._sql.get_blob, (sha256,))
            row = cur.fetchone()
        if row is None:
            raise LedgerError(f"{self.name} holds no content with sha256 {sha256}")
        try:
            return zlib.decompress(bytes(row[0]))
        except zlib.error:
            raise LedgerError(f"{self.name}: the content {sha256[:16]} is damaged (it does not decompress); "
                              "stocktake ledger verify checks the whole ledger") from None

    def entries(self, *, subject: str | None = None, run_id: str | None = None) -> list[Entry]:
        """Recorded judgments (of ``subject``, of the run ``run_id``), in recording order."""
        with self._guard():
            cur = self._conn.cursor()
            if subject is not None and run_id is not None:
                cur.execute(self._sql.entries_of_both, (subject, run_id))
            elif subject is not None:
                cur.execute(self._sql.entries_of_subject, (subject,))
            elif run_id is not None:
                cur.execute(self._sql.entries_of_run, (run_id,))
            else:
                cur.execute(self._sql.entries_all)
            return [_entry(row) for row in cur.fetchall()]

    def history(self, subject: str) -> list[Entry]:
        """``subject``'s judgments over time, by date then seq. Where runs of one date judged the
        same aspect of it (the same review recorded again with another strategy, say), only the
        latest run's stands for that date."""
        latest: dict[tuple[str | None, str], int] = {}
        found = self.entries(subject=subject)
        for entry in found:
            key = (entry.date, entry.aspect)
            latest[key] = max(latest.get(key, 0), entry.seq)
        kept = [e for e in found if latest[(e.date, e.aspect)] == e.seq]
        return sorted(kept, key=lambda e: (e.date or "", e.seq))

    def latest(self, kind: str, *, before: dt.date, system: str | None = None) -> RunInfo | None:
        """The latest run whose result is of ``kind`` dated strictly before ``before`` (and of
        ``system``, compared as a review compares systems: case and outer spaces aside)."""
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self._sql.runs_of_kind, (kind, before.isoformat()))
            found = [_run_info(row) for row in cur.fetchall()]
        if system is not None:
            found = [r for r in found if (r.system or "").strip().casefold() == system.strip().casefold()]
        return max(found, key=lambda r: (r.date or "", r.seq), default=None)

    def verify(self) -> VerifyReport:
        """Walk the hash chain and re-hash every blob; the first row that does not match is named."""
        from stocktake.ledger.verify import verify_rows

        with self._guard():
            cur = self._conn.cursor()
            self._dialect.begin_read(cur)
            try:
                return verify_rows(self._conn, self._sql)
            finally:
                self._rollback(cur)


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _run_info(row: Sequence[Any]) -> RunInfo:
    cells = dict(zip(RUN_COLUMNS, row, strict=False))
    return RunInfo(run_id=cells["run_id"], seq=int(cells["seq"]), command=cells["command"],
                   options=json.loads(cells["options"]), actor=cells["actor"], recorded_at=cells["recorded_at"],
                   result_kind=cells["result_kind"], result_sha256=cells["result_sha256"], date=cells["date"],
                   period=cells["period"], system=cells["system"], inputs=json.loads(cells["inputs"]),
                   engine_version=cells["engine_version"], plugins=json.loads(cells["plugins"]),
                   rules=json.loads(cells["rules"]), entries=int(cells["entries"]))


def _entry(row: Sequence[Any]) -> Entry:
    cells = dict(zip(ENTRY_COLUMNS, row, strict=False))
    return Entry(run_id=cells["run_id"], seq=int(cells["seq"]), date=cells["date"], period=cells["period"],
                 system=cells["system"], **{c: cells[c] for c in COLUMNS})


def _pause_if_asked(hook: str) -> None:
    marker = os.environ.get(hook)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        for _ in range(600):  # a test kills us here; ten minutes at most otherwise
            time.sleep(1)
