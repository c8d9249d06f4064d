"""Shared by the columnar kernel's tests (test_columnar.py) and Dask's (test_dask.py): priorities a
table must carry and the CSV ``stocktake judge`` gives for them, made once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stocktake import Engine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "northshire"
TABLE_AS_OF = "2026-10-31"


@pytest.fixture(scope="session")
def table_documents() -> list[dict]:
    """The examples' priorities (criteria, indicators, milestones, actions, agreed levels), then
    generated ones with the variations a table must carry."""
    from benchmarks.generate import priority

    engine = Engine()
    docs = []
    for name in ("assessment-2026-h1.yaml", "assessment-2026-h2.yaml"):
        for p in engine.load(EXAMPLES / name).model.priorities:
            doc = _without_evidence(p.model_dump(mode="json", exclude_defaults=True))
            docs.append({**doc, "id": f"{doc['id']}-{name[11:18]}"})
    for seed in range(60):
        doc = priority(seed, points=6)
        if seed % 3 == 0:
            doc["agreed"] = {"level": "AG", "reason": "Agreed at the stocktake.", "agreed_by": ["Unit", "Dept"]}
        if seed % 4 == 1:
            doc["tolerance"] = {"absolute": 0.5}
            doc["trajectory"]["interpolation"] = "step"
        if seed % 5 == 2:
            del doc["previous"], doc["ratings"]["capacity"]
        if seed % 7 == 3:
            doc["leading_indicators"] = [{"name": "Attendance", "level": "AR"}]
            doc["milestones"] = [{"name": "Plan", "due": "2025-06-01"}]
        docs.append(doc)
    return docs


@pytest.fixture(scope="session")
def command_csv(table_documents, tmp_path_factory) -> bytes:
    """The CSV of the same priorities as a JSON Lines batch through ``stocktake judge``."""
    from click.testing import CliRunner

    from stocktake.cli import cli

    folder = tmp_path_factory.mktemp("batch")
    batch = folder / "priorities.jsonl"
    batch.write_text("".join(json.dumps(d) + "\n" for d in table_documents))
    out = folder / "out.csv"
    result = CliRunner().invoke(cli, ["judge", str(batch), "--period", "2026-H2", "--as-of", TABLE_AS_OF,
                                      "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _without_evidence(value):
    """A batch (and a table) has no evidence register: the examples' citations are left out."""
    if isinstance(value, dict):
        return {k: _without_evidence(v) for k, v in value.items() if k != "evidence"}
    if isinstance(value, list):
        return [_without_evidence(v) for v in value]
    return value
