"""The fast read of a chain (msgspec structs, then the model's checks: :mod:`stocktake.chains.structs`)
and pydantic's validation of ``DeliveryChain`` accept and reject the same data, and give the same
chain: for the valid fixtures and examples, the hostile corpus, every place of a chain replaced or
deleted, and hypothesis's combinations. Through the engine, the fast read gives the bytes and the
errors of the exact one. A fast read broken on purpose is caught by the same comparisons."""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stocktake.chains import structs
from stocktake.chains.model import DeliveryChain, _from_struct, as_models
from stocktake.core.errors import DocumentError
from stocktake.core.json_reader import parse_json
from stocktake.core.loading import LoadedDocument
from stocktake.core.parsing import DEFAULT_LIMITS, Limits, parse_text
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
    """pydantic's validation (``model_validate`` never tries the fast read)."""
    return DeliveryChain.model_validate(copy.deepcopy(data), context=dict(CONTEXT))


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
    got = _summary(_from_struct(fast, set(data)))
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


def test_a_chain_is_read_as_records_only_when_asked(tmp_path):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(BASE))
    for loaded in (ENGINE.load(path), ENGINE.load(path, kinds=("DeliveryChain",)), ENGINE.chain_with_document(path)[0]):
        model = loaded.model if isinstance(loaded, LoadedDocument) else loaded
        assert [type(a).__module__ for a in model.actors] == ["stocktake.chains.model"] * len(BASE["actors"])
        assert model.model_dump_json() == exact(BASE).model_dump_json()  # a model a user can dump
    records = ENGINE.load(path, kinds=("DeliveryChain",), records=True).model
    assert type(records.actors[0]) is structs.Actor and _summary(records) == _summary(exact(BASE))
    assert ENGINE.chain(path) == ENGINE.chain_with_document(path)[1]


def test_other_plugins_detectors_get_pydantic_records():
    fast = DeliveryChain.from_plain_json(json.dumps(BASE), DEFAULT_LIMITS, dict(CONTEXT))
    assert fast is not None and type(fast.actors[0]) is structs.Actor
    models = as_models(fast)
    assert _summary(models)[3:5] == _summary(exact(BASE))[3:5]
    assert [type(a).__module__ for a in models.actors] == ["stocktake.chains.model"] * len(BASE["actors"])


# -- read from the text: the reader's guards ---------------------------------------------------------


def text_disagreement(text: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why reading the JSON ``text`` straight into structs and the exact reader then pydantic
    differ, or None."""
    try:
        expected = _summary(exact(parse_json(text, limits).data))
    except (DocumentError, ValidationError):
        expected = None
    fast = DeliveryChain.from_plain_json(text, limits, dict(CONTEXT))
    if fast is None:
        return None
    return "the text read accepts what the exact path refuses" if expected is None else (
        None if _summary(fast) == expected else "a different chain")


def _text_corpus() -> list[str]:
    rng = random.Random(7)
    texts = [json.dumps(d, ensure_ascii=False) for d in _valid()] + [json.dumps(d) for d in _valid()]
    texts += [t for _, t in _texts()]
    base = json.dumps(BASE, indent=1)
    for _ in range(400):
        text = list(base)
        at = rng.randrange(len(text))
        text[at:at] = rng.choice(['"id": "x",', '"name": "N",', '"level": 1,', '"count": 1,', '"type": "",',
                                  '"evidence": [],', '"note": "",', "9" * 19, "1e5", ".5", "\\u003a", ":", ",",
                                  "[", "{", "NaN", "Infinity", "-0", '"a\\n"', " ", "\t", '"\\ud800"'])
        texts.append("".join(text))
    return texts


def test_what_the_text_read_takes_is_what_the_exact_path_gives():
    texts = _text_corpus()
    wrong = [(t[:300], why) for t in texts if (why := text_disagreement(t))]
    assert wrong == [], wrong[:3]
    taken = sum(DeliveryChain.from_plain_json(t, DEFAULT_LIMITS, dict(CONTEXT)) is not None for t in texts)
    assert 20 < taken < len(texts) - 100


def test_a_default_written_is_read_and_a_key_twice_is_left_to_the_exact_path():
    doc = copy.deepcopy(BASE)
    doc["actors"][0] |= {"count": 1, "type": "", "evidence": [], "capacity": None}
    doc["links"][0] |= {"note": "", "evidence": []}
    fast = DeliveryChain.from_plain_json(json.dumps(doc), DEFAULT_LIMITS, dict(CONTEXT))
    assert fast is not None and _summary(fast) == _summary(exact(doc))
    twice = json.dumps(BASE).replace('"title":', '"title": "Other", "title":', 1)
    assert DeliveryChain.from_plain_json(twice, DEFAULT_LIMITS, dict(CONTEXT)) is None
    assert DeliveryChain.from_plain_json(json.dumps(BASE), DEFAULT_LIMITS, dict(CONTEXT)) is not None


@pytest.mark.parametrize("limits", [Limits(max_text=20), Limits(max_digits=0), Limits(max_depth=3),
                                    Limits(max_json_values=50)])
def test_tight_limits_leave_the_text_to_the_exact_path(limits):
    assert DeliveryChain.from_plain_json(json.dumps(BASE), limits, dict(CONTEXT)) is None
    assert text_disagreement(json.dumps(BASE), limits) is None


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
        chain, result = ENGINE.chain_with_document(path, records=True)
    except DocumentError as err:
        return "error", str(err)
    return tuple(render_chain(chain, result, fmt) for fmt in ("json", "md", "html", "dot", "mermaid"))


def test_the_engine_gives_the_same_bytes_and_errors_either_way(tmp_path, monkeypatch):
    texts = _texts()
    fast = [_through_engine(suffix, text, tmp_path) for suffix, text in texts]
    monkeypatch.setattr(structs, "fast_chain", lambda data, context: None)
    monkeypatch.setattr(structs, "fast_chain_text", lambda text, limits, context: None)
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
    "no defaults, integers kept": lambda m: m.setattr(structs, "_complete", lambda chain: None),
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


def test_the_text_read_without_its_guards_is_caught(monkeypatch):
    monkeypatch.setattr(structs, "plain_typed_document", lambda raw, encoded, limits: True)
    assert any(text_disagreement(t) for t in _text_corpus())
