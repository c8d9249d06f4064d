"""The chain's graph on integers: nodes are indices (actors in the chain's order, then the virtual
source), adjacency is CSR (compressed sparse rows: one flat list of neighbours and one of
strengths, each node's slice from ``start[u]`` to ``start[u + 1]``), in the order the links were
written, so every search visits neighbours, and breaks ties, as one over the chain's ids would.

:class:`~stocktake.chains.analysis.ChainGraph` runs its analyses here and gives detectors the
results keyed by actor id.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Adjacency", "adjacency", "breadth_first", "dominator_tree", "edges", "postorder", "upstream",
           "widest_routes"]


@dataclass(frozen=True)
class Adjacency:
    """Each node's neighbours ``nodes[start[u]:start[u + 1]]`` with the links' ``strengths``."""

    start: list[int]
    nodes: list[int]
    strengths: list[int]

    def of(self, u: int) -> range:
        """Positions of ``u``'s neighbours in ``nodes`` and ``strengths``."""
        return range(self.start[u], self.start[u + 1])


def adjacency(size: int, keys: Sequence[int], others: Sequence[int], strengths: Sequence[int]) -> Adjacency:
    """CSR of the links ``keys[j] -> others[j]`` (strength ``strengths[j]``) grouped by key,
    stably: a node's neighbours keep the links' order."""
    counts = [0] * (size + 1)
    for k in keys:
        counts[k + 1] += 1
    for u in range(size):
        counts[u + 1] += counts[u]
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable
    return Adjacency(counts, [others[j] for j in order], [strengths[j] for j in order])


def widest_routes(succ: Adjacency, roots: Sequence[int], top: int) -> tuple[list[int], list[int], list[int]]:
    """Widest-path (bottleneck) search from ``roots`` (distinct), one bucket per strength (1 to ``top``).

    Returns (the strength of the strongest route to each node, 0 if none; the weakest link on it
    as ``u * size + v``, -1 if none or if it is a root's own link; the nodes in the order they
    were first reached, the roots first)."""
    size = len(succ.start) - 1
    best = [0] * size
    weakest = [-1] * size
    is_root = bytearray(size)
    for r in roots:
        best[r] = top
        is_root[r] = 1
    reached = list(roots)
    buckets: list[list[int]] = [[] for _ in range(top + 1)]
    buckets[top] = list(roots)
    start, nodes, strengths = succ.start, succ.nodes, succ.strengths
    for b in range(top, 0, -1):
        stack = buckets[b]
        while stack:
            u = stack.pop()
            if best[u] != b:
                continue  # settled at a higher strength already
            for p in range(start[u], start[u + 1]):
                v, s = nodes[p], strengths[p]
                w = b if b < s else s
                if w > best[v]:
                    if not best[v]:
                        reached.append(v)
                    best[v] = w
                    if is_root[u]:
                        weakest[v] = -1
                    elif s < b or weakest[u] < 0:
                        weakest[v] = u * size + v
                    else:
                        weakest[v] = weakest[u]
                    buckets[w].append(v)
    return best, weakest, reached


def postorder(succ: Adjacency, root: int) -> list[int]:
    """The nodes reachable from ``root`` in depth-first postorder (without recursion)."""
    start, nodes = succ.start, succ.nodes
    seen = bytearray(len(start) - 1)
    seen[root] = 1
    next_at = start[:-1]  # each node's next neighbour to try
    order: list[int] = []
    stack = [root]
    while stack:
        node = stack[-1]
        p, end = next_at[node], start[node + 1]
        while p < end and seen[nodes[p]]:
            p += 1
        if p < end:
            v = nodes[p]
            next_at[node] = p + 1
            seen[v] = 1
            stack.append(v)
        else:
            stack.pop()
            order.append(node)
    return order


def dominator_tree(succ: Adjacency, pred: Adjacency, root: int) -> tuple[list[int], list[int]]:
    """(immediate dominator of each node, -1 if unreachable and ``root`` for the root; the
    reachable nodes in reverse postorder).

    Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001), as networkx's
    ``immediate_dominators``."""
    order = postorder(succ, root)
    number = [0] * (len(succ.start) - 1)
    for i, v in enumerate(order):
        number[v] = i
    order.reverse()
    idom = [-1] * len(number)
    idom[root] = root
    start, nodes = pred.start, pred.nodes
    changed = True
    visit = order[1:]
    while changed:
        changed = False
        for v in visit:
            new = -1
            for p in range(start[v], start[v + 1]):
                u = nodes[p]
                if idom[u] < 0:
                    continue
                if new < 0:
                    new = u
                    continue
                while u != new:  # the nearest common dominator of u and new
                    while number[u] < number[new]:
                        u = idom[u]
                    while number[new] < number[u]:
                        new = idom[new]
            if idom[v] != new:
                idom[v] = new
                changed = True
        # A node with one predecessor has it as its dominator from the first pass on (its
        # predecessor comes before it in reverse postorder): later passes skip it.
        visit = [v for v in visit if start[v + 1] - start[v] > 1]
    return idom, order


def breadth_first(succ: Adjacency, sources: Sequence[int]) -> tuple[list[int], list[int]]:
    """(fewest links from any of ``sources`` to each node, -1 if none; the nodes in the order reached)."""
    dist = [-1] * (len(succ.start) - 1)
    for s in sources:
        dist[s] = 0
    reached = list(dict.fromkeys(sources))
    queue = deque(reached)
    start, nodes = succ.start, succ.nodes
    while queue:
        u = queue.popleft()
        for p in range(start[u], start[u + 1]):
            v = nodes[p]
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                reached.append(v)
                queue.append(v)
    return dist, reached


def upstream(pred: Adjacency, targets: Sequence[int], at_least: int) -> bytearray:
    """Marks (1) of ``targets`` and of every node from which links of strength ``at_least`` or
    more lead to one of them."""
    found = bytearray(len(pred.start) - 1)
    for t in targets:
        found[t] = 1
    queue = list(targets)
    start, nodes, strengths = pred.start, pred.nodes, pred.strengths
    while queue:
        v = queue.pop()
        for p in range(start[v], start[v + 1]):
            u = nodes[p]
            if strengths[p] >= at_least and not found[u]:
                found[u] = 1
                queue.append(u)
    return found


def edges(size: int, centres: list[int], top: int, link_froms: Sequence[int], link_tos: Sequence[int],
           link_strengths: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """The graph's edges (from, to, strength): the source's to each centre at the top, then every
    link that is not absent (strength 0) in the links' order; a link written twice keeps its first
    place and its last strength."""
    source = size - 1
    froms, tos, strengths = [source] * len(centres), list(centres), [top] * len(centres)
    present = [j for j, s in enumerate(link_strengths) if s]
    if len({link_froms[j] * size + link_tos[j] for j in present}) == len(present):  # no link written twice
        return (froms + [link_froms[j] for j in present], tos + [link_tos[j] for j in present],
                strengths + [link_strengths[j] for j in present])
    at: dict[int, int] = {}
    for j in present:
        u, v, s = link_froms[j], link_tos[j], link_strengths[j]
        k = at.setdefault(u * size + v, len(froms))
        if k == len(froms):
            froms.append(u)
            tos.append(v)
            strengths.append(s)
        else:
            strengths[k] = s
    return froms, tos, strengths
