"""``python -m benchmarks.likelihood_api N``: judge N synthetic priorities (20 trajectory points
each) through the Python API, and the same decision table in rule-engine and zen-engine.

Prints ``inner_s=`` (Stocktake, validated priorities in, decisions out: parsing excluded),
``full_s=`` (the same with trails and explanations, on a 10,000 sample, scaled), and for each
peer found ``peer_<name>_s=`` (the decision table alone, on a sample, scaled to N).
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time

from benchmarks.generate import priority
from stocktake import Engine
from stocktake.likelihood.model import Priority

PEER_SAMPLE = 10_000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    engine = Engine()
    rubric = engine.rubric("likelihood-of-delivery").rubric
    context = {**engine._context(), "rubric": rubric, "evidence_ids": set()}
    gc.disable()
    priorities = [Priority.model_validate(priority(seed), context=context) for seed in range(count)]
    gc.enable()
    gc.freeze()
    as_of = dt.date(2026, 1, 1)
    start = time.perf_counter()
    decisions = engine.judge_levels(priorities, as_of=as_of)
    inner = time.perf_counter() - start
    levels = {}
    for d in decisions:
        levels[d.level] = levels.get(d.level, 0) + 1
    print(f"inner_s={inner:.4f} priorities={count} levels={dict(sorted(levels.items(), key=str))}")

    from stocktake.likelihood.judge import JudgingRun, judge_priority
    from stocktake.likelihood.result import RuleSetUsed

    ruleset, origin, _ = engine.rule_set("likelihood-default")
    run = JudgingRun(ruleset, origin, RuleSetUsed(plugin="p", id=ruleset.id, version="1", title="t"),
                     rubric, engine.scales())
    sample = priorities[:10_000]
    start = time.perf_counter()
    for p in sample:
        judge_priority(p, as_of, run, [])
    print(f"full_s={(time.perf_counter() - start) * count / len(sample):.4f}")

    # The decision table alone, on the inputs Stocktake computed, in each peer.
    table = ruleset.ruleset
    inputs = [dict(zip(ruleset.inputs, key)) for key in list(ruleset._memo)]  # distinct input tuples seen
    rows = [_features_of(engine, p, as_of, run) for p in priorities[:PEER_SAMPLE]]
    start = time.perf_counter()
    ours = [ruleset.decide(r).level for r in rows]
    print(f"table_s={(time.perf_counter() - start) * count / len(rows):.4f} distinct_inputs={len(inputs)}")
    for name, build in (("rule_engine", _rule_engine), ("zen_engine", _zen_engine)):
        try:
            decide = build(table)
        except ImportError:
            print(f"peer_{name}=missing (pip install rule-engine zen-engine)")
            continue
        start = time.perf_counter()
        theirs = [decide(r) for r in rows]
        elapsed = time.perf_counter() - start
        same = sum(a == b for a, b in zip(ours, theirs))
        print(f"peer_{name}_s={elapsed * count / len(rows):.4f} agree={same}/{len(rows)}")


def _features_of(engine, p, as_of, run):
    from stocktake.likelihood.judge import derive

    values = derive(p, as_of, run).values
    return {name: values[name] for name in run.ruleset.inputs}


WORST = ["G", "AG", "AR", "R"]


def _rule_engine(table):
    import rule_engine

    compiled = []
    for rule in table.rules:
        parts = [f"{name} in {list(allowed)!r}" for name, allowed in rule.when.items()]
        text = " and ".join(parts) or "true"
        compiled.append((rule_engine.Rule(text), rule.then))

    def decide(values):
        hits = [then for r, then in compiled if r.matches(values)]
        return max(hits, key=WORST.index)
    return decide


def _zen_engine(table):
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
    decision = zen.ZenEngine().create_decision(json.dumps(content))

    def decide(values):
        hits = [r["level"] for r in decision.evaluate(values)["result"]]
        return max(hits, key=WORST.index)
    return decide


if __name__ == "__main__":
    main()
