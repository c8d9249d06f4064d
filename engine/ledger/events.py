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

from stocktake.ledger.hashing import GENESIS, canonical, chained
from stocktake.ledger.model import Event
from stocktake.ledger.sql import EVENT_COLUMNS, Statements

__all__ = ["EVENT_PAUSE_HOOK", "event_of", "like_prefix", "write_event"]

EVENT_PAUSE_HOOK = "STOCKTAKE_TEST_PAUSE_IN_EVENT"
"""Test-only: when set to a path, appending an event writes that file inside its transaction
(after the event's row, before the commit) and waits there, so a test can kill the process."""


def write_event(cur: Any, sql: Statements, stream: str, kind: str, *, actor: str, reason: str,
                data: dict[str, Any], expected_position: int | None) -> Event:
    """Insert the event on ``cur`` (inside a write transaction) and return it; raises
    :class:`~stocktake.ledger.store.EventConflict` if ``stream`` no longer ends at
    ``expected_position``."""
    from stocktake.ledger.store import EventConflict, LedgerError

    if not stream or not kind:
        raise LedgerError("an event needs a stream and a kind")
    try:
        text = canonical(data)
    except (TypeError, ValueError) as err:
        raise LedgerError(f"an event's data must be JSON ({err})") from None
    cur.execute(sql.last_position, (stream,))
    found = cur.fetchone()
    position = int(found[0]) if found is not None and found[0] is not None else 0
    if expected_position is not None and expected_position != position:
        raise EventConflict(f"the stream {stream!r} has moved on (at position {position}, not "
                            f"{expected_position}): read it again and retry")
    cur.execute(sql.last_event)
    last = cur.fetchone()
    seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, last[1])
    recorded_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = [seq, stream, position + 1, kind, actor, recorded_at, reason, text]
    cur.execute(sql.insert_event, (*values, prev, chained(prev, EVENT_COLUMNS, values)))
    return Event(seq, stream, position + 1, kind, actor, recorded_at, reason, json.loads(text))


def event_of(row: Sequence[Any]) -> Event:
    """The event a row of ``events`` holds."""
    cells = dict(zip(EVENT_COLUMNS, row, strict=False))
    return Event(seq=int(cells["seq"]), stream=cells["stream"], position=int(cells["position"]),
                 kind=cells["kind"], actor=cells["actor"], recorded_at=cells["recorded_at"],
                 reason=cells["reason"], data=json.loads(cells["data"]))


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (escape character ``!``) matching what begins with ``prefix``."""
    return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
