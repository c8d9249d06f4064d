"""A bounded load test over loopback: 16 reviewers' clients at once save a few thousand ratings
through the JSON API of a real server process; it stops by itself (a number of writes per client
and a deadline), and then every acknowledged rating is an event in the ledger, none lost.

Prints the throughput and the p99 latency (no timed assertion: the machine is shared); README's
"Serving over HTTP" quotes them. ``python -m benchmarks.serve_ratings`` runs the same load alone.
"""

from __future__ import annotations

import serving
import team

from benchmarks.serve_ratings import components, drive, reviewers

CLIENTS, WRITES = 16, 150


def test_concurrent_rating_writes_lose_nothing(tmp_path, capsys):
    ledger = tmp_path / "ledger.sqlite"
    crew = reviewers(CLIENTS)
    tokens = team.make_tokens(ledger, "load", crew)
    server = serving.Server.start(tmp_path, ledger=ledger)
    try:
        team.start_review(server, tokens["maria"], "load", crew)
        result = drive(server.url, "load", {r["id"]: tokens[r["id"]] for r in crew}, components(),
                       writes=WRITES, deadline_s=300)
    finally:
        server.stop()
    with capsys.disabled():
        print(f"\nload: {CLIENTS} clients x {WRITES} rating writes over loopback: {result.summary()}")
    assert not result.failures, result.failures[:5]
    assert len(result.acks) == CLIENTS * WRITES
    recorded = {(e.data["reviewer"], e.data["component"], e.data["level"], e.data["rationale"])
                for e in team.rated_events(ledger, "load")}
    lost = [a for a in result.acks if (a.reviewer, a.component, a.level, a.rationale) not in recorded]
    assert not lost, lost[:5]
