"""Seeded synthetic documents for benchmarks (same seed, same bytes)."""

from __future__ import annotations

import json
import random
from pathlib import Path

CODES = ["1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C"]
ROLES = ["delivery-unit", "system-leader", "self-review", "independent"]
LEVELS = ["G", "AG", "AR", "R"]


def capacity_review(reviewers: int, *, seed: int = 1) -> dict:
    """A review of all 15 components by ``reviewers`` reviewers, each citing evidence."""
    rng = random.Random(seed)
    people = [{"id": f"r{i:03d}", "name": f"Reviewer {i}", "role": ROLES[i % len(ROLES)]}
              for i in range(reviewers)]
    evidence = [{"id": f"E{i:03d}", "kind": "interview", "source": f"Interview {i}",
                 "date": f"2026-0{1 + i % 6}-1{i % 9}"} for i in range(max(10, reviewers))]
    ratings = []
    for code in CODES:
        centre = rng.randrange(4)
        for person in people:
            level = LEVELS[min(3, max(0, centre + rng.choice([-1, 0, 0, 0, 1])))]
            cited = rng.sample([e["id"] for e in evidence], k=2)
            ratings.append({"component": code, "reviewer": person["id"], "level": level,
                            "rationale": f"Rationale for {code} by {person['id']}.", "evidence": cited})
    return {"kind": "CapacityReview", "schema_version": 1,
            "rubric": {"id": "delivery-capacity-review", "version": "1.0.0"},
            "system": f"Synthetic system {seed}", "date": "2026-06-30",
            "reviewers": people, "evidence": evidence, "ratings": ratings}


def write_reviews(directory: Path, count: int, reviewers: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(count):
        path = directory / f"review-{seed:04d}.json"
        path.write_text(json.dumps(capacity_review(reviewers, seed=seed)))
        paths.append(path)
    return paths
