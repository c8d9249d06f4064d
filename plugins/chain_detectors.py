"""Built-in chain detectors. Each returns findings with the level it caps the chain at; the chain
is as strong as its weakest necessary link (the judgment is the lowest cap)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from stocktake import hookimpl
from stocktake.chains.analysis import ChainFinding, ChainGraph
from stocktake.hooks.registry import Registrar

LISTED = 20  # how many names a message spells out; the finding lists them all


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def _weak(chain: ChainGraph) -> tuple[str, ...]:
    """The lower half of the chain's scale (AR and R on the delivery scale): the levels called weak."""
    return tuple(code for code in chain.scale.codes if chain.scale.low(code))


def _ends(chain: ChainGraph) -> str:
    """What the chain's ends are called (compare once: they are long tuples)."""
    return "front-line actor(s)" if len(chain.ends) == len(chain.front_line) else "front-line or beneficiary actor(s)"


class WeakestLink:
    id = "weakest-link"
    version = "2.1"
    title = "Weakest link"
    description = ("For every front-line actor, the strongest route from the centre and the weakest link on "
                   "it: a weak link (AR or R) or a moderate one (AG) caps the chain at its level. Every other "
                   "weak link is reported without capping: a stronger route reaches where it leads, a weaker "
                   "link decides, or it leads back up the chain. Links to beneficiaries who are only drawn are "
                   "noted in one line, not judged.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        best, weakest = chain.route_strengths, chain.weakest_link_nodes
        ids, size, top = chain.ids, len(chain.ids), len(chain.scale.codes)
        weak = _weak(chain)
        groups: dict[int, list[int]] = {}  # the ends behind each weakest link (u * size + v)
        for f in map(chain.index.__getitem__, chain.ends):
            if 0 < best[f] < top and weakest[f] >= 0:
                groups.setdefault(weakest[f], []).append(f)
        out = []
        for code, fronts in sorted(groups.items(), key=lambda kv: (best[kv[1][0]], _pair(ids, size, kv[0]))):
            level = chain.level_of(best[fronts[0]])
            key = "->".join(_pair(ids, size, code))
            names = [ids[f] for f in fronts]
            kind, word = ("weak-link", "weak") if level in weak else ("moderate-link", "moderate")
            link = chain.link_at(*divmod(code, size))  # as evidence_of(links=[key]): the last written
            out.append(ChainFinding(
                kind, level,
                f"The strongest route from the centre to {_names(names)} passes the link {key} at {level} ({word}).",
                actors=tuple(names), links=(key,), evidence=tuple(sorted(set(link.evidence))) if link else (),
                count=len(fronts)))
        out.extend(_other_weak_links(chain, weak, groups.keys()))
        drawn = _not_judged(chain)
        return [*out, drawn] if drawn else out


def _pair(ids: tuple[str, ...], size: int, code: int) -> tuple[str, str]:
    """The ids of the link ``u * size + v``."""
    u, v = divmod(code, size)
    return ids[u], ids[v]


def _other_weak_links(chain: ChainGraph, weak: tuple[str, ...], bottlenecks: Iterable[int]) -> Iterator[ChainFinding]:
    """A noted (or capping) finding for each weak link in the judgment that is no end's weakest
    link (``bottlenecks``), in the links' order: why it caps the chain, or why not."""
    best, idom = chain.route_strengths, chain.dominator_nodes
    ids, index, size = chain.ids, chain.index, len(chain.ids)
    source = size - 1
    froms, tos, strengths = chain.link_nodes
    weak_strengths = frozenset(chain.strength[code] for code in weak)
    skip = set(bottlenecks)
    levels = [a.level for a in chain.chain.actors]
    centres = frozenset(map(index.__getitem__, chain.centres))
    outside = frozenset(map(index.__getitem__, chain.outside))
    reach = [(t, chain.reaching_nodes([e for e in map(index.__getitem__, chain.ends) if best[e] == t], t))
             for t in sorted(weak_strengths)]
    links = chain.chain.links
    for j, s in enumerate(strengths):
        if s not in weak_strengths:
            continue
        u, v = froms[j], tos[j]
        if u * size + v in skip or (outside and (u in outside or v in outside)):
            continue
        link = links[j]
        caps = False
        if not best[u]:
            why = f"noted, not capping: it starts at {ids[u]}, which no route from the centre reaches"
        elif v in centres or levels[v] < levels[u] or _dominates(idom, source, v, u):
            why = ("noted, not capping: it leads back up the chain, toward the centre (the no-feedback "
                   "detector judges whether information gets back, and through how strong a route)")
        elif any(t <= s and best[u] >= t and nodes[v] for t, nodes in reach):
            caps = True
            why = "it is on the strongest route to the front line, whose weakest link is weaker or as weak"
        elif best[v] > s:
            why = f"noted, not capping: a stronger route reaches {ids[v]} (at {chain.level_of(best[v])})"
        else:
            why = "noted, not capping: it is on no front-line actor's strongest route"
        key = f"{ids[u]}->{ids[v]}"
        yield ChainFinding("weak-link", link.strength, f"The link {key} is at {link.strength} (weak): {why}.",
                           actors=(ids[v],), links=(key,), evidence=tuple(sorted(link.evidence)), caps=caps)


def _not_judged(chain: ChainGraph) -> ChainFinding | None:
    """One noted line for the links outside the judgment (to or from beneficiaries who are only
    drawn): the findings say in words what the diagram labels "not judged". Its level is the
    weakest of them (absent as the lowest level), how serious it would be if they were judged."""
    if not chain.outside:
        return None
    from stocktake.chains.model import ABSENT

    links = [link for link in chain.chain.links if not chain.judged(link)]
    if not links:
        return None
    lowest = chain.scale.codes[-1]
    level = max((lowest if link.strength == ABSENT else link.strength for link in links), key=chain.scale.rank)
    shown = [f"{link.key} at {link.strength}" for link in links]
    who = [a.id for a in chain.chain.actors if a.id in chain.outside]
    return ChainFinding(
        "not-judged", level,
        f"Links to or from beneficiaries are drawn, not judged: {_names(shown)}. The chain's judgment ends at the "
        "front line (settings.beneficiaries: drawn); write beneficiaries: judged to judge them as its end.",
        actors=tuple(who), links=tuple(link.key for link in links),
        evidence=tuple(sorted({e for link in links for e in link.evidence})), count=len(links), caps=False)


def _dominates(idom: Sequence[int], source: int, v: int, u: int) -> bool:
    """Whether every route to ``u`` (reachable) passes ``v`` (a link u->v then goes back to where u
    came from): ``v`` is above ``u`` in the dominator tree (node indices; ``source`` is its root)."""
    while u != source:
        u = idom[u]
        if u == v:
            return True
    return False


class SinglePointsOfFailure:
    id = "single-points-of-failure"
    version = "2.0"
    title = "Single points of failure"
    description = ("Each actor every route from the centre to some front-line actors passes (a dominator), once, "
                   "with how many front-line actors and units depend on it, most first. It caps the chain at AG "
                   "when it matters: it is itself weak (capacity or will at AR or R, or its only way in a weak "
                   "link), or it carries at least settings.spof_share of the front line's units and is not "
                   "strong (route, capacity and will all at G). Others are noted without capping.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        best, index = chain.route_strengths, chain.index
        weak = _weak(chain)
        top = chain.scale.top.code
        share = chain.chain.settings.spof_share
        total = sum(chain.actors[e].count for e in chain.ends) or 1
        units = chain.dependant_units
        ways = chain.only_way_in
        ranked = sorted(chain.dependants.items(), key=lambda kv: (-kv[1], -units[kv[0]], kv[0]))
        ends = _ends(chain)
        out = []
        for actor_id, count in ranked:
            actor = chain.actors[actor_id]
            if actor.role == "centre":
                continue
            source = ways.get(actor_id)
            key = f"{source}->{actor_id}" if source is not None else None
            link_in = chain.link_at(index[source], index[actor_id]) if source is not None else None
            way_in = link_in.strength if link_in is not None else None
            carried = units[actor_id] / total
            reasons = [f"{name} {getattr(actor, name)}" for name in ("capacity", "will")
                       if getattr(actor, name) in weak]
            if way_in in weak:
                reasons.append(f"its only way in, {key}, is at {way_in}")
            route = best[index[actor_id]]
            strong = route == len(chain.scale.codes) and actor.capacity == top and actor.will == top
            if carried >= share and not strong:
                unrated = [name for name in ("capacity", "will") if getattr(actor, name) is None]
                detail = (f"{' and '.join(unrated)} not rated" if unrated else
                          f"route {chain.level_of(route)}, capacity {actor.capacity}, will {actor.will}")
                reasons.append(f"it carries {carried:.0%} of the front line and is not strong ({detail})")
            entered = f", entered only by {key}" if key is not None else ""
            if reasons:
                verdict = "it matters: " + "; ".join(reasons)
            elif strong:
                verdict = "noted, not capping: it is strong (route, capacity and will at G)"
            else:
                verdict = f"noted, not capping: it carries {carried:.0%} of the front line and is not itself weak"
            out.append(ChainFinding(
                "single-point-of-failure", "AG",
                f"Every route to {count} {ends} ({units[actor_id]:,} units) passes through "
                f"{actor_id}{entered}; {verdict}.",
                actors=(actor_id,), links=(key,) if key else (), evidence=chain.evidence_of(actors=[actor_id]),
                count=count, caps=bool(reasons)))
        return out


class NoFeedback:
    id = "no-feedback"
    version = "2.0"
    title = "No feedback"
    description = ("Actors (intermediaries, the front line, and beneficiaries when they are judged) whose "
                   "information does not get back to the centre through links that are not weak: none at all "
                   "(no-feedback) or only through weak links, AR or R (weak-feedback), caps at AR; at best "
                   "through moderate ones, AG (moderate-feedback), caps at AG.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        back = chain.feedback
        weak = _weak(chain)
        top = len(chain.scale.codes)
        silent: list[str] = []
        by_strength: dict[int, list[str]] = {}
        for a in chain.chain.actors:
            if a.id in chain.outside or a.role not in ("intermediary", "front-line", "beneficiary"):
                continue
            s = back.get(a.id)
            if s is None:
                silent.append(a.id)
            elif s < top:
                by_strength.setdefault(s, []).append(a.id)
        by_level = {chain.level_of(s): ids for s, ids in by_strength.items()}
        out = []
        if silent:
            out.append(ChainFinding("no-feedback", "AR",
                                    f"No information flows back to the centre from {_names(silent)}.",
                                    actors=tuple(silent), count=len(silent)))
        for level in sorted(by_level, key=chain.scale.rank, reverse=True):  # R before AR before AG
            ids = by_level[level]
            if level in weak:
                out.append(ChainFinding(
                    "weak-feedback", "AR",
                    f"Information gets back to the centre from {_names(ids)} only through weak links (the "
                    f"strongest route back is at {level}): as good as no feedback for knowing whether delivery "
                    "is on track.", actors=tuple(ids), count=len(ids)))
            else:
                out.append(ChainFinding(
                    "moderate-feedback", level,
                    f"Information gets back to the centre from {_names(ids)} at best through moderate links "
                    f"(the strongest route back is at {level}).", actors=tuple(ids), count=len(ids)))
        return out


class UnreachableFrontLine:
    id = "unreachable-front-line"
    version = "1.1"
    title = "Unreachable front line"
    description = "Front-line actors with no route from the centre. Caps at R."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        best, index = chain.route_strengths, chain.index
        cut = [f for f in chain.ends if not best[index[f]]]
        if not cut:
            return []
        absent = [k for k, link in chain.links_by_key.items() if link.strength == "absent" and link.to in cut]
        return [ChainFinding("unreachable", "R", f"No route from the centre reaches {_names(cut)}.",
                             actors=tuple(cut), links=tuple(absent), count=len(cut))]


class WeakActors:
    id = "weak-actors"
    version = "1.1"
    title = "Weak actors"
    description = ("Actors with capacity or will at AR or R on a necessary route (front-line actors, "
                   "and actors every route to some front-line actor passes). Caps at their level.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        necessary = set(chain.dependants) | set(chain.ends)
        low = _weak(chain)
        out = []
        for actor in chain.chain.actors:
            if (actor.capacity not in low and actor.will not in low) or actor.id not in necessary:
                continue
            weak = [(name, getattr(actor, name)) for name in ("capacity", "will") if getattr(actor, name) in low]
            if weak:
                level = max((lv for _, lv in weak), key=chain.scale.rank)
                what = " and ".join(f"{name} {lv}" for name, lv in weak)
                out.append(ChainFinding("weak-actor", level,
                                        f"{actor.name} ({actor.id}) has {what} on a necessary route.",
                                        actors=(actor.id,), evidence=tuple(actor.evidence), count=actor.count))
        return out


class LongChains:
    id = "long-chains"
    version = "1.1"
    title = "Long chains"
    description = "Front-line actors more links from the centre than the chain's max_levels. Caps at AG."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        limit = chain.chain.settings.max_levels
        hops, index = chain.hop_nodes, chain.index  # -1 for an end no route reaches, within any limit
        far = [f for f in chain.ends if hops[index[f]] > limit]
        if not far:
            return []
        longest = max(hops[index[f]] for f in far)
        return [ChainFinding("long-chain", "AG",
                             f"{_names(far)} are more than {limit} links from the centre (up to {longest}).",
                             actors=tuple(far), count=len(far))]


class UnevidencedLinks:
    id = "unevidenced-links"
    version = "1.1"
    title = "Unevidenced links"
    description = "Links in the judgment with no evidence behind their strength. Caps at AG."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        bare = [link.key for link in chain.chain.links if not link.evidence and chain.judged(link)]
        if not bare:
            return []
        return [ChainFinding("unevidenced-link", "AG", f"No evidence for the links {_names(bare)}.",
                             links=tuple(bare), count=len(bare))]


@hookimpl
def stocktake_register_chain_detectors(registry: Registrar) -> None:
    for detector in (WeakestLink(), SinglePointsOfFailure(), NoFeedback(), UnreachableFrontLine(), WeakActors(),
                     LongChains(), UnevidencedLinks()):
        registry.add_detector(detector)
