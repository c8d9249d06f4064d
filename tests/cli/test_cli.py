"""The ``stocktake`` command: output, exit codes and error wording."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from stocktake.cli import cli

REPO = Path(__file__).resolve().parents[2]
from stocktake.core.resources import data_dir  # noqa: E402

RUBRICS = data_dir("rubrics")
CAPACITY = RUBRICS / "delivery-capacity-review.yaml"


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_version(run):
    from stocktake import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"stocktake {__version__}\n"


@pytest.mark.parametrize("path", [(), *[p for p, _ in all_commands(cli)]], ids=lambda p: " ".join(p) or "stocktake")
def test_every_command_has_help_with_an_example(run, path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout, f"{' '.join(path)} --help has no example"


def test_rubrics_lists_both_builtins(run):
    result = run("rubrics")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "VERSION", "TITLE", "SOURCE"]
    ids = [line.split()[0] for line in lines[1:]]
    assert "delivery-capacity-review" in ids and "likelihood-of-delivery" in ids
    assert "plugin builtin-rubrics (stocktake" in result.stdout


def test_rubrics_json_listing(run):
    data = json.loads(run("rubrics", "--format", "json").stdout)
    entry = next(e for e in data if e["id"] == "delivery-capacity-review")
    assert entry["version"] == "1.0.0" and len(entry["sha256"]) == 64


def test_rubrics_show_json_has_all_15_components_with_descriptors(run, tmp_path):
    result = run("rubrics", "show", "delivery-capacity-review", "--format", "json")
    assert result.exit_code == 0
    rubric = json.loads(result.stdout)
    components = [c for s in rubric["sections"] for c in s["components"]]
    assert [c["code"] for c in components] == [
        "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C"]
    for component in components:
        assert set(component["descriptors"]) == {"G", "AG", "AR", "R"}, component["id"]
    # The JSON is itself a valid rubric document.
    path = tmp_path / "roundtrip.json"
    path.write_text(result.stdout.replace('"delivery-capacity-review"', '"roundtrip"', 1))
    assert run("validate", str(path)).exit_code == 0


def test_rubrics_show_markdown(run):
    result = run("rubrics", "show", "delivery-capacity-review")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Delivery capacity review\n")
    assert "## 3 Plan for delivery" in result.stdout
    assert "### 3A Determine the reform strategy" in result.stdout
    assert "- **G** (Green):" in result.stdout


def test_rubrics_show_is_byte_identical_across_runs(run):
    first = run("rubrics", "show", "likelihood-of-delivery", "--format", "json").stdout
    assert first == run("rubrics", "show", "likelihood-of-delivery", "--format", "json").stdout


def test_rubrics_show_unknown_rubric(run):
    result = run("rubrics", "show", "no-such-rubric")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: no rubric 'no-such-rubric' is installed (installed: delivery-capacity-review, "
        "likelihood-of-delivery; add a directory with --rubric-path)"
    ] or "no rubric 'no-such-rubric' is installed" in result.stderr


def test_rubrics_show_version_not_installed(run):
    result = run("rubrics", "show", "delivery-capacity-review", "--version", "9.9")
    assert result.exit_code == 2
    assert "version 9.9 is not installed (installed: 1.0.0)" in result.stderr


def test_schema_prints_the_published_file(run):
    result = run("schema", "rubric")
    assert result.exit_code == 0
    shipped = json.loads((data_dir("schemas") / "rubric.schema.json").read_text())
    assert json.loads(result.stdout) == shipped
    assert run("schema", "Sandwich").exit_code == 2


def test_validate_accepts_every_shipped_rubric(run):
    files = sorted(str(p) for p in RUBRICS.glob("*.yaml"))
    result = run("validate", *files)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("ok: ") == len(files) >= 2


BAD_INPUTS = {
    "yaml syntax error": ("kind: Rubric\nid: [x\n", "closing the list opened on line 2"),
    "unknown kind": ("kind: Rubrik\nschema_version: 1\n", "$.kind: expected one of the kinds Rubric, CapacityReview, RuleSet"),
    "missing required field": (None, "expected property 'title', found a mapping without it"),
    "unknown level code": (None, "expected a level of scale 'delivery' (G, AG, AR or R), found 'Amber'"),
    "duplicate ids": (None, "expected ids unique within the rubric, found 'define-aspiration' again"),
    "wrong type": (None, "$.schema_version: expected 1, found 'one'"),
    "unknown field": (None, "$.colour: expected one of the properties"),
}


def _variant(name: str) -> str:
    text = CAPACITY.read_text()
    replace = {
        "missing required field": ("title: Delivery capacity review\n", ""),
        "unknown level code": ("          AR: >-\n", "          Amber: >-\n"),
        "duplicate ids": ("id: build-delivery-unit", "id: define-aspiration"),
        "wrong type": ("schema_version: 1\n", "schema_version: one\n"),
        "unknown field": ("scale: delivery\n", "scale: delivery\ncolour: blue\n"),
    }[name]
    assert replace[0] in text
    return text.replace(replace[0], replace[1], 1)


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_validate_rejects_bad_documents_with_one_located_line(run, tmp_path, name):
    text, message = BAD_INPUTS[name]
    path = tmp_path / "doc.yaml"
    path.write_text(text if text is not None else _variant(name))
    result = run("validate", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}:")  # file:line:column
    assert lines[0].split(":")[2].isdigit() and lines[0].split(":")[3].split()[0].isdigit()
    assert message in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_validate_rejects_file_that_is_not_utf8(run, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Rubric\ntitle: caf\xe9\n")
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}:2:11: $: expected UTF-8 text, found byte 0xe9 that is not UTF-8"


def test_validate_rejects_empty_file_directory_and_missing_file(run, tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    missing = tmp_path / "missing.yaml"
    result = run("validate", str(empty), str(tmp_path), str(missing))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {empty}: $: expected a document, found an empty file",
        f"error: {tmp_path}: $: expected an existing file, found a directory",
        f"error: {missing}: $: expected an existing file, found nothing at that path",
    ]


def test_validate_reports_every_bad_file_and_every_good_one(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Nope\n")
    result = run("validate", str(CAPACITY), str(bad))
    assert result.exit_code == 2
    assert result.stdout.startswith(f"ok: {CAPACITY}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_user_rubric_path_and_env_var(run, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "mine.yaml").write_text(CAPACITY.read_text().replace(
        "id: delivery-capacity-review", "id: our-capacity-review", 1))
    result = run("--rubric-path", str(own), "rubrics")
    assert result.exit_code == 0 and "our-capacity-review" in result.stdout and "--rubric-path" in result.stdout
    result = run("rubrics", env={"STOCKTAKE_RUBRIC_PATH": str(own)})
    assert "our-capacity-review" in result.stdout


def test_same_rubric_id_and_version_twice_names_both_files(run, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    shutil.copy(CAPACITY, own / "copy.yaml")
    result = run("--rubric-path", str(own), "rubrics")
    assert result.exit_code == 2
    assert "rubric 'delivery-capacity-review' version 1.0.0 is defined twice" in result.stderr
    assert str(CAPACITY) in result.stderr and str(own / "copy.yaml") in result.stderr


def test_rubric_path_that_does_not_exist(run, tmp_path):
    result = run("--rubric-path", str(tmp_path / "nope"), "rubrics")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_rubric_path_that_is_a_fifo_says_so(run, tmp_path):
    fifo = tmp_path / "rubrics.fifo"
    os.mkfifo(fifo)
    result = run("--rubric-path", str(fifo), "rubrics")
    assert result.exit_code == 2
    assert "is neither a file nor a directory" in result.stderr and "does not exist" not in result.stderr


def test_invalid_user_rubric_is_a_located_document_error(run, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "broken.yaml").write_text("kind: Rubric\nschema_version: 1\n")
    result = run("--rubric-path", str(own), "rubrics")
    assert result.exit_code == 2
    assert f"{own / 'broken.yaml'}:1:1: $: expected property" in result.stderr


def test_output_is_written_whole(run, tmp_path):
    out = tmp_path / "cap.md"
    result = run("rubrics", "show", "delivery-capacity-review", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("# Delivery capacity review")
    assert [p.name for p in tmp_path.iterdir()] == ["cap.md"]  # no temporary file left behind


def test_output_to_a_directory_or_missing_directory_is_a_usage_error(run, tmp_path):
    assert run("schema", "Rubric", "--output", str(tmp_path)).exit_code == 2
    result = run("schema", "Rubric", "--output", str(tmp_path / "no" / "such.json"))
    assert result.exit_code == 2 and "cannot write to" in result.stderr


def test_debug_shows_the_traceback_of_a_user_error(run, tmp_path):
    missing = str(tmp_path / "missing.yaml")
    assert "Traceback" not in run("validate", missing).stderr
    result = run("--debug", "validate", missing)
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_a_bug_exits_1_with_its_traceback(monkeypatch, tmp_path):
    """Anything that is not a user error is a bug: exit 1 and the traceback, in a real process."""
    script = tmp_path / "bug.py"
    script.write_text(
        "import stocktake.api\n"
        "def broken(self): raise RuntimeError('a bug')\n"
        "stocktake.api.Engine.rubrics = broken\n"
        "from stocktake.cli import main\nmain(['rubrics'])\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "RuntimeError: a bug" in proc.stderr


def test_help_imports_no_heavy_library():
    """`stocktake --help` must not import networkx, jinja2 or jsonschema (nor pydantic or yaml)."""
    heavy = ("networkx", "jinja2", "jsonschema", "pydantic", "yaml", "pluggy", "stocktake.kinds")
    for args in (["--help"], ["rubrics", "--help"], ["validate", "--help"], ["--version"]):
        code = (
            "import sys\nfrom stocktake.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {heavy!r} if m in sys.modules))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert proc.stdout.splitlines()[-1] == "HEAVY=", f"{args}: {proc.stdout.splitlines()[-1]}"


@pytest.mark.parametrize("args, heavy", [
    (["validate", str(CAPACITY)], ("networkx", "jinja2", "stocktake.chains.model")),
    (["chain", str(Path(__file__).parents[1] / "fixtures" / "chain.yaml"), "-o", "-"], ("networkx", "jinja2")),
])
def test_validate_and_chain_do_not_import_what_they_do_not_use(args, heavy):
    """The built-in chain analyses use their own adjacency (networkx costs ~170 ms to import), and
    loading the chain detectors does not load the chain models."""
    code = (
        "import sys\nfrom stocktake.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "HEAVY="


def test_the_file_size_limit_is_configurable(run, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("kind: Rubric\n" + "# padding\n" * 120_000)   # about 1.3 MB
    result = run("--max-file-mb", "1", "validate", str(big))
    assert result.exit_code == 2 and "expected a file of at most 1,048,576 bytes" in result.stderr
    result = run("validate", str(big), env={"STOCKTAKE_MAX_FILE_MB": "1"})
    assert "at most 1,048,576 bytes" in result.stderr
    assert "at most" not in run("--max-file-mb", "2", "validate", str(big)).stderr


def test_validate_shows_a_file_name_with_control_characters_escaped(run, tmp_path):
    source = next((REPO / "rubrics").glob("*.yaml"))
    odd = tmp_path / "a\x1b[2Jb\x07.yaml"
    odd.write_bytes(source.read_bytes())
    result = run("validate", str(odd))
    assert result.exit_code == 0 and result.stdout.startswith("ok: ")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "a\\x1b[2Jb\\x07.yaml" in result.stdout
