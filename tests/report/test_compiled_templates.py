"""The templates' precompiled source (``core/templates/_compiled.json``): fresh, used only for the
exact text it was generated from, and giving the code jinja2 itself compiles."""

from __future__ import annotations

import json

import jinja2
import pytest

from stocktake.core import markup
from stocktake.core.field_docs import table_text
from stocktake.core.markup import COMPILED, compiled_templates, environment, markdown_environment

TABLE = json.loads(COMPILED.read_text(encoding="utf-8"))
ENVIRONMENTS = {"html": environment, "markdown": markdown_environment}


def test_the_table_is_fresh() -> None:
    if TABLE["jinja2"] != jinja2.__version__:
        pytest.skip(f"generated with jinja2 {TABLE['jinja2']}; this is {jinja2.__version__} (the table is unused)")
    assert table_text(compiled_templates()) == COMPILED.read_text(encoding="utf-8"), \
        "_compiled.json is stale: run python -m stocktake.kinds"


def test_every_package_template_is_in_the_table() -> None:
    names = {n for n in environment().loader.list_templates() if n.endswith((".j2", ".css"))}
    assert names == set(TABLE["html"]) | set(TABLE["markdown"])
    assert all(n.endswith(".md.j2") for n in TABLE["markdown"]) and "report.html.j2" in TABLE["html"]


@pytest.mark.parametrize("kind", ["html", "markdown"])
def test_the_cache_gives_the_code_jinja2_compiles(kind: str) -> None:
    env = ENVIRONMENTS[kind]()
    if markup._compiled_table().get("jinja2") != jinja2.__version__:
        pytest.skip("the table is for another jinja2")
    for name in TABLE[kind]:
        source, filename, _ = env.loader.get_source(env, name)
        bucket = env.bytecode_cache.get_bucket(env, name, filename, source)
        assert bucket.code is not None, name
        assert bucket.code == env.compile(source, name, filename), name  # code objects compare by value
        assert bucket.code.co_filename == filename


def test_a_changed_or_unknown_template_is_compiled_by_jinja2() -> None:
    env = environment()
    source, filename, _ = env.loader.get_source(env, "report.html.j2")
    assert env.bytecode_cache.get_bucket(env, "report.html.j2", filename, source + " ").code is None
    assert env.bytecode_cache.get_bucket(env, "not-in-the-table.html.j2", None, source).code is None
    # an HTML template's code is not given to the Markdown environment, nor the other way round
    md = markdown_environment()
    assert md.bytecode_cache.get_bucket(md, "report.html.j2", filename, source).code is None


def test_a_table_of_another_jinja2_is_not_used(tmp_path, monkeypatch) -> None:
    other = tmp_path / "_compiled.json"
    other.write_text(json.dumps({**TABLE, "jinja2": "0.0"}), encoding="utf-8")
    monkeypatch.setattr(markup, "COMPILED", other)
    markup._compiled_table.cache_clear()
    try:
        env = environment()
        source, filename, _ = env.loader.get_source(env, "report.html.j2")
        assert env.bytecode_cache.get_bucket(env, "report.html.j2", filename, source).code is None
    finally:
        markup._compiled_table.cache_clear()


def test_a_missing_table_compiles_everything(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(markup, "COMPILED", tmp_path / "absent.json")
    markup._compiled_table.cache_clear()
    try:
        assert markup._compiled_table() == {}
    finally:
        markup._compiled_table.cache_clear()
