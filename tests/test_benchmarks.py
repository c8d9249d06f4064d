"""The benchmark runner's workloads: outputs go to the run's directory, peers run in their own processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workloads(monkeypatch, tmp_path):
    """The suite's workloads for a run in ``tmp_path`` (data generation skipped)."""
    from benchmarks import __main__ as runner

    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr(runner, "_stocktake", lambda: "stocktake")
    return runner.workloads(tmp_path), tmp_path


def test_every_output_goes_into_the_runs_directory(workloads):
    found, data = workloads
    outputs = [w.argv[i + 1] for w in found for i, arg in enumerate(w.argv[:-1]) if arg in ("-o", "--output")]
    assert outputs, "no workload writes an output"
    assert all(Path(out).is_relative_to(data) for out in outputs), outputs


def test_no_benchmark_writes_to_the_null_device():
    for path in (REPO / "benchmarks").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "/dev/null" not in text and "os.devnull" not in text, path.name  # (the children's stderr
        # is discarded with subprocess.DEVNULL: that is not an output)


def test_each_peer_runs_in_its_own_process_against_ours(workloads):
    from benchmarks.__main__ import OURS

    found, _ = workloads
    names = {w.name: w for w in found}
    peers = [w for w in found if w.versus]
    assert {w.argv[-2] for w in peers} == {"zen_engine", "rule_engine"}
    assert all(w.versus == OURS and names[OURS].argv[-2:] == ["stocktake", w.argv[-1]] for w in peers)
