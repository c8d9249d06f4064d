"""Fuzzing the loaders through the command line: whatever the bytes, exit 0 or 2, never a traceback.

Budgets are bounded (examples per test) so CI time stays predictable.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stocktake.cli import cli

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted(p for p in FIXTURES.glob("*.yaml")) + sorted((REPO / "rubrics").glob("*.yaml")) + sorted(
    (REPO / "examples").rglob("*.yaml"))
COMMANDS = {"CapacityReview": "review", "DeliveryAssessment": "judge", "DeliveryChain": "chain"}


def run_bytes(tmp: Path, data: bytes, suffix: str, command: str = "validate") -> None:
    path = tmp / f"fuzz{suffix}"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, [command, str(path)], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{command} crashed on {data[:200]!r}") from result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.output)  # 3 would be a built-in plugin failing
    assert "Traceback" not in result.stderr


@settings(max_examples=int(os.environ.get("STOCKTAKE_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.sampled_from([".yaml", ".json", ".csv"]))
def test_random_bytes(tmp_path, data, suffix):
    run_bytes(tmp_path, data, suffix)


def _mutations(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        i = rng.randrange(len(lines))
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])            # duplicate a line (keys, items)
        elif kind == 2:
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:cut]                                      # truncate a line
        elif kind == 3:
            lines[i] = lines[i].replace(":", ": [", 1)                     # unbalanced flow
        elif kind == 4:
            token = rng.choice(["~", "null", "true", "-1", "1e309", ".nan", "&a x", "*a", "!!binary x",
                                "'", '"', "{", "- ", "\t", "2026-02-30", "\u00e9", "\x00"])
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + token + lines[i][cut:]
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]                        # swap lines
    return "\n".join(lines) + "\n"


@settings(max_examples=int(os.environ.get("STOCKTAKE_FUZZ_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SEEDS), st.integers(0, 2**32 - 1))
def test_structure_aware_mutations_of_valid_documents(tmp_path, seed_file, seed):
    text = seed_file.read_text()
    mutated = _mutations(text, random.Random(seed))
    command = next((c for kind, c in COMMANDS.items() if f"kind: {kind}" in text), "validate")
    run_bytes(tmp_path, mutated.encode("utf-8", "surrogatepass"), ".yaml", command)


@settings(max_examples=int(os.environ.get("STOCKTAKE_FUZZ_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([p for p in SEEDS if p.is_relative_to(REPO / "examples")]), st.integers(0, 2**32 - 1))
def test_mutated_documents_through_the_report(tmp_path, seed_file, seed):
    """The report joins kinds; a broken part must still be one located error, never a crash."""
    import shutil

    root = tmp_path / "example"
    if not root.exists():
        shutil.copytree(REPO / "examples" / "northshire", root)
    name = seed_file.relative_to(REPO / "examples" / "northshire")
    original = (root / name).read_text()
    (root / name).write_text(_mutations(original, random.Random(seed)))
    try:
        parts = sorted(str(p) for p in root.rglob("*.yaml"))
        result = CliRunner().invoke(cli, ["report", *parts, "--format", "md"], catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"report crashed on a mutation of {name}") from result.exception
        assert result.exit_code in (0, 2), (result.exit_code, result.output)
        assert "Traceback" not in result.stderr
    finally:
        (root / name).write_text(original)


@pytest.mark.parametrize("seed_file", SEEDS, ids=lambda p: p.name)
def test_every_seed_is_valid(seed_file, tmp_path):
    run_bytes(tmp_path, seed_file.read_bytes(), ".yaml")
