"""The ledger benchmark's generators make valid documents that form one history: the same
priorities every period, periods in date order, reviews of one system (the benchmark itself runs
on demand only: ``python -m benchmarks --only ledger``)."""

from __future__ import annotations

import itertools

from stocktake import Engine


def test_the_generated_periods_and_reviews_are_valid_and_in_order():
    from benchmarks.ledger_history import PERIODS, REVIEWS, assessment, period_of, review

    engine = Engine()
    periods = [engine.load(assessment(i, count=3)).model for i in (0, 1, PERIODS - 1)]
    assert [p.period for p in periods] == ["2016-H1", "2016-H2", "2025-H2"]
    assert all(a.date < b.date for a, b in itertools.pairwise(periods))
    assert len({tuple(x.id for x in p.priorities) for p in periods}) == 1
    assert [period_of(i)[0] for i in range(PERIODS)] == sorted({period_of(i)[0] for i in range(PERIODS)})
    reviews = [engine.load(review(i)).model for i in range(REVIEWS)]
    assert len({r.system for r in reviews}) == 1 and len({r.date for r in reviews}) == REVIEWS
