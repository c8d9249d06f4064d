"""``python -m benchmarks.ledger_history DIR``: ten years of history in a SQLite ledger.

Records 20 half-yearly assessment periods of 1,000 priorities and 5 capacity reviews (one every
two years) of one system, as ``stocktake judge`` and ``review`` record them (inputs stored,
results stored, one entry per judgment, the hash chain), then asks the ledger for one priority's
history. Judging is not timed: each period is judged before its recording starts.

Prints ``inner_s=`` (the median time to record one period: build the run record from the files and
the result, and write it in one transaction), ``record_max_s=`` (the slowest period),
``history_s=`` (the median of ``stocktake history``'s library call for one priority: resolve the
subject, read its entries, movement by rank), ``ledger_mb=`` (the file once closed) and the counts.
Targets: one period under 2 s, history under 50 ms, the ledger under 200 MB.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks.generate import capacity_review, priority

PRIORITIES, PERIODS, REVIEWS = 1000, 20, 5
SYSTEM = "Synthetic system"
START = dt.date(2016, 4, 30)


def period_of(index: int) -> tuple[str, dt.date]:
    """The ``index``-th half year from 2016-H1: its name and the day it is judged."""
    year, half = START.year + index // 2, index % 2
    return f"{year}-H{half + 1}", dt.date(year, 10 if half else 4, 31 if half else 30)


def assessment(index: int, count: int = PRIORITIES) -> dict:
    """The ``index``-th period's assessment of ``count`` priorities: the same priorities each
    period (ids stable), their ratings and actuals drawn afresh, so the levels move."""
    name, day = period_of(index)
    priorities = []
    for seed in range(count):
        p = priority(seed * PERIODS + index)
        p["id"], p["title"], p["owner"] = f"p{seed:06d}", f"Priority {seed}", f"Owner {seed % 17}"
        p.pop("previous", None)
        priorities.append(p)
    return {"kind": "DeliveryAssessment", "schema_version": 1, "period": name, "date": day.isoformat(),
            "title": f"{count} generated priorities", "priorities": priorities}


def review(index: int) -> dict:
    """The ``index``-th capacity review of the system (every two years from 2016)."""
    doc = capacity_review(5, seed=index)
    doc["system"], doc["date"] = SYSTEM, f"{START.year + 2 * index}-06-30"
    return doc


def main() -> None:
    from stocktake import Engine
    from stocktake.ledger import open_ledger
    from stocktake.ledger.history import subject_history
    from stocktake.ledger.recording import run_record

    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ledger.sqlite"
    path.unlink(missing_ok=True)
    engine = Engine()
    timings, entries = [], 0
    with open_ledger(str(path)) as ledger:
        for i in range(REVIEWS):
            source = directory / f"review-{i}.json"
            source.write_text(json.dumps(review(i)))
            result = engine.review(source)
            ledger.record(run_record(engine, "review", {"path": str(source)}, result.inputs, result, "bench"))
        for i in range(PERIODS):
            source = directory / f"assessment-{i:02d}.json"
            source.write_text(json.dumps(assessment(i)))
            result = engine.judge(source)
            start = time.perf_counter()
            record = run_record(engine, "judge", {"path": str(source)}, result.inputs, result, "bench")
            info, _ = ledger.record(record)
            timings.append(time.perf_counter() - start)
            entries += info.entries
        scales = engine.scales()
        subject_history(ledger, "priority:p000500", scales)  # warm-up
        asked = []
        for _ in range(20):
            start = time.perf_counter()
            found = subject_history(ledger, "priority:p000500", scales)
            asked.append(time.perf_counter() - start)
    points = sum(len(h.points) for h in found)
    size = sum(p.stat().st_size for p in directory.glob("ledger.sqlite*"))
    print(f"inner_s={statistics.median(timings):.4f} record_max_s={max(timings):.4f} "
          f"history_s={statistics.median(asked):.4f} ledger_mb={size / 1e6:.1f} periods={PERIODS} "
          f"priorities={PRIORITIES} reviews={REVIEWS} entries={entries} history_points={points}")


if __name__ == "__main__":
    main()
