"""Rules about the code itself: layering, documented hooks, the public API."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import stocktake
from stocktake.hooks import specs as hookspecs

ENGINE = Path(stocktake.__file__).resolve().parent
REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_the_cli_or_builtin_plugins():
    """Dependency direction: engine/cli -> engine <- plugins."""
    for path in ENGINE.rglob("*.py"):
        rel = path.relative_to(ENGINE)
        if "cli" in rel.parts or rel.name == "__main__.py":  # the CLI side of the line
            continue
        for name in _imports(path):
            assert not name.startswith("stocktake.cli"), f"{path} imports {name}"
            assert name != "plugins" and not name.startswith("plugins."), f"{path} imports {name}"


def test_every_hook_is_prefixed_and_documented_as_a_contract():
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("stocktake_")]
    assert specs
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        assert ":param" in doc and ":returns:" in doc and "Use in" in doc, spec.__name__


def test_public_api_names_resolve():
    for name in stocktake.__all__:
        assert getattr(stocktake, name) is not None, name


def test_every_hook_is_named_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("stocktake_"):
            assert f"`{name}`" in readme, f"{name} is not documented in README.md"


def test_every_command_is_in_the_readme():
    import click

    from stocktake.cli import cli

    readme = (REPO / "README.md").read_text()
    for name, command in cli.commands.items():
        assert f"stocktake {name}" in readme, name
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert f"stocktake {name} {sub}" in readme, f"{name} {sub}"
