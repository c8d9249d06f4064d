"""Diagrams of hostile chains: Mermaid and DOT show every name as a label (no directive, comment,
statement or markup from data), distinct actors stay distinct nodes, labels break lines the way
each format does, and DOT takes time linear in the number of levels."""

from __future__ import annotations

import json
import re

from bounded import stocktake_bounded

HOSTILE_NAMES = {
    "init": '%%{init: {"theme": "dark", "securityLevel": "loose"}}%%',
    "comment": "%% the rest is a comment",
    "statement": 'x"] ; click n_c call alert(1) ; y["',
    "markup": "<img src=x onerror=alert(1)> `code` [x](javascript:alert(1)) {a} | b & c #35;",
    "fence": "```\n# Heading\n~~~",
    "terminal": "\x1b[31mred\x07\x08\r\x9b",
}


def chain_document(actors: list[dict], links: list[dict], **extra) -> dict:
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "c", "priority": "p", "title": "Chain",
            "actors": actors, "links": links, **extra}


def hostile_chain() -> dict:
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    links = []
    for i, name in enumerate(HOSTILE_NAMES.values(), 1):
        actors.append({"id": f"a{i}", "name": name, "level": 1, "role": "front-line"})
        links.append({"from": "c", "to": f"a{i}", "levers": ["funding"], "strength": "AG"})
    return chain_document(actors, links)


def draw(run, tmp_path, doc: dict, fmt: str) -> str:
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run("chain", str(path), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def labels(text: str) -> list[str]:
    return re.findall(r'"((?:[^"\\]|\\.)*)"', text)


def test_mermaid_shows_directives_comments_and_markup_in_names_as_label_text(run, tmp_path):
    text = draw(run, tmp_path, hostile_chain(), "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart TD" and len(lines) == 1 + 7 + 6  # one line per actor and per link
    assert "%" not in text and "{" not in text  # no directive or comment anywhere
    for label in labels(text):  # nothing that ends a label, a statement or starts markup
        assert not re.search(r"[<>`|\[\]{}%;&\"]", re.sub(r"#(\d+|quot);", "", label)), label
    # Each name is one label, its text spelled in Mermaid's entity codes.
    assert '  n_a1["#37;#37;#123;init: #123;#quot;theme#quot;: #quot;dark#quot;' in text
    assert '  n_a3["x#quot;#93; #59; click n_c call alert(1) #59; y#91;#quot;"]' in text
    assert "#60;img src=x onerror=alert(1)#62; #96;code#96; #91;x#93;(javascript:alert(1))" in text
    assert '  n_a5["#96;#96;#96; #35; Heading ~~~"]' in text  # one line
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\x9b" not in text
    assert '  n_a6["\\x1b#91;31mred\\x07\\x08 \\x9b"]' in text  # CR is whitespace: a space


def test_mermaid_keeps_actors_whose_ids_differ_only_by_punctuation_apart(run, tmp_path):
    # (Ids that differ only in case are refused when the chain is read.)
    ids = ["a-b", "a_b", "a.b", "A.B-", "n_x", "x"]
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    actors += [{"id": i, "name": f"Actor {i}", "level": 1, "role": "front-line"} for i in ids]
    links = [{"from": "c", "to": i, "levers": ["funding"], "strength": "G"} for i in ids]
    links.append({"from": "a.b", "to": "a-b", "levers": ["information"], "strength": "AG"})
    text = draw(run, tmp_path, chain_document(actors, links), "mermaid")
    nodes = dict(re.findall(r'^  (\w+)\["Actor ([^"]+)"\]$', text, flags=re.M))
    assert len(nodes) == len(ids) and set(nodes.values()) == set(ids)
    assert len({n.casefold() for n in nodes}) == len(ids)  # distinct even to a reader that folds case
    node = {actor: n for n, actor in nodes.items()}
    assert node["a-b"] == "n_a_b" and node["x"] == "n_x"  # the first keeps the id it always had
    edges = re.findall(r'^  (\w+) -->\|"[^"]*"\| (\w+)$', text, flags=re.M)
    assert sorted(edges) == sorted([("n_c", node[i]) for i in ids] + [(node["a.b"], node["a-b"])])


def test_the_same_chain_gets_the_same_node_ids(run, tmp_path):
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    actors += [{"id": i, "name": i, "level": 1, "role": "front-line"} for i in ("p.q", "p-q", "p_q_2", "p_q")]
    links = [{"from": "c", "to": a["id"], "levers": ["funding"], "strength": "G"} for a in actors[1:]]
    first = draw(run, tmp_path, chain_document(actors, links), "mermaid")
    assert first == draw(run, tmp_path, chain_document(actors, links), "mermaid")
    assert re.findall(r"^  (\w+)\[", first, flags=re.M) == ["n_c", "n_p_q", "n_p_q_2", "n_p_q_2_2", "n_p_q_3"]


def test_dot_breaks_label_lines_with_dots_own_escape_and_escapes_quotes_and_backslashes(run, tmp_path):
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"},
              {"id": "r", "name": 'Region "North"\nsecond line \\N \\G', "level": 1, "role": "intermediary"},
              {"id": "f", "name": "<b>html</b>\x1b[31m\r", "level": 2, "role": "front-line"}]
    links = [{"from": "c", "to": "r", "levers": ["funding"], "strength": "G"},
             {"from": "r", "to": "f", "levers": ["support"], "strength": "G"}]
    text = draw(run, tmp_path, chain_document(actors, links), "dot")
    # The region is the only way to the front line: its label gets a second line, SPOF.
    assert '  "r" [label="Region \\"North\\"\\nsecond line \\\\N \\\\G\\nSPOF", peripheries=2];' in text
    assert "\\\\nSPOF" not in text  # a line break, not a backslash and an n
    assert '  "f" [label="<b>html</b>\\\\x1b[31m\\\\r"];' in text  # a quoted label: text, not HTML
    assert "label=<" not in text and "\x1b" not in text and "\r" not in text
    assert '  "r" -> "f" [label="G support"];' in text
    assert len(text.splitlines()) == 3 + 3 + 3 + 2 + 1  # header, ranks, actors, links, close


def test_dot_of_a_chain_with_many_levels_takes_linear_time(tmp_path):
    """One actor per level: grouping actors by level was a scan of every actor per level."""
    levels = 60_000
    actors = [{"id": f"a{i}", "name": f"A{i}", "level": i,
               "role": "centre" if i == 0 else "front-line" if i == levels - 1 else "intermediary"}
              for i in range(levels)]
    links = [{"from": f"a{i}", "to": f"a{i + 1}", "levers": ["funding"], "strength": "G"} for i in range(levels - 1)]
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(chain_document(actors, links, settings={"max_levels": levels})), encoding="utf-8")
    result = stocktake_bounded("chain", str(path), "--format", "dot", "-o", str(tmp_path / "deep.dot"),
                               cwd=tmp_path, seconds=45)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "deep.dot").read_text(encoding="utf-8")
    assert text.count("rank=same") == levels and '{ rank=same; "a59999" }' in text


def test_diagrams_of_a_chain_on_a_scale_with_many_levels_take_linear_time(tmp_path, monkeypatch):
    """A plugin's chain scale of 20,000 levels: each link's level was looked up among the weak
    levels one by one (9 s for DOT, 7 s for Mermaid at 100,000 links). The weak levels a view
    touches are counted: as many for 40,000 links as for 20,000 (not links times levels)."""
    from stocktake import hookimpl
    from stocktake.chains import views
    from stocktake.chains.views import chain_dot, chain_mermaid
    from stocktake.testing import make_engine

    codes = [f"L{i}" for i in range(20_000)]

    class ManyLevels:
        @hookimpl
        def stocktake_register_scales(self, registry):
            registry.add_scale({"id": "many", "title": "Many", "levels": [
                {"code": c, "label": f"Level {i}", "score": len(codes) - i} for i, c in enumerate(codes)]})
            registry.declare_default("chain-scale", "many")

    def chain(links: int) -> dict:
        actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
        actors += [{"id": f"f{i}", "name": f"F{i}", "level": 1, "role": "front-line"} for i in range(links)]
        return chain_document(actors, [{"from": "c", "to": f"f{i}", "levers": ["funding"],
                                        "strength": codes[i * 7 % len(codes)]} for i in range(links)])

    touched = [0]

    class Counted(tuple):
        """The weak levels, counting each one read (a scan for one level reads them all)."""

        def __iter__(self):
            for code in super().__iter__():
                touched[0] += 1
                yield code

        def __contains__(self, code):
            touched[0] += len(self)
            return super().__contains__(code)

    weak_levels = views.weak_levels
    monkeypatch.setattr(views, "weak_levels", lambda result: Counted(weak_levels(result)))
    engine = make_engine(("many", ManyLevels()), disabled=["builtin-scales"])
    small = tmp_path / "small.json"
    small.write_text(json.dumps(chain(2)), encoding="utf-8")
    result = engine.chain(small)  # the scale's levels
    assert len(result.summary.route_strength) == len(codes) + 1
    for view in (chain_dot, chain_mermaid):
        work = []
        for links in (20_000, 40_000):
            path = tmp_path / f"{links}.json"
            path.write_text(json.dumps(chain(links)), encoding="utf-8")
            drawing = engine.load(path).model
            touched[0] = 0
            text = view(drawing, result)
            work.append(touched[0])
            assert text.count("weak") == links // 2  # the lower half of the scale is weak
        assert 0 < work[1] <= work[0] <= len(codes), (view.__name__, work)
