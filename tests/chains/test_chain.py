"""Delivery chains: answers known by inspection, algorithm shape, bad input, diagrams, plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stocktake.testing import make_engine

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chain.yaml"


@pytest.fixture(scope="module")
def result():
    return make_engine().chain(FIXTURE)


def findings(result, code):
    return [f for f in result.findings if f.code == code]


def test_a_region_that_is_the_only_route_to_five_districts(result):
    spof = {f.actors[0]: (f.count, f.links) for f in findings(result, "single-point-of-failure")}
    # five districts; four of their schools are reachable; the one way in is told with the actor
    assert spof["north"] == (4, ["dept->north"])


def test_a_school_with_no_feedback(result):
    (silent,) = findings(result, "no-feedback")
    assert "S3" in silent.actors and "S1" not in silent.actors and silent.level == "AR"


def test_a_weak_district_to_school_link(result):
    weak = {f.links[0]: (f.level, f.actors) for f in findings(result, "weak-link")}
    assert weak["D2->S2"] == ("AR", ["S2"])


def test_an_unreachable_school(result):
    (cut,) = findings(result, "unreachable")
    assert cut.actors == ["S4"] and cut.links == ["D4->S4"] and cut.level == "R"
    assert result.summary.route_strength["unreachable"] == 1


def test_a_cycle_through_feedback_links_is_allowed(result):
    # Schools report to districts, districts to regions, regions to the department: cycles.
    assert result.summary.reachable_front_line == 5
    assert "S1" not in findings(result, "no-feedback")[0].actors


def test_weak_actor_on_a_necessary_route(result):
    (weak,) = findings(result, "weak-actor")
    assert weak.actors == ["D5"] and weak.level == "AR"


def test_the_chain_is_as_strong_as_its_weakest_necessary_link(result):
    judgment = result.judgment
    assert judgment.rating == "R" and "No route from the centre reaches S4" in judgment.because
    assert judgment.rule.id == "weakest-necessary-link"
    assert any(step.startswith("detector weakest-link 2.1: ") for step in judgment.trail)


def layered(levels: int, width: int) -> dict:
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    links = []
    previous = ["c"]
    for level in range(1, levels + 1):
        role = "front-line" if level == levels else "intermediary"
        names = [f"L{level}N{i}" for i in range(width)]
        actors += [{"id": n, "name": n, "level": level, "role": role} for n in names]
        links += [{"from": p, "to": n, "levers": ["accountability", "information"], "strength": "G"}
                  for p in previous for n in names]
        previous = names
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "layered", "priority": "p", "title": "Layered",
            "actors": actors, "links": links, "settings": {"max_levels": 50}}


class WorkExceeded(Exception):
    pass


def lines_run(call, budget: int = 10_000_000) -> int:
    """The lines of stocktake's own code that ``call()`` runs (a deterministic measure of its
    work, whatever the machine's load); past ``budget`` lines it stops with WorkExceeded."""
    import sys

    import stocktake

    roots = tuple(str(Path(p).resolve().parent) for p in stocktake.__path__) + tuple(stocktake.__path__)
    count = 0

    def line(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count > budget:
                raise WorkExceeded(f"over {budget:,} lines")
        return line

    def scope(frame, event, arg):
        return line if frame.f_code.co_filename.startswith(roots) else None

    sys.settrace(scope)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def test_forty_levels_fully_connected_take_work_linear_in_the_links_because_no_path_is_enumerated(tmp_path):
    """3^40 routes from the centre to the front line: enumeration would never finish. The work,
    counted in lines run, doubles (not squares) from 20 levels to 40."""
    engine = make_engine()
    work: dict[int, int] = {}
    for levels in (10, 10, 20, 40):  # the first run is the engine's warm-up
        path = tmp_path / f"layered-{levels}.json"
        path.write_text(json.dumps(layered(levels, 3)))
        work[levels] = lines_run(lambda path=path: engine.chain(path), budget=3 * work.get(levels // 2, 2_000_000))
    assert work[40] - work[20] <= 2.5 * (work[20] - work[10]), work  # 180 more links, after 90 more
    result = engine.chain(path)
    assert result.summary.route_strength["G"] == 3
    assert not findings(result, "single-point-of-failure")   # every layer has three ways through
    # Every link points down, so nothing feeds back to the centre: AR, found without enumeration.
    assert result.judgment.rating == "AR" and findings(result, "no-feedback")[0].count == 120


def test_long_chains_are_flagged_by_a_configurable_threshold(tmp_path):
    doc = layered(7, 1)
    doc["settings"] = {"max_levels": 5}
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc))
    (long,) = findings(make_engine().chain(path), "long-chain")
    assert long.actors == ["L7N0"] and "up to 7" in long.message


def test_several_centres_are_allowed_and_act_as_one(tmp_path):
    doc = layered(2, 2)
    doc["actors"].append({"id": "c2", "name": "Second centre", "level": 0, "role": "centre"})
    doc["links"] = [x for x in doc["links"] if not (x["from"] == "c" and x["to"] == "L1N1")]
    doc["links"].append({"from": "c2", "to": "L1N1", "levers": ["funding"], "strength": "AG"})
    path = tmp_path / "two.json"
    path.write_text(json.dumps(doc))
    result = make_engine().chain(path)
    assert result.summary.reachable_front_line == 2


@pytest.mark.parametrize("fmt", ["json", "md", "html", "dot", "mermaid"])
def test_outputs_are_byte_identical_and_mark_weak_points_in_text(run, fmt):
    first = run("chain", str(FIXTURE), "--format", fmt)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == run("chain", str(FIXTURE), "--format", fmt).stdout
    if fmt == "mermaid":
        assert '-.->|"AR support weak"| n_D2' not in first.stdout  # the weak link goes D2 -> S2
        assert 'n_D2 -.->|"AR support weak"| n_S2' in first.stdout and "SPOF" in first.stdout
        assert '--x|"absent support"|' in first.stdout
    if fmt == "dot":
        assert '"D2" -> "S2" [label="AR support weak", style=dashed' in first.stdout
        assert "peripheries=2" in first.stdout and "rank=same" in first.stdout
    if fmt == "html":
        assert "<svg" in first.stdout and "SPOF" in first.stdout and "stroke-dasharray" in first.stdout


def test_result_follows_its_schema(run, tmp_path):
    from jsonschema import Draft202012Validator

    from stocktake.core.schemas import load_schema
    from stocktake.kinds import KINDS

    out = tmp_path / "c.json"
    assert run("chain", str(FIXTURE), "-o", str(out)).exit_code == 0
    Draft202012Validator(load_schema(KINDS["DeliveryChainResult"])).validate(json.loads(out.read_text()))
    assert run("validate", str(out)).exit_code == 0


def test_actors_and_links_from_csv(tmp_path, run):
    (tmp_path / "actors.csv").write_text("id,name,level,role,count,capacity\nc,Centre,0,centre,,\n"
                                         "d,District,1,intermediary,,R\ns,School,2,front-line,500,\n")
    (tmp_path / "links.csv").write_text("from,to,levers,strength,evidence\nc,d,accountability;funding,G,\n"
                                        "d,s,support,YR,\ns,d,information,G,\nd,c,information,G,\n")
    doc = tmp_path / "chain.yaml"
    doc.write_text("kind: DeliveryChain\nschema_version: 1\nid: csv\npriority: p\ntitle: From registers\n"
                   "actors_file: actors.csv\nlinks_file: links.csv\n")
    result = make_engine().chain(doc)
    assert {f.code for f in result.findings} >= {"weak-link", "weak-actor"}
    assert len(result.inputs) == 3
    (tmp_path / "links.csv").write_text("from,to,levers,strength\nc,d,accountability,G\nd,x,support,G\n")
    bad = run("chain", str(doc))
    assert bad.exit_code == 2 and f"{tmp_path / 'links.csv'}, cell B3 (to): expected an actor id defined under 'actors'" in bad.stderr


def test_a_failing_detector_becomes_a_failure_and_exit_3(fake_dist, run, tmp_path):
    source = '''
from stocktake import hookimpl

class Broken:
    id = "broken-detector"
    version = "0.9"
    title = "Broken"
    description = "Raises."
    def detect(self, chain):
        raise RuntimeError("graph too pretty")

@hookimpl
def stocktake_register_chain_detectors(registry):
    registry.add_detector(Broken())
'''
    fake_dist("broken-detector", "0.9.0", modules={"broken_detector": source}, entry_points={"brokendet": "broken_detector"})
    out = tmp_path / "c.json"
    result = run("chain", str(FIXTURE), "-o", str(out))
    assert result.exit_code == 3
    assert "plugin 'brokendet' (distribution broken-detector 0.9.0)" in result.stderr
    data = json.loads(out.read_text())
    assert data["failures"][0]["message"] == "RuntimeError: graph too pretty"
    assert data["judgment"]["rating"] == "R"          # the other detectors' findings stand


def test_the_chain_judgment_is_evidence_for_the_delivery_chain_sub_criterion(tmp_path, run):
    assessment = Path(__file__).parents[1] / "fixtures" / "assessment.yaml"
    engine = make_engine()
    plain = engine.judge(assessment)
    with_chain = engine.judge(assessment, chains=[FIXTURE])
    reading = next(p for p in with_chain.priorities if p.id == "reading")
    capacity = next(i for i in reading.judgment.inputs if i.name == "capacity")
    # The team rated delivery-chain AG themselves: the analysis is cited beside their rating.
    assert "chain-reading-chain" in capacity.evidence
    assert [i.path for i in with_chain.inputs][-1] == str(FIXTURE)
    assert next(p for p in plain.priorities if p.id == "reading").judgment.rating == reading.judgment.rating
    # Without the team's rating, the chain's R becomes the sub-criterion's level and caps capacity.
    doc = assessment.read_text().replace("          delivery-chain: {level: AG, evidence: [E2]}\n", "")
    bare = tmp_path / "a.yaml"
    bare.write_text(doc)
    judged = engine.judge(bare, chains=[FIXTURE])
    capacity = next(i for i in next(p for p in judged.priorities if p.id == "reading").judgment.inputs
                    if i.name == "capacity")
    assert capacity.value == "R" and "chain-reading-chain" in capacity.evidence
    result = run("judge", str(bare), "--chain", str(FIXTURE), "--format", "md")
    assert result.exit_code == 0 and "chain-reading-chain" in result.stdout
    other = tmp_path / "other.yaml"
    other.write_text(FIXTURE.read_text().replace("priority: reading", "priority: nonesuch"))
    bad = run("judge", str(assessment), "--chain", str(other))
    assert bad.exit_code == 2 and "is for priority 'nonesuch', which the assessment does not have" in bad.stderr


# -- the graph analyses against networkx and against their definitions, on random chains -------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def random_chains(draw):
    """A chain of up to 14 actors (one or two centres) with random links, absent ones included."""
    n = draw(st.integers(3, 14))
    centres = draw(st.integers(1, 2))
    roles = ["centre"] * centres + [draw(st.sampled_from(["intermediary", "front-line"])) for _ in range(n - centres)]
    roles[-1] = "front-line"
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3 * n))
    actors = [{"id": f"a{i}", "name": f"A{i}", "level": i, "role": r} for i, r in enumerate(roles)]
    links = [{"from": f"a{u}", "to": f"a{v}", "levers": draw(st.sampled_from([["funding"], ["information"]])),
              "strength": draw(st.sampled_from(["G", "AG", "AR", "R", "absent"]))} for u, v in chosen]
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "c", "priority": "p", "title": "C",
            "actors": actors, "links": links}


@settings(max_examples=300, deadline=None)
@given(random_chains())
def test_dominators_single_links_and_dependants_agree_with_their_definitions(data):
    import networkx as nx

    from stocktake.chains.analysis import SOURCE, ChainGraph
    from stocktake.chains.model import DeliveryChain

    engine = make_engine()
    chain = DeliveryChain.model_validate(data, context=engine._context())
    graph = ChainGraph(chain, engine.scale("delivery"))
    nxg = graph.graph  # the networkx view third-party detectors get: same nodes and links
    assert set(nxg.nodes) == {*graph.actors, SOURCE}
    assert {(u, v, s) for u, v, s in nxg.edges(data="s")} == \
           {(u, v, s) for u, out in graph.succ.items() for v, s in out.items()}

    expected = {v: d for v, d in nx.immediate_dominators(nxg, SOURCE).items() if v != SOURCE}
    assert graph.dominators == expected

    def dominated_by(u, v):  # every route to u passes v: walk u's dominators up
        while u in expected and u != v:
            u = expected[u]
        return u == v

    fronts = [a.id for a in chain.actors if a.role == "front-line"]
    counts = {}
    for f in fronts:
        d = expected.get(f)
        while d is not None and d != SOURCE:
            counts[d] = counts.get(d, 0) + 1
            d = expected[d]
    assert graph.dependants == counts
    single = {}
    for v in expected:
        ways = [u for u in nxg.pred[v] if u in expected and not dominated_by(u, v)]
        if len(ways) == 1:
            single[v] = ways[0]
    assert graph.only_way_in == single
