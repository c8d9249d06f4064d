"""The hostile corpus (tests/hostile): malformed and malicious files of every document kind.

Each is refused with exit 2 and one located line naming the file, in a fresh process with bounded
memory and time; none runs code, reads outside its directory or crashes the interpreter.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

HOSTILE = Path(__file__).parents[1] / "hostile"
EXPECTED: dict[str, list[str]] = yaml.safe_load((HOSTILE / "expected.yaml").read_text())
KINDS = ("rubric", "review", "ruleset", "assessment", "chain", "report")
MEMORY = 1024 ** 3   # bytes of address space each run may use
SECONDS = 60
MARKER = Path("/tmp/stocktake-pwned")


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def stocktake(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stocktake", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=_bounded, env={**os.environ, "PYTHONHASHSEED": "0"})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A copy of the corpus, with the symbolic link that leads out of it (not shipped: packages
    refuse links to absolute paths)."""
    root = tmp_path_factory.mktemp("hostile") / "hostile"
    shutil.copytree(HOSTILE, root)
    (root / "links-symlink.csv").symlink_to("/etc/passwd")
    return root


@pytest.fixture(scope="module")
def outcomes(corpus) -> dict[str, subprocess.CompletedProcess[str]]:
    MARKER.unlink(missing_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(EXPECTED, pool.map(lambda name: stocktake("validate", name, cwd=corpus), EXPECTED)))
    return runs


def test_the_corpus_covers_every_kind_with_at_least_forty_files():
    assert len(EXPECTED) >= 40
    assert {name.split("-", 1)[0] for name in EXPECTED} == set(KINDS)
    shipped = {p.name for p in HOSTILE.iterdir() if p.is_file() and not p.name.startswith("test_")}
    on_disk = shipped - {"expected.yaml", "make_corpus.py", "ratings-binary.csv"}
    assert on_disk == set(EXPECTED), "every file in tests/hostile has an expectation, and every expectation a file"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_file_is_refused_with_one_located_line(outcomes, name):
    run = outcomes[name]
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"error: {name}") or name == "review-ratings-binary.yaml", line
    for fragment in EXPECTED[name]:
        assert fragment in line, f"{fragment!r} not in {line!r}"


def test_nothing_in_the_corpus_ran_code(outcomes):
    assert not MARKER.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("kind: Rubric\n" + "# padding\n" * 120_000)
    run = stocktake("--max-file-mb", "1", "validate", str(big), cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: {big}: $: expected a file of at most 1,048,576 bytes, found 1,200,013 bytes"


def test_a_text_value_over_the_limit_is_refused(tmp_path):
    big = tmp_path / "long.json"
    big.write_text('{"kind": "Rubric", "schema_version": 1, "title": "' + "x" * 1_000_001 + '"}')
    run = stocktake("validate", str(big), cwd=tmp_path)
    assert run.returncode == 2
    assert "$.title: expected a value of at most 1,000,000 characters, found 1,000,001 characters" in run.stderr


def test_a_million_open_brackets_do_not_crash_the_parser(tmp_path):
    """PyYAML composes recursively; the depth is checked on the event stream first."""
    for name, text in (("deep.yaml", "a: " + "[" * 1_000_000), ("deep.json", "[" * 1_000_000 + "]" * 1_000_000)):
        (tmp_path / name).write_text(text)
        run = stocktake("validate", name, cwd=tmp_path)
        assert run.returncode == 2, run.stderr
        assert "expected nesting at most 64 levels deep" in run.stderr


@pytest.mark.parametrize("command", [["review"], ["judge"], ["chain"], ["report"]])
def test_every_command_refuses_the_corpus_the_same_way(command, corpus):
    """Not only validate: each command's loader is the same guarded one."""
    names = [n for n in sorted(EXPECTED) if n.split("-", 1)[0] in ("review", "assessment", "chain")][::6]
    for name in names:
        run = stocktake(*command, name, cwd=corpus)
        assert run.returncode == 2 and "Traceback" not in run.stderr, (name, run.stderr)
        assert len(run.stderr.splitlines()) == 1
