"""The ledger's events: appended to a stream at the position the writer saw or refused with nothing
written, read back in order, hash-chained (``ledger verify`` names an edited or removed one), and a
writer killed before its commit leaves no half event. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from killing import kill_when_paused

from stocktake.ledger import EventConflict, LedgerError, open_ledger
from stocktake.ledger.events import EVENT_PAUSE_HOOK


def append_three(ledger):
    first = ledger.append_event("review:a", "created", actor="mo", data={"title": "Reading"}, expected_position=0)
    second = ledger.append_event("review:a", "rated", actor="ann", data={"level": "AG", "n": 1},
                                 expected_position=1)
    other = ledger.append_event("tokens", "token-created", actor="admin", reason="setup", data={"role": "viewer"},
                                expected_position=0)
    return first, second, other


def test_events_are_appended_and_read_back_in_order(ledger_url):
    with open_ledger(ledger_url) as ledger:
        first, second, other = append_three(ledger)
        assert (first.seq, first.position, second.seq, second.position, other.seq, other.position) == (
            1, 1, 2, 2, 3, 1)
        assert other.reason == "setup" and other.actor == "admin" and other.recorded_at.endswith("Z")
    with open_ledger(ledger_url) as ledger:  # as another process would read them
        assert ledger.events("review:a") == [first, second]
        assert ledger.events("review:a", after_position=1) == [second]
        assert ledger.events() == [first, second, other]
        assert ledger.events("review:b") == []
        assert ledger.streams("review:") == ["review:a"]
        assert ledger.streams() == ["review:a", "tokens"]
        assert ledger.streams("review_") == []  # the prefix is a prefix, not a LIKE pattern
        assert ledger.verify().ok and ledger.verify().events == 3


def test_a_writer_that_saw_an_old_stream_is_refused_and_nothing_is_written(ledger_url):
    with open_ledger(ledger_url) as ledger:
        append_three(ledger)
        for stale in (0, 1, 3):
            with pytest.raises(EventConflict, match="'review:a' has moved on"):
                ledger.append_event("review:a", "rated", actor="bob", data={}, expected_position=stale)
        assert len(ledger.events()) == 3
        unchecked = ledger.append_event("review:a", "rated", actor="bob", data={}, expected_position=None)
        assert unchecked.position == 3 and ledger.verify().ok


def test_data_that_is_not_json_is_refused(ledger_url):
    with open_ledger(ledger_url) as ledger, pytest.raises(LedgerError, match="must be JSON"):
        ledger.append_event("s", "k", actor="a", data={"when": object()}, expected_position=0)


def test_verify_names_an_edited_and_a_removed_event(ledger_url, execute_sql):
    with open_ledger(ledger_url) as ledger:
        append_three(ledger)
    execute_sql("UPDATE events SET data = %s WHERE seq = 2", ('{"level":"G","n":1}',))
    with open_ledger(ledger_url) as ledger:
        assert ledger.verify().problem == "event 2 (review:a #2, rated): its content does not match its hash"
    execute_sql("DELETE FROM events WHERE seq = 2")
    with open_ledger(ledger_url) as ledger:
        assert ledger.verify().problem == ("event 3 (tokens #1, token-created): its link to the row before does not "
                                           "match (a row before it was removed, added or edited)")


def test_ledger_verify_counts_the_events(run, ledger_url, execute_sql):
    with open_ledger(ledger_url) as ledger:
        append_three(ledger)
    result = run("--ledger", ledger_url, "ledger", "verify")
    assert result.exit_code == 0 and "0 runs, 3 events" in result.stdout
    execute_sql("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    result = run("--ledger", ledger_url, "ledger", "verify")
    assert result.exit_code == 2 and "event 1 (review:a #1, created)" in result.stderr


WRITER = textwrap.dedent("""
    import sys
    from stocktake.ledger import open_ledger
    with open_ledger(sys.argv[1]) as ledger:
        ledger.append_event("review:a", "rated", actor="ann", data={"level": "R"}, expected_position=2)
""")


SAVE = textwrap.dedent("""
    import sys
    from stocktake.ledger import open_ledger
    with open_ledger(sys.argv[1]) as ledger:  # one save of three ratings and the submission
        ledger.append_events("review:a", [("rated", {"level": "R", "n": 2}, ""), ("rated", {"level": "G", "n": 3}, ""),
                                          ("ratings-submitted", {}, "")], actor="ann", expected_position=2)
""")


def killed_inside_its_transaction(script, ledger_url, tmp_path):
    """Run ``script`` on the ledger with the event pause hook set; SIGKILL it once it is inside
    its transaction (its first event's row written, the rest and the commit not yet)."""
    marker = tmp_path / "inside-the-transaction"
    writer = subprocess.Popen([sys.executable, "-c", script, ledger_url],
                              env={**os.environ, EVENT_PAUSE_HOOK: str(marker)}, stderr=subprocess.PIPE)
    kill_when_paused(writer, marker)  # until the writer holds the lock with its row written (or has failed)


@pytest.mark.parametrize("script", [WRITER, SAVE], ids=["one-event", "several-events"])
def test_a_writer_killed_before_its_commit_leaves_no_half_event(ledger_url, tmp_path, script):
    with open_ledger(ledger_url) as ledger:
        before = list(append_three(ledger))
    killed_inside_its_transaction(script, ledger_url, tmp_path)
    with open_ledger(ledger_url) as ledger:
        assert ledger.events() == before and ledger.verify().ok  # none of a save's events, not its first
        # the lock it held is gone: the same event appends now, at the position it expected
        assert ledger.append_event("review:a", "rated", actor="ann", data={"level": "R"},
                                   expected_position=2).position == 3


def test_several_events_are_appended_at_once_each_a_link_of_the_chain(ledger_url):
    with open_ledger(ledger_url) as ledger:
        append_three(ledger)
        written = ledger.append_events("review:a", [("rated", {"n": 2}, ""), ("ratings-submitted", {}, "done")],
                                       actor="ann", expected_position=2)
        assert [(e.position, e.kind, e.reason) for e in written] == [(3, "rated", ""), (4, "ratings-submitted", "done")]
        assert ledger.events("review:a")[-2:] == written and ledger.verify().ok
        with pytest.raises(EventConflict):  # checked once, before the first: nothing written
            ledger.append_events("review:a", [("rated", {"n": 5}, ""), ("rated", {"n": 6}, "")], actor="ann",
                                 expected_position=3)
        assert len(ledger.events("review:a")) == 4


RACER = textwrap.dedent("""
    import sys
    from stocktake.ledger import EventConflict, open_ledger
    url, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for n in range(count):  # each on a connection of its own, as separate server processes would
        with open_ledger(url) as ledger:
            while True:  # read the end of the stream, decide, append expecting that end; again if overtaken
                seen = len(ledger.events("review:race"))
                try:
                    ledger.append_event("review:race", "rated", actor=worker, data={"n": n, "after": seen},
                                        expected_position=seen)
                    break
                except EventConflict:
                    continue
""")


def test_parallel_writers_each_append_exactly_where_they_expected(ledger_url):
    open_ledger(ledger_url).close()
    workers = [subprocess.Popen([sys.executable, "-c", RACER, ledger_url, f"w{i}", "10"], stderr=subprocess.PIPE)
               for i in range(4)]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()
    with open_ledger(ledger_url) as ledger:
        events = ledger.events("review:race")
        assert [e.position for e in events] == list(range(1, 41))
        assert all(e.data["after"] == e.position - 1 for e in events)  # each decided on the state it landed on
        assert sorted((e.actor, e.data["n"]) for e in events) == sorted((f"w{i}", n) for i in range(4)
                                                                         for n in range(10))
        assert ledger.verify().ok


def test_ledger_export_ends_with_the_events(run, ledger_url, tmp_path):
    with open_ledger(ledger_url) as ledger:
        append_three(ledger)
    result = run("--ledger", ledger_url, "ledger", "export", "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["record"], r["seq"], r["stream"]) for r in lines] == [
        ("event", 1, "review:a"), ("event", 2, "review:a"), ("event", 3, "tokens")]
    assert lines[1]["data"] == {"level": "AG", "n": 1}
