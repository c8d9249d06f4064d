"""ChainGraph's integer analyses (engine/chains/routes.py) against the id-keyed searches they
replaced, on random chains with repeated and absent links: the same values in the same order
(detectors and the output see dicts, whose order is part of what they get)."""

from __future__ import annotations

from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from stocktake.chains.analysis import SOURCE, ChainGraph
from stocktake.chains.model import DeliveryChain
from stocktake.testing import make_engine


@st.composite
def chains_with_repeats(draw):
    """Up to 12 actors (one to three centres), links drawn with repeats (the same pair twice)."""
    n = draw(st.integers(3, 12))
    centres = draw(st.integers(1, 3))
    roles = ["centre"] * centres + [draw(st.sampled_from(["intermediary", "front-line", "beneficiary"]))
                                    for _ in range(n - centres)]
    roles[-1] = "front-line"
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=3 * n))
    order = draw(st.permutations(range(n)))  # actors not written centre first
    actors = [{"id": f"a{i}", "name": f"A{i}", "level": i, "role": roles[i]} for i in order]
    links = [{"from": f"a{u}", "to": f"a{v}", "levers": draw(st.sampled_from([["funding"], ["information"]])),
              "strength": draw(st.sampled_from(["G", "AG", "AR", "R", "absent"]))} for u, v in chosen]
    settings_ = {"beneficiaries": draw(st.sampled_from(["drawn", "judged"]))}
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "c", "priority": "p", "title": "C",
            "actors": actors, "links": links, "settings": settings_}


def _reference_adjacency(chain, strength, top):
    succ = {a.id: {} for a in chain.actors}
    pred = {a.id: {} for a in chain.actors}
    succ[SOURCE], pred[SOURCE] = {}, {}
    for a in chain.actors:
        if a.role == "centre":
            succ[SOURCE][a.id] = pred[a.id][SOURCE] = top
    for link in chain.links:
        if link.strength != "absent":
            succ[link.from_][link.to] = pred[link.to][link.from_] = strength[link.strength]
    return succ, pred


def _reference_widest(succ, roots, top):
    best = dict.fromkeys(roots, top)
    weakest = dict.fromkeys(roots)
    buckets = [[] for _ in range(top + 1)]
    buckets[top] = list(roots)
    for b in range(top, 0, -1):
        stack = buckets[b]
        while stack:
            u = stack.pop()
            if best[u] != b:
                continue
            for v, s in succ.get(u, {}).items():
                w = min(b, s)
                if w > best.get(v, 0):
                    best[v] = w
                    weakest[v] = None if u in roots else (u, v) if s < b or weakest[u] is None else weakest[u]
                    buckets[w].append(v)
    return best, weakest


@settings(max_examples=300, deadline=None)
@given(chains_with_repeats())
def test_integer_analyses_give_the_id_keyed_results_in_the_same_order(data):
    engine = make_engine()
    chain = DeliveryChain.model_validate(data, context=engine._context())
    graph = ChainGraph(chain, engine.scale("delivery"))
    top = len(graph.scale.codes)
    succ, pred = _reference_adjacency(chain, graph.strength, top)
    assert [(u, list(out.items())) for u, out in graph.succ.items()] == [(u, list(o.items())) for u, o in succ.items()]
    assert [(v, list(into.items())) for v, into in graph.pred.items()] == [(v, list(i.items())) for v, i in pred.items()]

    best, weakest = _reference_widest(succ, [SOURCE], top)
    best.pop(SOURCE)
    weakest.pop(SOURCE)
    assert list(graph.widest[0].items()) == list(best.items())
    assert list(graph.widest[1].items()) == list(weakest.items())

    centres = [a.id for a in chain.actors if a.role == "centre"]
    hops = dict.fromkeys(centres, 0)
    queue = deque(centres)
    while queue:
        u = queue.popleft()
        for v in succ[u]:
            if v not in hops:
                hops[v] = hops[u] + 1
                queue.append(v)
    assert list(graph.hops.items()) == list(hops.items())

    listed: dict[str, list[tuple[str, int]]] = {}
    for link in chain.links:
        if link.strength != "absent" and "information" in link.levers and graph.judged(link):
            listed.setdefault(link.to, []).append((link.from_, graph.strength[link.strength]))
    feedback = dict.fromkeys(centres, top)
    buckets = [[] for _ in range(top + 1)]
    buckets[top] = list(centres)
    for b in range(top, 0, -1):
        stack = buckets[b]
        while stack:
            v = stack.pop()
            if feedback[v] != b:
                continue
            for u, s in listed.get(v, ()):
                if min(b, s) > feedback.get(u, 0):
                    feedback[u] = min(b, s)
                    buckets[min(b, s)].append(u)
    assert list(graph.feedback.items()) == list(feedback.items())

    for t in range(1, top + 1):
        ends = [e for e in graph.ends if best.get(e) == t]
        found = set(ends)
        stack = list(ends)
        while stack:
            v = stack.pop()
            for u, s in pred[v].items():
                if s >= t and u not in found:
                    found.add(u)
                    stack.append(u)
        assert graph.reaching(ends, t) == found
