"""``python -m benchmarks.likelihood_api N``: judge N synthetic priorities (20 trajectory points
each) through the Python API. ``python -m benchmarks.likelihood_api --decisions ENGINE ROWS``: the
likelihood-default decision table alone over the inputs of ROWS priorities, in one engine
(``stocktake``, ``rule_engine`` or ``zen_engine``): one engine per process, so the suite runs them
interleaved in one run and reports each against ours.

Prints ``inner_s=`` (Stocktake, validated priorities in, decisions out: parsing excluded) and
``full_s=`` (the same with trails and explanations, on a 10,000 sample, scaled). With
``--decisions``, ``inner_s=`` is that engine cold, each used the way its documentation recommends
for many inputs, on the same rows: the rules compiled, timed (Stocktake's ``CompiledTable``, which
memoises each distinct input combination as it meets it; rule-engine's ``Rule`` objects; a
zen-engine ``ZenEngine`` with the table as its decision), then every row decided (rule-engine:
``Rule.filter`` over all the rows, once per rule; zen-engine: one ``evaluate_batch`` of all the
rows). ``memo_s=`` is a peer given the same memo as ours: each distinct input combination decided
once, every row then looked up (the grouping timed too); Stocktake's ``nomemo_s=`` is ours matching
every row afresh (no memo on either side). Each checks its levels equal Stocktake's
(``agree=``). A peer that is not installed prints ``missing=`` and no time.
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time

from benchmarks.generate import priority
from stocktake import Engine
from stocktake.likelihood.model import Priority

AS_OF = dt.date(2026, 1, 1)
WORST = ["G", "AG", "AR", "R"]


def main() -> None:
    if sys.argv[1:2] == ["--decisions"]:
        decisions(sys.argv[2], int(sys.argv[3]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    engine = Engine()
    priorities, run = _priorities(engine, count)
    start = time.perf_counter()
    decided = engine.judge_levels(priorities, as_of=AS_OF)
    inner = time.perf_counter() - start
    levels: dict[object, int] = {}
    for d in decided:
        levels[d.level] = levels.get(d.level, 0) + 1
    print(f"inner_s={inner:.4f} priorities={count} levels={dict(sorted(levels.items(), key=str))}")
    if count >= 1_000 and len(levels) < 3:  # one rule deciding everything would time a memo lookup
        sys.exit(f"likelihood_api: the generated priorities reach only {sorted(levels, key=str)}")

    from stocktake.likelihood.judge import judge_priority

    sample = priorities[:10_000]
    start = time.perf_counter()
    for p in sample:
        judge_priority(p, AS_OF, run, [])
    print(f"full_s={(time.perf_counter() - start) * count / len(sample):.4f}")


def _priorities(engine, count):
    from stocktake.likelihood.judge import JudgingRun
    from stocktake.likelihood.result import RuleSetUsed

    rubric = engine.rubric("likelihood-of-delivery").rubric
    context = {**engine._context(), "rubric": rubric, "evidence_ids": set()}
    gc.disable()
    priorities = [Priority.model_validate(priority(seed), context=context) for seed in range(count)]
    gc.enable()
    gc.freeze()
    ruleset, origin, _ = engine.rule_set("likelihood-default")
    run = JudgingRun(ruleset, origin, RuleSetUsed(plugin="p", id=ruleset.id, version="1", title="t"),
                     rubric, engine.scales())
    return priorities, run


def decisions(name: str, count: int) -> None:
    """The decision table alone in engine ``name`` over the inputs of ``count`` priorities."""
    from stocktake.likelihood.decision import CompiledTable
    from stocktake.likelihood.judge import derive

    engine = Engine()
    priorities, run = _priorities(engine, count)
    rows = [{k: derive(p, AS_OF, run).values[k] for k in run.ruleset.inputs} for p in priorities]
    table, scales = run.ruleset.ruleset, engine.scales()
    expected = [CompiledTable(table, scales).decide(r).level for r in rows]  # untimed: the check
    distinct = len({tuple(r.values()) for r in rows})
    if name == "stocktake":
        start = time.perf_counter()
        compiled = CompiledTable(table, scales)
        levels = [compiled.decide(r).level for r in rows]
        inner = time.perf_counter() - start
        start = time.perf_counter()  # the same without its memo: every row matched afresh
        bare = CompiledTable(table, scales)
        unmemoised = [bare._decide(bare._key(r)).level for r in rows]
        nomemo = time.perf_counter() - start
        assert unmemoised == levels, "the memo changed our levels"
        print(f"inner_s={inner:.4f} nomemo_s={nomemo:.4f} rows={len(rows)} distinct_inputs={distinct} "
              f"agree={sum(a == b for a, b in zip(levels, expected))}/{len(rows)}")
        return
    build = {"rule_engine": _rule_engine, "zen_engine": _zen_engine}[name]
    try:
        build(table)
    except ImportError:
        print(f"missing={name} (pip install rule-engine zen-engine)")
        return
    start = time.perf_counter()
    levels = build(table)(rows)
    inner = time.perf_counter() - start
    start = time.perf_counter()
    keys = [tuple(r.values()) for r in rows]
    firsts = dict(zip(keys, rows))  # the first row of each distinct input
    memo = dict(zip(firsts, build(table)(list(firsts.values()))))
    memoised = [memo[key] for key in keys]
    memo_s = time.perf_counter() - start
    agree = sum(a == b for a, b in zip(levels, expected))
    assert memoised == levels, "the memo changed a peer's levels"
    print(f"inner_s={inner:.4f} memo_s={memo_s:.4f} rows={len(rows)} distinct_inputs={distinct} "
          f"agree={agree}/{len(rows)}")


def _rule_engine(table):
    """rule-engine as its documentation has it for many objects: a compiled ``Rule`` per row of the
    table, each ``filter``-ing all the objects; the worst level among a row's matches decides."""
    import rule_engine

    compiled = []
    for rule in table.rules:
        parts = [f"{name} in {list(allowed)!r}" for name, allowed in rule.when.items()]
        compiled.append((rule_engine.Rule(" and ".join(parts) or "true"), WORST.index(str(rule.then))))

    def decide(rows):
        worst = [-1] * len(rows)
        index = {id(r): i for i, r in enumerate(rows)}
        for rule, rank in compiled:
            for r in rule.filter(rows):
                i = index[id(r)]
                worst[i] = max(worst[i], rank)
        return [WORST[w] if w >= 0 else None for w in worst]
    return decide


def _zen_engine(table):
    """zen-engine as its documentation has it for many inputs: the table as a decision the engine
    loads (a static loader), and one ``evaluate_batch`` of every input (hit policy collect)."""
    import json

    import zen

    inputs = [{"id": f"i{k}", "name": name, "field": name} for k, name in enumerate(i.name for i in table.inputs)]
    rules = []
    for n, rule in enumerate(table.rules):
        row = {"_id": f"r{n}", "out": json.dumps(rule.then)}
        for k, i in enumerate(table.inputs):
            allowed = rule.when.get(i.name)
            row[f"i{k}"] = "" if allowed is None else "[" + ", ".join(json.dumps(v) for v in allowed) + "]"
        rules.append(row)
    content = {"nodes": [
        {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
        {"id": "t", "type": "decisionTableNode", "name": "t", "position": {"x": 1, "y": 0},
         "content": {"hitPolicy": "collect", "inputs": inputs,
                     "outputs": [{"id": "out", "name": "out", "field": "level"}], "rules": rules}},
        {"id": "o", "type": "outputNode", "name": "o", "position": {"x": 2, "y": 0}}],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "t"}, {"id": "e2", "sourceId": "t", "targetId": "o"}]}
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"likelihood": content}}})

    def decide(rows):
        answers = engine.evaluate_batch([{"key": "likelihood", "context": r} for r in rows])
        out = []
        for answer in answers:
            hits = [h["level"] for h in answer["data"]["result"]] if answer.get("success") else []
            out.append(max(hits, key=WORST.index) if hits else None)
        return out
    return decide


if __name__ == "__main__":
    main()
