"""The chain's own checks (``DeliveryChain._check``): a document with several faults fails at the
first in the document's order, located exactly as when it is the only one; a sound chain has its
levels resolved to codes."""

from __future__ import annotations

import copy
import itertools
import json

import pytest

from stocktake.core.errors import DocumentError
from stocktake.testing import make_engine


def sound() -> dict:
    actors = [{"id": "c", "name": "C", "level": 0, "role": "centre", "evidence": ["e1"]},
              {"id": "d", "name": "D", "level": 1, "role": "intermediary", "capacity": "Amber-Green"},
              {"id": "s", "name": "S", "level": 2, "role": "front-line", "will": "g"}]
    links = [{"from": "c", "to": "d", "levers": ["funding"], "strength": "G"},
             {"from": "d", "to": "s", "levers": ["support"], "strength": "Absent"},
             {"from": "s", "to": "c", "levers": ["information"], "strength": "red", "evidence": ["e1"]}]
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "c", "priority": "p", "title": "C",
            "evidence": [{"id": "e1", "kind": "document", "source": "E"}], "actors": actors, "links": links}


def set_(where: str, key: str, value):
    def fault(doc: dict) -> None:
        kind, i = where.split(".")
        doc[kind][int(i)][key] = value
    return fault


FAULTS = [  # in the document's order of checking
    ("actors[1].capacity", set_("actors.1", "capacity", "Purple")),
    ("actors[1].evidence[0]", set_("actors.1", "evidence", ["nope"])),
    ("actors[2].will", set_("actors.2", "will", "absent")),
    ("actors", set_("actors.0", "role", "intermediary")),
    ("links[0].from", set_("links.0", "from", "x")),
    ("links[1].to", set_("links.1", "to", "y")),
    ("links[2]", set_("links.2", "to", "s")),
    ("links[2].strength", set_("links.2", "strength", "Blue")),
    ("links[2].evidence[0]", set_("links.2", "evidence", ["e2"])),
]


@pytest.fixture(scope="module")
def load(tmp_path_factory):
    engine, folder = make_engine(), tmp_path_factory.mktemp("checks")

    def error(faults) -> str | None:
        doc = copy.deepcopy(sound())
        for _, fault in faults:
            fault(doc)
        path = folder / "chain.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        try:
            engine.load(path)
        except DocumentError as e:
            return str(e)
        return None
    return error


def test_a_sound_chain_loads_with_its_levels_as_codes(tmp_path):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(sound()), encoding="utf-8")
    chain = make_engine().load(path).model
    assert [(a.capacity, a.will) for a in chain.actors] == [(None, None), ("AG", None), (None, "G")]
    assert [x.strength for x in chain.links] == ["G", "absent", "R"]


@pytest.mark.parametrize("path, fault", FAULTS, ids=[p for p, _ in FAULTS])
def test_each_fault_alone_is_found_where_it_is(load, path, fault):
    message = load([(path, fault)])
    assert message is not None and f": $.{path}: expected " in message


@pytest.mark.parametrize("first, later", list(itertools.combinations(range(len(FAULTS)), 2)))
def test_of_two_faults_the_first_in_the_document_is_told(load, first, later):
    if FAULTS[later][0].startswith(FAULTS[first][0].split(".")[0]) and FAULTS[first][0] == "links[2]":
        pytest.skip("a link to itself and its later faults are one link's")
    both, alone = load([FAULTS[first], FAULTS[later]]), load([FAULTS[first]])
    assert both is not None and alone is not None
    # the place after the path: a later fault written earlier in the text (a role) moves columns
    assert both.partition(": $.")[2] == alone.partition(": $.")[2] and f"$.{FAULTS[first][0]}:" in both
