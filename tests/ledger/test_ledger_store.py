"""The ledger's interface on its own: recording, reading back, idempotence, the schema's versions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from stocktake.api import Engine
from stocktake.judgment.table import COLUMNS
from stocktake.ledger import SCHEMA_VERSION, Entry, LedgerError, open_ledger, sql, store
from stocktake.ledger.recording import result_json, run_record


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def review_record(engine, northshire, year="2026", baseline=None, actor="alice"):
    path = str(northshire / f"capacity-review-{year}.yaml")
    result = engine.review(path, baseline=baseline)
    return run_record(engine, "review", {"path": path, "baseline": baseline}, result.inputs, result, actor), result


def test_a_new_ledger_has_the_current_schema_and_nothing_recorded(ledger_url):
    with open_ledger(ledger_url) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        assert ledger.runs() == [] and ledger.entries() == []
        assert ledger.verify().ok


def test_a_run_is_recorded_whole_and_read_back(engine, northshire, ledger_url):
    record, result = review_record(engine, northshire)
    with open_ledger(ledger_url) as ledger:
        info, new = ledger.record(record)
        assert new and info.seq == 1 and info.actor == "alice"
        assert (info.date, info.system, info.period) == ("2026-10-15", result.system, None)
        assert ledger.blob(info.result_sha256) == result_json(result)
        assert [i["relative"] for i in info.inputs] == ["capacity-review-2026.yaml", "ratings-2026.csv"]
        for item, stored in zip(info.inputs, record.inputs, strict=True):
            assert ledger.blob(item["sha256"]) == stored.data == (northshire.parent / item["path"]).read_bytes()
        entries = ledger.entries(run_id=info.run_id)
        assert len(entries) == info.entries == len(result.judgments)
        first = result.judgments[0]
        assert (entries[0].subject, entries[0].level, entries[0].rule) == (str(first.subject), first.rating,
                                                                          first.rule.id)
        assert ledger.run(info.run_id[:8]) == info


def test_recording_the_same_run_twice_changes_nothing(engine, northshire, ledger_url):
    record, _ = review_record(engine, northshire)
    again = dataclasses.replace(record, actor="bob", recorded_at="2030-01-01T00:00:00Z")
    with open_ledger(ledger_url) as ledger:
        first, _ = ledger.record(record)
        second, new = ledger.record(again)
        assert not new and second == first
        assert len(ledger.runs()) == 1 and len(ledger.entries()) == first.entries


def test_history_and_latest_follow_dates(engine, northshire, ledger_url):
    earlier, old = review_record(engine, northshire, "2024")
    later, new = review_record(engine, northshire, "2026", baseline=str(northshire / "capacity-review-2024.yaml"))
    subject = str(new.judgments[0].subject)
    with open_ledger(ledger_url) as ledger:
        second, _ = ledger.record(later)  # recorded out of date order
        first, _ = ledger.record(earlier)
        assert [e.date for e in ledger.history(subject)] == [str(old.date), str(new.date)]
        assert ledger.latest("CapacityReviewResult", before=new.date, system=f"  {new.system.upper()} ") == first
        assert ledger.latest("CapacityReviewResult", before=dt.date(2100, 1, 1)) == second
        assert ledger.latest("CapacityReviewResult", before=old.date) is None
        assert ledger.latest("CapacityReviewResult", before=new.date, system="elsewhere") is None


def test_an_unknown_or_ambiguous_run_is_a_usage_error(engine, northshire, ledger_url):
    with open_ledger(ledger_url) as ledger:
        ledger.record(review_record(engine, northshire)[0])
        for wanted in ("ffff0000", "xyz", "ab"):
            with pytest.raises(LedgerError):
                ledger.run(wanted)


def test_an_entry_holds_every_column_of_the_flat_table():
    fields = [f.name for f in dataclasses.fields(Entry)]
    assert set(COLUMNS) <= set(fields)
    # the table only grows at the end; a new column needs a migration adding it to the ledger
    assert tuple(COLUMNS) == sql._FLAT_COLUMNS_V1


def test_an_older_ledger_is_migrated_and_keeps_what_it_held(engine, northshire, ledger_url, monkeypatch):
    with monkeypatch.context() as older:
        older.setattr(store, "SCHEMA_VERSION", 1)  # this engine as it was at schema 1
        with open_ledger(ledger_url) as ledger:
            assert ledger.schema_version == 1
            info, _ = ledger.record(review_record(engine, northshire)[0])
    with open_ledger(ledger_url) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION == 3
        assert ledger.runs() == [info] and ledger.verify().ok


def test_a_ledger_of_a_newer_schema_is_refused(ledger_url, monkeypatch):
    with monkeypatch.context() as newer:
        newer.setattr(store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        newer.setattr(store, "MIGRATIONS", [*sql.MIGRATIONS, lambda d: []])
        open_ledger(ledger_url).close()
    with pytest.raises(LedgerError, match=rf"written by a newer Stocktake \(schema {SCHEMA_VERSION + 1}; this one "
                                          rf"reads up to {SCHEMA_VERSION}\): upgrade"):
        open_ledger(ledger_url)


def test_reading_a_ledger_that_is_not_there_creates_nothing(tmp_path):
    with pytest.raises(LedgerError, match="no ledger there"):
        open_ledger(str(tmp_path / "absent.sqlite"), create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_the_stored_result_is_the_bytes_the_command_writes(engine, northshire):
    from stocktake.render import dump_model

    result = engine.chain(str(northshire / "chains" / "reading.yaml"))
    assert result_json(result) == dump_model(result).encode("utf-8")
