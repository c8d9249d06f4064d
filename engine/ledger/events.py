"""Events: small facts appended to named streams (a review's ``review:<id>``, the ``tokens``),
each the next position of its stream and the next link of the events' own hash chain.

An event is written in one transaction holding the ledger's write lock, after checking that its
stream still ends where the writer last saw it (optimistic concurrency: a writer that decided on
an old state gets :class:`EventConflict` and nothing is written), and acknowledged only after
the commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from stocktake.ledger.hashing import GENESIS, chained
from stocktake.ledger.model import Event
from stocktake.ledger.sql import EVENT_COLUMNS, Statements

__all__ = ["EVENT_PAUSE_HOOK", "end_of", "event_of", "like_prefix", "write_event"]

EVENT_PAUSE_HOOK = "STOCKTAKE_TEST_PAUSE_IN_EVENT"
"""Test-only: when set to a path, appending an event writes that file inside its transaction
(after the event's row, before the commit) and waits there, so a test can kill the process."""


def end_of(cur: Any, sql: Statements, stream: str) -> int:
    """The last position of ``stream`` (0: no event yet), read inside the write transaction."""
    cur.execute(sql.last_position, (stream,))
    found = cur.fetchone()
    return int(found[0]) if found is not None and found[0] is not None else 0


def write_event(cur: Any, sql: Statements, stream: str, position: int, kind: str, *, actor: str, reason: str,
                data: str) -> Event:
    """Insert the event at ``position`` of ``stream`` (``data``: its canonical JSON) on ``cur``,
    inside a write transaction, as the next link of the events' chain; return it."""
    cur.execute(sql.last_event)
    last = cur.fetchone()
    seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, last[1])
    recorded_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = [seq, stream, position, kind, actor, recorded_at, reason, data]
    cur.execute(sql.insert_event, (*values, prev, chained(prev, EVENT_COLUMNS, values)))
    return Event(seq, stream, position, kind, actor, recorded_at, reason, json.loads(data))


def event_of(row: Sequence[Any]) -> Event:
    """The event a row of ``events`` holds."""
    cells = dict(zip(EVENT_COLUMNS, row, strict=False))
    return Event(seq=int(cells["seq"]), stream=cells["stream"], position=int(cells["position"]),
                 kind=cells["kind"], actor=cells["actor"], recorded_at=cells["recorded_at"],
                 reason=cells["reason"], data=json.loads(cells["data"]))


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (escape character ``!``) matching what begins with ``prefix``."""
    return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
