"""Built-in chain detectors. Each returns findings with the level it caps the chain at; the chain
is as strong as its weakest necessary link (the judgment is the lowest cap)."""

from __future__ import annotations

from stocktake import hookimpl
from stocktake.chains.analysis import ChainFinding, ChainGraph
from stocktake.hooks.registry import Registrar

LISTED = 20  # how many names a message spells out; the finding lists them all


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


class WeakestLink:
    id = "weakest-link"
    version = "1.0"
    title = "Weakest link"
    description = ("For every front-line actor, the strongest route from the centre and the weakest "
                   "link on it. A front-line actor whose best route has a link below G caps the chain.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        best, weakest = chain.widest
        groups: dict[tuple[str, str], list[str]] = {}
        for f in chain.front_line:
            if f in best and best[f] < len(chain.scale.codes) and weakest.get(f):
                groups.setdefault(weakest[f], []).append(f)  # type: ignore[arg-type]
        out = []
        for (u, v), fronts in sorted(groups.items(), key=lambda kv: (best[kv[1][0]], kv[0])):
            level = chain.level_of(best[fronts[0]])
            key = f"{u}->{v}"
            out.append(ChainFinding(
                "weak-link", level,
                f"The strongest route from the centre to {_names(fronts)} passes the link {key} at {level}.",
                actors=tuple(fronts), links=(key,), evidence=chain.evidence_of(links=[key]), count=len(fronts)))
        return out


class SinglePointsOfFailure:
    id = "single-points-of-failure"
    version = "1.0"
    title = "Single points of failure"
    description = ("Actors and links that every route from the centre to some front-line actors passes "
                   "through (dominators), with how many front-line actors depend on each. Caps at AG.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        out = []
        for actor, count in sorted(chain.dependants.items(), key=lambda kv: (-kv[1], kv[0])):
            if chain.actors[actor].role == "centre":
                continue
            out.append(ChainFinding(
                "single-point-of-failure", "AG",
                f"Every route to {count} front-line actor(s) passes through {actor}.",
                actors=(actor,), evidence=chain.evidence_of(actors=[actor]), count=count))
        ways = chain.only_way_in
        for v, count in sorted(chain.dependants.items()):
            source = ways.get(v) if chain.actors[v].role != "centre" else None
            if source is not None:
                key = f"{source}->{v}"
                out.append(ChainFinding(
                    "single-link", "AG", f"Every route to {count} front-line actor(s) uses the link {key}.",
                    links=(key,), evidence=chain.evidence_of(links=[key]), count=count))
        singles = [(ways[f], f) for f in chain.front_line if f in ways]
        if singles:
            fronts = [f for _, f in singles]
            out.append(ChainFinding(
                "single-link-to-front-line", "AG",
                f"{len(singles)} front-line actor(s) are reached by one link only: {_names(fronts)}.",
                actors=tuple(fronts), links=tuple(f"{u}->{f}" for u, f in singles), count=len(singles)))
        return out


class NoFeedback:
    id = "no-feedback"
    version = "1.0"
    title = "No feedback"
    description = ("Actors (intermediaries and the front line) from which no information link leads "
                   "back to the centre: the centre cannot see what happens there. Caps at AR.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        back = chain.feeds_back
        silent = [a.id for a in chain.chain.actors if a.role in ("intermediary", "front-line") and a.id not in back]
        if not silent:
            return []
        return [ChainFinding("no-feedback", "AR",
                             f"No information flows back to the centre from {_names(silent)}.",
                             actors=tuple(silent), count=len(silent))]


class UnreachableFrontLine:
    id = "unreachable-front-line"
    version = "1.0"
    title = "Unreachable front line"
    description = "Front-line actors with no route from the centre. Caps at R."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        best, _ = chain.widest
        cut = [f for f in chain.front_line if f not in best]
        if not cut:
            return []
        absent = [k for k, link in chain.links_by_key.items() if link.strength == "absent" and link.to in cut]
        return [ChainFinding("unreachable", "R", f"No route from the centre reaches {_names(cut)}.",
                             actors=tuple(cut), links=tuple(absent), count=len(cut))]


class WeakActors:
    id = "weak-actors"
    version = "1.0"
    title = "Weak actors"
    description = ("Actors with capacity or will at AR or R on a necessary route (front-line actors, "
                   "and actors every route to some front-line actor passes). Caps at their level.")

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        necessary = set(chain.dependants) | set(chain.front_line)
        low = chain.scale.codes[len(chain.scale.codes) // 2:]
        out = []
        for actor in chain.chain.actors:
            if actor.id not in necessary:
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
    version = "1.0"
    title = "Long chains"
    description = "Front-line actors more links from the centre than the chain's max_levels. Caps at AG."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        limit = chain.chain.settings.max_levels
        far = [f for f in chain.front_line if chain.hops.get(f, 0) > limit]
        if not far:
            return []
        longest = max(chain.hops[f] for f in far)
        return [ChainFinding("long-chain", "AG",
                             f"{_names(far)} are more than {limit} links from the centre (up to {longest}).",
                             actors=tuple(far), count=len(far))]


class UnevidencedLinks:
    id = "unevidenced-links"
    version = "1.0"
    title = "Unevidenced links"
    description = "Links with no evidence behind their strength. Caps at AG."

    def detect(self, chain: ChainGraph) -> list[ChainFinding]:
        bare = [link.key for link in chain.chain.links if not link.evidence]
        if not bare:
            return []
        return [ChainFinding("unevidenced-link", "AG", f"No evidence for the links {_names(bare)}.",
                             links=tuple(bare), count=len(bare))]


@hookimpl
def stocktake_register_chain_detectors(registry: Registrar) -> None:
    for detector in (WeakestLink(), SinglePointsOfFailure(), NoFeedback(), UnreachableFrontLine(), WeakActors(),
                     LongChains(), UnevidencedLinks()):
        registry.add_detector(detector)
