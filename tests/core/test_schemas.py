"""The published schemas are the contract; the models must agree with them.

Three checks: the committed schema is what the models generate (no drift); every schema is a valid
Draft 2020-12 schema; and on a corpus of documents (the YAML cases, the built-in rubrics, and
hypothesis-made mutations of valid rubrics) the schema and the models accept and reject the same
documents. Cross-reference rules (unique ids, descriptor levels) are beyond JSON Schema: those
documents pass the schema and fail only the model's cross-reference check, which the test tells
apart from a structural disagreement.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from stocktake.core.errors import DocumentError
from stocktake.core.loading import with_rubric
from stocktake.core.models import ERROR_TYPE
from stocktake.core.parsing import parse_text
from stocktake.core.resources import data_dir
from stocktake.core.schemas import generate_schema, load_schema
from stocktake.kinds import KINDS
from stocktake.testing import load_cases, make_engine

SCALES = make_engine().scales()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_committed_schema_matches_the_models(kind):
    assert load_schema(KINDS[kind]) == generate_schema(KINDS[kind]), (
        f"schemas/{KINDS[kind].schema_file} is stale: run `python -m stocktake.kinds`"
    )


@pytest.mark.parametrize("path", sorted(data_dir("schemas").glob("*.json")), ids=lambda p: p.name)
def test_schema_files_are_valid_draft_2020_12(path):
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:stocktake:schema:")


ENGINE = make_engine()
CONTEXT = ENGINE._context()


def verdicts(data, kind: str = "Rubric") -> tuple[bool, str]:
    """(schema accepts, model verdict: 'ok', 'structure' or 'reference')."""
    schema_ok = Draft202012Validator(load_schema(KINDS[kind]), format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(data)
    model = KINDS[kind].model()
    try:
        # A fresh context per document with the rubric it names, as the loader gives.
        context = with_rubric(KINDS[kind], data, dict(CONTEXT), ENGINE._resolve_rubric)
        model.model_validate(data, context=dict(context or {}))
    except ValidationError as err:
        types = {e["type"] for e in err.errors()}
        return schema_ok, "reference" if types == {ERROR_TYPE} else "structure"
    return schema_ok, "ok"


def agree(data, kind: str = "Rubric") -> None:
    schema_ok, model = verdicts(data, kind)
    if schema_ok:
        assert model in ("ok", "reference"), f"schema accepts, model rejects structurally: {data!r:.300}"
    else:
        assert model == "structure", f"schema rejects, model says {model}: {data!r:.300}"


def _rubric_cases():
    """Case documents that parse and claim to be rubrics (parser-level cases are left out)."""
    out = []
    for case in load_cases(Path(__file__).parents[1] / "cases" / "*.yaml"):
        try:
            data = parse_text(case.text or "", fmt=case.fmt).data
        except DocumentError:
            continue
        if isinstance(data, dict) and data.get("kind") == "Rubric":
            out.append((case.id, data))
    return out


CORPUS = _rubric_cases()


def test_the_corpus_is_not_trivial():
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("data", [d for _, d in CORPUS], ids=[i for i, _ in CORPUS])
def test_schema_and_models_agree_on_the_cases(data):
    agree(data)


BUILTIN = [
    parse_text(p.read_text(), fmt="yaml").data for p in sorted(data_dir("rubrics").glob("*.yaml"))
]


def test_builtin_rubrics_pass_both():
    for data in BUILTIN:
        assert verdicts(data) == (True, "ok")


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


MUTATIONS = ["delete", "null", "number", "text", "list", "mapping", "extra", "empty",
             "numeric-text", "true", "fraction", "bad-date"]
REPLACEMENTS = {"null": None, "number": 7, "text": "some text", "list": ["a"], "mapping": {"a": "b"},
                "empty": "", "numeric-text": "3", "true": True, "fraction": 2.5, "bad-date": "2026-02-30"}

REVIEWS = [
    parse_text(p.read_text(), fmt="yaml").data
    for p in sorted((Path(__file__).parents[1] / "fixtures").glob("*.yaml"))
    if "kind: CapacityReview" in p.read_text()
]


def test_there_are_reviews_to_mutate():
    assert REVIEWS


def damaged(doc, path, mutation):
    """A copy of ``doc`` with ``mutation`` applied at ``path``."""
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if mutation == "delete":
        del parent[last]
    elif mutation == "extra":
        if isinstance(parent[last], dict):
            parent[last]["unexpected_field"] = "x"
        else:
            parent[last] = {"unexpected_field": "x"}
    else:
        parent[last] = REPLACEMENTS[mutation]
    return doc


def mutate(data, doc):
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    return damaged(doc, path, data.draw(st.sampled_from(MUTATIONS)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_schema_and_models_agree_on_mutated_rubrics(data):
    agree(mutate(data, data.draw(st.sampled_from(BUILTIN))))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_schema_and_models_agree_on_mutated_reviews(data):
    agree(mutate(data, data.draw(st.sampled_from(REVIEWS))), "CapacityReview")


def test_a_valid_document_never_needs_jsonschema():
    """jsonschema only words rejections; loading good documents must not import it (it is slow)."""
    import subprocess
    import sys

    files = [str(p) for p in sorted(data_dir("rubrics").glob("*.yaml"))]
    files.append(str(Path(__file__).parents[1] / "fixtures" / "exhibit-1b7.yaml"))
    code = ("import sys\nfrom stocktake.cli import main\n"
            f"try:\n    main(['validate', *{files!r}])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('JSONSCHEMA=' + str('jsonschema' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "JSONSCHEMA=False"


OTHER_KINDS = [
    ("RuleSet", parse_text((Path(__file__).resolve().parents[2] / "plugins" / "rulesets" / "likelihood-default.yaml")
                           .read_text(), fmt="yaml").data),
    ("DeliveryAssessment", parse_text((Path(__file__).parents[1] / "fixtures" / "assessment.yaml").read_text(),
                                      fmt="yaml").data),
    ("DeliveryChain", parse_text((Path(__file__).parents[1] / "fixtures" / "chain.yaml").read_text(), fmt="yaml").data),
]


def test_other_kinds_pass_both():
    for kind, data in OTHER_KINDS:
        assert verdicts(data, kind) == (True, "ok"), kind


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_schema_and_models_agree_on_mutated_rule_sets_and_assessments(data):
    kind, doc = data.draw(st.sampled_from(OTHER_KINDS))
    agree(mutate(data, doc), kind)


def _single_mutations(doc):
    for path in [p for p in _paths(doc) if p]:
        for mutation in MUTATIONS:
            yield path, mutation, damaged(doc, path, mutation)


@pytest.mark.parametrize("kind, doc", [*OTHER_KINDS, ("CapacityReview", REVIEWS[0]), ("Rubric", BUILTIN[1])],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_schema_and_models_agree_on_every_single_mutation(kind, doc):
    """Every place in the document, every kind of damage: schema and model give the same verdict."""
    disagreements = []
    for path, mutation, broken in _single_mutations(doc):
        schema_ok, model = verdicts(broken, kind)
        if (model not in ("ok", "reference")) if schema_ok else (model != "structure"):
            disagreements.append((path, mutation, schema_ok, model))
    assert disagreements == []
