"""The server killed with SIGKILL in the middle of concurrent rating saves: restarted on the same
ledger, every rating it acknowledged (2xx) is there, no event is half-written, and ``stocktake
ledger verify`` passes (each save is one transaction, committed before the answer); killed between
the events of one save (several ratings, and a submission), none of them is kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest
import serving
import team
from killing import kill_when_paused
from workflow_fixtures import MODERATOR, REVIEW, TEAM, service_on

from benchmarks.serve_ratings import LoadResult, components, drive, reviewers
from stocktake.ledger import open_ledger

CLIENTS = 8
KILL_AFTER = 150  # acknowledged writes before the kill: well inside the load


def test_sigkill_during_submissions_keeps_every_acknowledged_rating(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    crew = reviewers(CLIENTS)
    tokens = team.make_tokens(ledger, "kill", crew)
    server = serving.Server.start(tmp_path, ledger=ledger)
    team.start_review(server, tokens["maria"], "kill", crew)
    result, lock = LoadResult(), threading.Lock()

    def kill_mid_load() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with lock:
                if len(result.acks) >= KILL_AFTER:
                    break
            time.sleep(0.005)
        server.kill()

    killer = threading.Thread(target=kill_mid_load)
    killer.start()
    drive(server.url, "kill", {r["id"]: tokens[r["id"]] for r in crew}, components(), writes=100_000,
          deadline_s=150, result=result, lock=lock)
    killer.join()
    assert len(result.acks) >= KILL_AFTER
    assert result.failures, "the clients should have seen the server die mid-load"

    restarted = serving.Server.start(tmp_path, ledger=ledger)
    try:
        for r in crew[:2]:  # the restarted server serves the review, its ratings there
            response = restarted.request("GET", "/v1/reviews/kill", token=tokens[r["id"]])
            assert response.status == 200, response.body
    finally:
        restarted.stop()
    events = team.rated_events(ledger, "kill")
    for event in events:  # whole events only: every field of a rating, as written
        assert set(event.data) >= {"reviewer", "component", "level", "rationale", "evidence"}, event
        assert event.data["rationale"].startswith(event.data["reviewer"] + " write "), event
    recorded = {(e.data["reviewer"], e.data["component"], e.data["level"], e.data["rationale"]) for e in events}
    lost = [a for a in result.acks if (a.reviewer, a.component, a.level, a.rationale) not in recorded]
    assert not lost, lost[:5]
    verify = subprocess.run([sys.executable, "-m", "stocktake", "--ledger", str(ledger), "ledger", "verify"],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


ONE_SAVE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import stocktake.ledger.events as events
    from stocktake.api import Engine
    from stocktake.server.identity import Principal
    from stocktake.server.workflow.service import ReviewService

    ledger, marker, submit = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "submit"
    write, written = events.write_event, []

    def pausing(*args, **kwargs):  # the save's second event row written: wait here to be killed
        event = write(*args, **kwargs)
        written.append(event)
        if len(written) == 2:
            marker.write_text("paused")
            time.sleep(600)
        return event

    events.write_event = pausing
    service = ReviewService(ledger, Engine())
    du = Principal("du", "reviewer", review="north", reviewer="du")
    service.rate_many(du, "north", [{"component": c, "level": "AG"} for c in ("1A", "1B", "2A")],
                      **({"submit": True} if submit else {}))
""")


@pytest.mark.parametrize("submit", ["save", "submit"])
def test_sigkill_between_the_events_of_one_save_leaves_none_of_them(tmp_path, submit):
    service = service_on(tmp_path)
    service.create(MODERATOR, system="Northshire", rubric="delivery-capacity-review", date="2026-10-15",
                   reviewers=TEAM, review_id=REVIEW)
    before = service._ledger.events()
    service.close()
    marker = tmp_path / "paused"
    writer = subprocess.Popen([sys.executable, "-c", ONE_SAVE, str(tmp_path / "ledger.sqlite"), str(marker), submit],
                              stderr=subprocess.PIPE)
    kill_when_paused(writer, marker, wait_s=120)  # until the save has written two events' rows (or has failed)
    with open_ledger(str(tmp_path / "ledger.sqlite"), create=False) as ledger:
        assert ledger.events() == before and ledger.verify().ok  # the client had no answer: nothing of it kept
