"""The graph's look-ups by node index (``link_at``, ``hop_nodes``) held to the id-keyed ones
(``links_by_key``, ``hops``) on random chains with links written twice and absent links; the
detectors that moved onto them (long chains, weak actors) held to the code they replaced; and the
findings validated a batch at a time held to one validation of them all."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from test_detectors_on_integers import _graph, chains

from stocktake.chains import judge
from stocktake.chains.analysis import SOURCE, ChainFinding, ChainGraph
from stocktake.chains.result import DetectorFinding
from stocktake.plugins.chain_detectors import LongChains, WeakActors, _names, _weak
from stocktake.testing import make_engine


@settings(max_examples=300, deadline=None)
@given(chains())
def test_a_link_and_the_hops_by_index_are_the_ones_by_id(data):
    graph = _graph(data)
    ids = graph.ids
    last: dict[tuple[str, str], Any] = {}
    for link in graph.chain.links:
        last[link.from_, link.to] = link  # the last written wins, as in links_by_key
    for u, a in enumerate(ids):
        for v, b in enumerate(ids):
            found = graph.link_at(u, v)
            assert found is last.get((a, b))
            assert found is graph.links_by_key.get(f"{a}->{b}")
    assert graph.hop_nodes[graph.index[SOURCE]] == -1
    assert {ids[v]: n for v, n in enumerate(graph.hop_nodes) if n >= 0} == dict(graph.hops)


def _reference_long_chains(chain: ChainGraph) -> list[ChainFinding]:
    limit = chain.chain.settings.max_levels
    far = [f for f in chain.ends if chain.hops.get(f, 0) > limit]
    if not far:
        return []
    longest = max(chain.hops[f] for f in far)
    return [ChainFinding("long-chain", "AG",
                         f"{_names(far)} are more than {limit} links from the centre (up to {longest}).",
                         actors=tuple(far), count=len(far))]


def _reference_weak_actors(chain: ChainGraph) -> list[ChainFinding]:
    necessary = set(chain.dependants) | set(chain.ends)
    low = _weak(chain)
    out = []
    for actor in chain.chain.actors:
        if actor.id not in necessary:
            continue
        weak = [(name, getattr(actor, name)) for name in ("capacity", "will") if getattr(actor, name) in low]
        if weak:
            level = max((lv for _, lv in weak), key=chain.scale.rank)
            what = " and ".join(f"{name} {lv}" for name, lv in weak)
            out.append(ChainFinding("weak-actor", level, f"{actor.name} ({actor.id}) has {what} on a necessary route.",
                                    actors=(actor.id,), evidence=tuple(actor.evidence), count=actor.count))
    return out


@settings(max_examples=300, deadline=None)
@given(chains())
def test_long_chains_and_weak_actors_find_what_the_id_keyed_code_found(data):
    document, _ = data
    document["settings"]["max_levels"] = 1 + len(document["actors"]) % 3  # some ends are further
    graph = _graph(data)
    assert LongChains().detect(graph) == _reference_long_chains(graph)
    assert WeakActors().detect(graph) == _reference_weak_actors(graph)


def test_the_random_chains_have_long_chains_and_weak_actors():
    """The generator reaches what the test above compares: both detectors find something."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(chains())
    def collect(data):
        document, _ = data
        document["settings"]["max_levels"] = 1 + len(document["actors"]) % 3
        graph = _graph(data)
        seen.update(f.code for f in [*_reference_long_chains(graph), *_reference_weak_actors(graph)])

    collect()
    assert seen == {"long-chain", "weak-actor"}


@settings(max_examples=100, deadline=None)
@given(chains())
def test_findings_validated_in_batches_are_those_of_one_validation(data):
    engine = make_engine()
    graph = _graph(data)
    scale = engine.scale("delivery")
    detectors = engine.detectors()
    whole = judge._run_detectors(graph, scale, detectors, [])
    original = judge._BATCH
    judge._BATCH = 2
    try:
        batched = judge._run_detectors(graph, scale, detectors, [])
    finally:
        judge._BATCH = original
    assert [f.model_dump() for f in batched.findings] == [f.model_dump() for f in whole.findings]
    for f in batched.findings:
        assert type(f.actors) is list and type(f.links) is list and type(f.evidence) is list
        assert DetectorFinding.model_validate(f.model_dump()) == f  # the data is the model's
