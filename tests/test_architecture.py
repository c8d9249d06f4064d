"""Rules about the code itself: layering, documented hooks, the public API."""

from __future__ import annotations

import ast
import inspect
import os
import re
from pathlib import Path

import stocktake
from stocktake.hooks import specs as hookspecs

ENGINE = Path(stocktake.__file__).parent  # the installed package (a development farm links into engine/)
REPO = Path(__file__).resolve().parent.parent

# The layers, lowest first. A module may import its own layer and the layers below it.
SHARED = ("_version", "core", "judgment", "rubric", "hooks")
CAPABILITIES = ("review", "likelihood", "chains")
FACADE = ("api", "catalogue", "kinds", "render", "demo", "testing", "__init__")
VIEW_MODULES = ("views", "charts")


def _modules() -> dict[str, Path]:
    """Every module of the installed package by dotted name (``stocktake.review.model``)."""
    found: dict[str, Path] = {}
    for folder, _, files in os.walk(ENGINE, followlinks=True):
        for file in files:
            if file.endswith(".py"):
                rel = (Path(folder) / file).relative_to(ENGINE).with_suffix("")
                parts = [p for p in rel.parts if p != "__init__"] if rel.name == "__init__" else list(rel.parts)
                found[".".join(["stocktake", *parts])] = Path(folder) / file
    return found


MODULES = _modules()


DISPLAY = "_repr_html_"
"""The one method a result may import its own view in: the notebook's display protocol asks the
object itself for its HTML, so the method must be on the result's class; it imports the view when
a notebook shows the result, never while the result is built. Those imports are checked apart
(:func:`test_a_result_shows_itself_only_through_its_own_view`), not counted as the module's."""


def _display_nodes(tree: ast.AST) -> set[int]:
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name == DISPLAY for inner in ast.walk(node)}


def _imports(path: Path, module: str, *, display: bool = False) -> set[str]:
    """Every stocktake module ``path`` imports: at the top, inside functions and for type checking
    (with ``display``, only those inside a :data:`DISPLAY` method, which are otherwise left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    shown = _display_nodes(tree)
    for node in ast.walk(tree):
        if (id(node) in shown) != display:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from stocktake.hooks import specs` imports a module
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {n for n in names if n == "stocktake" or n.startswith("stocktake.")}


GRAPH = {name: _imports(path, name) for name, path in MODULES.items()}
DISPLAY_IMPORTS = {name: found for name, path in MODULES.items() if (found := _imports(path, name, display=True))}


def _layer(module: str) -> tuple[int, str]:
    """(rank, part) of a module: shared layers 0-4 (the version first), capabilities 5, report and
    the ledger 6 (neither imports the other), facade 7, cli and the server 8, built-in plugins 9."""
    part = module.split(".")[1] if "." in module else "__init__"
    if part in SHARED:
        return SHARED.index(part), part
    if part in CAPABILITIES:
        return 5, part
    ranks = {"report": 6, "ledger": 6, "cli": 8, "server": 8, "__main__": 8, "plugins": 9}
    if part in ranks:
        return ranks[part], part
    assert part in FACADE, f"{module}: a new top-level module; give it a layer in this test"
    return 7, part


def test_each_layer_imports_only_itself_and_the_layers_below():
    """core -> judgment -> rubric -> hooks -> capabilities -> report, ledger -> facade -> cli; built-ins
    (stocktake.plugins) use the engine like any plugin and nothing imports them."""
    problems = []
    for module, imported in GRAPH.items():
        rank, part = _layer(module)
        for name in imported:
            if name == "stocktake" and part == "plugins":
                continue  # plugins import the public names (hookimpl) from the package
            their_rank, their_part = _layer(name)
            if their_part == "plugins" and part != "plugins":
                problems.append(f"{module} imports the built-in plugin {name}")
            elif their_part == "cli" and part not in ("cli", "__main__"):
                problems.append(f"{module} imports the CLI ({name})")
            elif rank == 5 and their_rank == 5 and their_part != part and (part, name) != (
                    "likelihood", "stocktake.chains.result"):
                problems.append(f"{module} imports another capability ({name})")
            elif part == "plugins" and their_part in ("api", "cli", "report", "render", "demo"):
                problems.append(f"the built-in {module} reaches past the plugin contract ({name})")
            elif rank == 6 and their_rank == 6 and their_part != part:
                problems.append(f"{module} ({part}) imports {name}: report and ledger do not import each other")
            elif their_rank > rank and part != "plugins":
                problems.append(f"{module} ({part}) imports {name} from a higher layer ({their_part})")
    assert not problems, "\n".join(sorted(problems))


SERVER_LIBRARIES = ("starlette", "uvicorn", "anyio")
"""The serve extra's libraries: only stocktake.server imports them."""


def _third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
              and not node.level}
    return {name.split(".")[0] for name in names}


def test_only_the_server_imports_the_serve_extra_and_the_cli_imports_it_in_one_command():
    problems = [f"{module} imports {sorted(found)}" for module, path in MODULES.items()
                if not module.startswith("stocktake.server")
                and (found := _third_party(path) & set(SERVER_LIBRARIES))]
    problems += [f"{module} imports {name}" for module, imported in GRAPH.items() for name in imported
                 if name.startswith("stocktake.server") and _layer(module)[1] == "cli" and module != "stocktake.cli.serve"]
    assert not problems, "\n".join(problems)


def test_import_stocktake_and_the_help_load_no_server_library():
    import subprocess
    import sys

    code = ("import sys, stocktake, stocktake.cli, stocktake.api\n"
            "from stocktake.cli import cli\n"
            "for args in (['--help'], ['serve', '--help'], ['serve', 'token', '--help']):\n"
            "    try:\n"
            "        cli.main(args=args, prog_name='stocktake')\n"
            "    except SystemExit as end:\n"
            "        assert end.code == 0, (args, end.code)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_LIBRARIES!r}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_no_builder_imports_a_view():
    """Results are built without views: only views (and the facade that dispatches to them) import
    views, charts or the markup helpers (and the CLI and the server, which write what they render)."""
    problems = []
    for module, imported in GRAPH.items():
        leaf, (_, part) = module.rpartition(".")[2], _layer(module)
        if leaf in VIEW_MODULES or part in ("cli", "server", "render", "demo") or module == "stocktake.core.markup":
            continue
        for name in imported:
            if name.rpartition(".")[2] in VIEW_MODULES or name in ("stocktake.render", "stocktake.core.markup"):
                problems.append(f"{module} imports the view {name}")
    assert not problems, "\n".join(sorted(problems))


def test_a_result_shows_itself_only_through_its_own_view():
    """A result's ``_repr_html_`` imports its own capability's view and the notebook frame, nothing else."""
    assert sorted(DISPLAY_IMPORTS) == ["stocktake.chains.result", "stocktake.likelihood.result",
                                       "stocktake.report.model", "stocktake.review.result"]
    for module, imported in DISPLAY_IMPORTS.items():
        part = module.split(".")[1]
        assert imported == {f"stocktake.{part}.views", "stocktake.core.notebook"}, module


def test_there_is_no_import_cycle():
    """Not even through a function-level or type-checking import."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for name in sorted(GRAPH.get(module, ())):
            if name not in GRAPH:
                continue
            if state.get(name) == 1:
                cycles.append(" -> ".join([*stack[stack.index(name):], name]))
            elif name not in state:
                visit(name)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(cycles)


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 400}
    assert not long, long


def test_no_function_is_over_60_lines_without_a_reason():
    """A longer function says why in a comment on the line above its ``def`` (``# long: ...``)."""
    problems = []
    for name, path in MODULES.items():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = node.end_lineno - node.lineno + 1
                if length > 60 and not lines[first - 2].strip().startswith("# long:"):
                    problems.append(f"{name}.{node.name}: {length} lines")
    assert not problems, "\n".join(problems)


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


def test_template_names_are_unique_across_the_capabilities():
    """The views' jinja loader searches every package's templates/ folder: a name used twice
    would silently resolve to the first folder."""
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in ENGINE.glob("*/templates") if p.is_dir()):
        for template in folder.iterdir():
            assert template.name not in seen, f"{template} and {seen[template.name]}"
            seen[template.name] = template
    assert "review.html.j2" in seen and "report.md.j2" in seen


def test_the_readme_links_only_inside_the_repository():
    """The README travels with the package (PyPI shows it): a link to a file beside the clone, or
    one that does not exist, is dead for every reader."""
    readme = (REPO / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#\s]+)", readme):
        if target.startswith(("https://", "http://")):
            continue
        assert not target.startswith("..") and (REPO / target).exists(), target
    assert "../shared" not in readme


def test_what_the_demo_writes_by_default_is_ignored_by_git():
    lines = (REPO / ".gitignore").read_text().splitlines()
    assert "/stocktake-demo/" in lines or "stocktake-demo/" in lines
