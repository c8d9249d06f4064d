"""``python -m benchmarks.chain_paths LEVELS WIDTH``: the counter-example for chains.

Times Stocktake's analysis of a fully connected layered chain (bucketed widest path, dominators,
reverse reachability: no route is ever listed) against the naive approach of enumerating every
route with networkx's ``all_simple_paths`` to find each front-line actor's strongest one. Prints
``inner_s`` (Stocktake) and ``peer_naive_s`` with the number of routes the naive approach walked.
"""

from __future__ import annotations

import itertools
import sys
import time

import networkx as nx

from benchmarks.generate import layered_chain
from stocktake import Engine
from stocktake.chains.judge import analyse_chain
from stocktake.chains.model import DeliveryChain

RANK = {"G": 3, "AG": 2, "AR": 1, "R": 0}


def main() -> None:
    levels, width = int(sys.argv[1]), int(sys.argv[2])
    data = layered_chain(levels, width)
    engine = Engine()
    scale = engine.scale("delivery")
    chain = DeliveryChain.model_validate(data, context={"scales": engine.scales()})
    detectors = [engine.registry.detectors[k] for k in sorted(engine.registry.detectors)]
    start = time.perf_counter()
    analyse_chain(chain, scale, detectors, [])
    ours = time.perf_counter() - start

    graph = nx.DiGraph()
    for link in data["links"]:
        if "information" not in link["levers"]:
            graph.add_edge(link["from"], link["to"], strength=RANK[link["strength"]])
    fronts = [a["id"] for a in data["actors"] if a["role"] == "front-line"]
    start = time.perf_counter()
    routes = 0
    strongest = {}
    for front in fronts:
        best = -1
        for path in nx.all_simple_paths(graph, "c", front):
            routes += 1
            best = max(best, min(graph.edges[u, v]["strength"] for u, v in itertools.pairwise(path)))
        strongest[front] = best
    naive = time.perf_counter() - start
    print(f"inner_s={ours:.4f} peer_naive_s={naive:.4f} routes={routes}")


if __name__ == "__main__":
    main()
