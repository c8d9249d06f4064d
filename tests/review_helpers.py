"""Builders for CapacityReview documents in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REVIEWERS = [
    {"id": "du", "name": "Delivery unit", "role": "delivery-unit"},
    {"id": "self", "name": "Self review", "role": "self-review"},
    {"id": "ind", "name": "Independent", "role": "independent"},
]
EVIDENCE = [
    {"id": "E1", "kind": "interview", "source": "Interviews", "date": "2026-05-01"},
    {"id": "E2", "kind": "document", "source": "Strategy paper", "date": "2023-01-01"},
]


def rating(component: str, reviewer: str, level: str, rationale: str = "Because.", evidence=("E1",)) -> dict:
    return {"component": component, "reviewer": reviewer, "level": level, "rationale": rationale,
            "evidence": list(evidence)}


def review(ratings: list[dict], **extra: Any) -> dict:
    doc = {
        "kind": "CapacityReview", "schema_version": 1,
        "rubric": {"id": "delivery-capacity-review", "version": "1.0.0"},
        "system": "Northshire", "date": "2026-06-30",
        "reviewers": REVIEWERS, "evidence": EVIDENCE, "ratings": ratings,
    }
    doc.update(extra)
    return doc


def write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, indent=1))
    return path


def component(result, component_id: str):
    return next(j for j in result.judgments if j.subject == f"component:{component_id}")


def section(result, section_id: str):
    return next(j for j in result.judgments if j.subject == f"section:{section_id}")


def flags(judgment) -> list[str]:
    return [f.code for f in judgment.flags]
