"""The fast read of a chain (msgspec structs, then the model's checks: :mod:`stocktake.chains.structs`)
and pydantic's validation of ``DeliveryChain`` accept and reject the same data, and give the same
chain: for the valid fixtures and examples, the hostile corpus, every place of a chain replaced or
deleted, and hypothesis's combinations. Through the engine, the fast read gives the bytes and the
errors of the exact one. A fast read broken on purpose is caught by the same comparisons."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from stocktake.chains import structs
from stocktake.chains.model import DeliveryChain, as_models
from stocktake.core.errors import DocumentError
from stocktake.core.parsing import DEFAULT_LIMITS, parse_text
from stocktake.testing import make_engine

ROOT = Path(__file__).resolve().parents[2]
ENGINE = make_engine()
CONTEXT = ENGINE._context()


def _small_chain(actors: int = 150, seed: int = 1) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import chain

    doc = chain(actors, seed=seed)
    doc["actors"][3] |= {"type": "school", "count": 20, "capacity": "AR", "will": "amber-green", "evidence": ["E1"]}
    doc["links"][2] |= {"strength": "Absent", "note": "Vu: «déjà» 😀", "evidence": ["E1"]}
    doc["settings"] = {"max_levels": 3, "spof_share": 0.25, "beneficiaries": "judged"}
    return doc


def _documents(paths: list[Path]) -> list[Any]:
    found = []
    for path in paths:
        try:
            found.append(parse_text(path.read_text(encoding="utf-8"), fmt=path.suffix.lstrip("."),
                                    limits=DEFAULT_LIMITS).data)
        except (DocumentError, UnicodeDecodeError):
            continue  # refused by the reader: never validated
    return found


def _valid() -> list[dict[str, Any]]:
    files = [ROOT / "tests" / "fixtures" / "chain.yaml", *sorted((ROOT / "examples").rglob("*chain*.yaml")),
             *sorted((ROOT / "examples").rglob("chains/*"))]
    docs = [d for d in _documents([f for f in files if f.suffix in (".yaml", ".json")])
            if isinstance(d, dict) and d.get("kind") == "DeliveryChain" and "actors_file" not in d
            and "links_file" not in d]
    return [*docs, _small_chain(), _small_chain(40, seed=3)]


def _hostile() -> list[Any]:
    return _documents(sorted((ROOT / "tests" / "hostile").glob("chain-*")))


def exact(data: Any) -> Any:
    """pydantic's own validation (not the fast read the model's ``model_validate`` tries first)."""
    return BaseModel.model_validate.__func__(DeliveryChain, copy.deepcopy(data), context=dict(CONTEXT))


def _record(item: Any) -> tuple[Any, ...]:
    names = item.__struct_fields__ if isinstance(item, msgspec.Struct) else tuple(type(item).model_fields)
    return type(item).__name__.lower(), tuple((name, getattr(item, name)) for name in names)


def _summary(chain: Any) -> tuple[Any, ...]:
    """Everything the chain holds, whatever its records are."""
    head = tuple((name, getattr(chain, name)) for name in ("kind", "schema_version", "id", "priority", "title",
                                                               "actors_file", "links_file"))
    return (head, [e.model_dump() for e in chain.evidence], chain.settings.model_dump(),
            [_record(a) for a in chain.actors], [_record(x) for x in chain.links], sorted(chain.model_fields_set))


def disagreement(data: Any) -> str | None:
    """Why the fast read and pydantic differ on ``data``, or None."""
    try:
        expected = _summary(exact(data))
    except ValidationError:
        expected = None
    fast = structs.fast_chain(copy.deepcopy(data), dict(CONTEXT))
    if expected is None:
        return None if fast is None else "the fast read accepts what pydantic refuses"
    if fast is None:
        return None  # left to pydantic: slower, never wrong
    got = _summary(DeliveryChain.model_validate(copy.deepcopy(data), context=dict(CONTEXT)))
    return None if got == expected else "a different chain"


VALUES: list[Any] = [None, True, False, 0, 1, -1, 2, 7, 1.0, 0.5, -0.0, 10 ** 30, "", " ", "x", "G", "g", "3", "R",
                     "absent", " Absent ", "Purple", "c", "r0", "E1", "nope", "a\n", "a b", "-a", "_a", "a" * 100,
                     "a" * 101, "é", "centre", "front-line", "beneficiary", "support", "information", "judged",
                     "DeliveryChain", [], [None], ["E1"], ["E1", "E1"], ["support"], ["x"], [1], {}, {"a": 1},
                     {"id": "E2", "kind": "data", "source": "S"}]


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    places = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            places += _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:4]):
            places += _places(item, (*path, i))
    return places


def _replaced(doc: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return out


def _mutations(doc: dict[str, Any]) -> list[Any]:
    out = []
    for path in _places(doc):
        out += [_replaced(doc, path, v) for v in VALUES]
        out.append(_replaced(doc, path, None, delete=True))
        if isinstance(path[-1], str):  # an unknown property beside it
            out.append(_replaced(doc, (*path[:-1], "extra"), 1))
    return out


BASE = _valid()[0]


def test_there_are_valid_documents_and_the_fast_read_takes_them():
    assert len(_valid()) >= 3
    for doc in _valid():
        assert structs.fast_chain(copy.deepcopy(doc), dict(CONTEXT)) is not None, doc.get("id")
        assert disagreement(doc) is None


def test_the_hostile_corpus_is_refused_or_read_alike():
    hostile = _hostile()
    assert hostile
    assert [d for d in hostile if disagreement(d)] == []


def test_every_place_replaced_or_deleted_gives_the_same_verdict():
    docs = _mutations(BASE)
    assert len(docs) > 1000
    wrong = [(d, why) for d in docs if (why := disagreement(d))]
    assert wrong == [], wrong[:3]
    accepted = sum(structs.fast_chain(copy.deepcopy(d), dict(CONTEXT)) is not None for d in docs)
    assert 50 < accepted < len(docs) - 500  # both verdicts are exercised


_PLACES = _places(BASE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PLACES), st.sampled_from(range(len(VALUES) + 1))), min_size=1,
                max_size=4))
def test_combined_mutations_give_the_same_verdict(changes):
    doc = copy.deepcopy(BASE)
    for path, choice in changes:
        try:
            doc = _replaced(doc, path, VALUES[choice] if choice < len(VALUES) else None, delete=choice == len(VALUES))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the place
    assert disagreement(doc) is None


def test_registers_and_other_options_are_left_to_pydantic():
    assert structs.fast_chain({**BASE, "actors_file": "actors.csv"}, dict(CONTEXT)) is None
    assert structs.fast_chain([BASE], dict(CONTEXT)) is None
    model = DeliveryChain.model_validate(copy.deepcopy(BASE), context=dict(CONTEXT), strict=True)
    assert all(type(a).__module__ == "stocktake.chains.model" for a in model.actors)


def test_other_plugins_detectors_get_pydantic_records():
    fast = DeliveryChain.model_validate(copy.deepcopy(BASE), context=dict(CONTEXT))
    assert type(fast.actors[0]) is structs.Actor
    models = as_models(fast)
    assert _summary(models)[3:5] == _summary(exact(BASE))[3:5]
    assert [type(a).__module__ for a in models.actors] == ["stocktake.chains.model"] * len(BASE["actors"])


# -- through the engine: bytes and errors ------------------------------------------------------------


def _texts() -> list[tuple[str, str]]:
    """(suffix, text): the valid documents, hostile files, and texts only a reader sees."""
    docs = [("json", json.dumps(d, ensure_ascii=False)) for d in _valid()]
    base = json.dumps(BASE)
    docs += [("json", base.replace('"kind":', '"id": "twice", "kind":', 1)),  # a key twice
             ("json", base.replace(f'"id": "{BASE["actors"][0]["id"]}"', '"id": "c\\n"', 1)),
             ("json", base.replace('"level": 0', '"level": 0.0', 1)),
             ("json", base.replace('"level": 0', '"level": 123456789012345678901234567890', 1)),
             ("json", base.replace('"level": 0', '"level": true', 1)),
             ("json", base.replace('"title": "', '"title": "\\u003a', 1))]
    docs += [(p.suffix.lstrip("."), p.read_text(encoding="utf-8", errors="replace"))
             for p in sorted((ROOT / "tests" / "hostile").glob("chain-*"))]
    return docs


def _through_engine(suffix: str, text: str, tmp_path: Path) -> Any:
    from stocktake.render import render_chain

    path = tmp_path / f"chain.{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        chain, result = ENGINE.chain_with_document(path)
    except DocumentError as err:
        return "error", str(err)
    return tuple(render_chain(chain, result, fmt) for fmt in ("json", "md", "html", "dot", "mermaid"))


def test_the_engine_gives_the_same_bytes_and_errors_either_way(tmp_path, monkeypatch):
    texts = _texts()
    fast = [_through_engine(suffix, text, tmp_path) for suffix, text in texts]
    monkeypatch.setattr(structs, "fast_chain", lambda data, context: None)
    slow = [_through_engine(suffix, text, tmp_path) for suffix, text in texts]
    assert fast == slow
    assert sum(outcome[0] != "error" for outcome in fast) >= 3


# -- a fast read broken on purpose is caught -------------------------------------------------------


class _LooseActor(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str  # no pattern, no length
    name: structs.Text
    type: str = ""
    level: int
    role: structs.Role
    count: int = 1
    capacity: structs.Level | None = None
    will: structs.Level | None = None
    evidence: list[str] = msgspec.field(default_factory=list)


class _LooseChain(structs.Chain, kw_only=True, forbid_unknown_fields=True):
    actors: list[_LooseActor] = msgspec.field(default_factory=list)  # type: ignore[assignment]


BREAKAGES = {
    "no checks": lambda m: m.setattr(structs, "check_chain", lambda chain, data, context: None),
    "integers kept": lambda m: m.setattr(structs, "_as_text", lambda chain: None),
    "loose actors": lambda m: m.setattr(structs, "Chain", _LooseChain),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_fast_read_is_caught(breakage, monkeypatch):
    BREAKAGES[breakage](monkeypatch)

    def caught(doc: Any) -> bool:
        try:
            return disagreement(doc) is not None
        except Exception:  # a crash is caught too (the tests above would fail on it)
            return True

    assert any(caught(d) for d in [*_valid(), *_mutations(BASE)])
