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


def priority(seed: int, points: int = 20) -> dict:
    """A priority with a monthly trajectory of ``points`` points and that many actuals. With the
    default 20, judged mid-cycle on 2026-01-01 (the workloads' date): the latest actual is dated
    that day and the target a month on, so the trajectory and the ratings decide, not the outcome."""
    import datetime as dt

    rng = random.Random(seed)
    increase = rng.random() < 0.7
    base = rng.uniform(20, 80)
    step = rng.uniform(0.2, 1.5) * (1 if increase else -1)
    first = 2026 * 12 - points  # months from year 0: the plan's last point is 2026-01-01
    months = [dt.date((first + m) // 12, (first + m) % 12 + 1, 1) for m in range(points + 2)]
    start = months[0]
    plan = [{"date": str(months[m]), "value": round(base + step * m, 2)} for m in range(1, points + 1)]
    drift = rng.uniform(-0.6, 0.3)
    actuals = [{"date": str(months[m]), "value": round(base + (step + drift * abs(step)) * m + rng.gauss(0, 0.3), 2)}
               for m in range(1, points + 1)]
    level = lambda: rng.choice(LEVELS)  # noqa: E731
    return {
        "id": f"p{seed:06d}", "title": f"Priority {seed}", "owner": f"Owner {seed % 17}",
        "metric": {"name": "Metric", "unit": "%", "direction": "increase" if increase else "decrease"},
        "baseline": {"date": str(start), "value": round(base, 2)},
        "target": {"date": str(months[points + 1]), "value": round(base + step * (points + 1), 2)},
        "trajectory": {"interpolation": "linear", "points": plan},
        "actuals": actuals,
        "tolerance": {"relative": 0.02},
        "ratings": {"challenge": {"level": rng.choice(["L", "M", "H", "VH"])},
                    "planning": {"level": level()}, "capacity": {"level": level()},
                    "stage": {"level": rng.choice([1, 2, 3, 4])}},
        "previous": {"level": level()},
    }


def write_priorities_jsonl(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        for seed in range(count):
            handle.write(json.dumps(priority(seed)) + "\n")
    return path


def chain(actors: int, *, seed: int = 1) -> dict:
    """An instance-level chain: centre -> 10 regions -> 100 districts -> schools -> classrooms, with
    feedback links on most actors and a few cross links; about ``actors`` actors, 2x links."""
    rng = random.Random(seed)
    schools_per_district = max(1, (actors - 111) // (100 * 10))
    out = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    links = []

    def link(a: str, b: str, levers: list[str]) -> None:
        links.append({"from": a, "to": b, "levers": levers, "strength": LEVELS[min(3, int(rng.random() ** 2 * 4))],
                      **({"evidence": ["E1"]} if rng.random() < 0.9 else {})})

    for r in range(10):
        region = f"r{r}"
        out.append({"id": region, "name": f"Region {r}", "level": 1, "role": "intermediary"})
        link("c", region, ["accountability", "funding"])
        link(region, "c", ["information"])
        for d in range(10):
            district = f"{region}d{d}"
            out.append({"id": district, "name": f"District {r}.{d}", "level": 2, "role": "intermediary"})
            link(region, district, ["accountability"])
            if rng.random() < 0.97:
                link(district, region, ["information"])
            for s in range(schools_per_district):
                school = f"{district}s{s}"
                out.append({"id": school, "name": f"School {school}", "level": 3, "role": "intermediary",
                            **({"capacity": "AR"} if rng.random() < 0.02 else {})})
                link(district, school, ["support"])
                if rng.random() < 0.97:
                    link(school, district, ["information"])
                for k in range(9):
                    room = f"{school}k{k}"
                    out.append({"id": room, "name": f"Classroom {room}", "level": 4, "role": "front-line"})
                    link(school, room, ["support"])
                    if rng.random() < 0.97:
                        link(room, school, ["information"])
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "synthetic", "priority": "p",
            "title": "Synthetic chain", "evidence": [{"id": "E1", "kind": "data", "source": "Register"}],
            "actors": out, "links": links}


def assessment(count: int) -> dict:
    """A ``DeliveryAssessment`` of ``count`` generated priorities (for the report benchmark)."""
    return {"kind": "DeliveryAssessment", "schema_version": 1, "period": "2026-H2", "date": "2026-01-01",
            "title": f"{count} generated priorities", "priorities": [priority(seed) for seed in range(count)]}


def layered_chain(levels: int, width: int) -> dict:
    """A chain of ``levels`` layers of ``width`` actors, each linked to every actor of the next
    layer: ``width ** (levels - 1)`` routes from the centre to each front-line actor."""
    actors = [{"id": "c", "name": "Centre", "level": 0, "role": "centre"}]
    links = []
    previous = ["c"]
    for level in range(1, levels):
        role = "front-line" if level == levels - 1 else "intermediary"
        layer = [f"l{level}a{i}" for i in range(width)]
        actors += [{"id": a, "name": a, "level": level, "role": role} for a in layer]
        links += [{"from": p, "to": a, "levers": ["support"], "strength": LEVELS[(level + i) % 4]}
                  for p in previous for i, a in enumerate(layer)]
        links += [{"from": a, "to": "c", "levers": ["information"], "strength": "G"} for a in layer]
        previous = layer
    return {"kind": "DeliveryChain", "schema_version": 1, "id": "layered", "priority": "p", "title": "Layered",
            "actors": actors, "links": links}


def write_all(data: Path) -> None:
    """Every file the benchmark workloads read, into ``data``."""
    from stocktake import Engine
    from stocktake.render import dump_model

    (data / "review-15x50.json").write_text(json.dumps(capacity_review(50)))
    write_reviews(data / "reviews-1000", 1000, reviewers=5)
    write_priorities_jsonl(data / "priorities-100k.jsonl", 100_000)
    report_input = data / "assessment-1000.json"
    report_input.write_text(json.dumps(assessment(1000)))
    (data / "assessment-1000-result.json").write_text(dump_model(Engine().judge(report_input)))
    for size in (100_000, 1_000_000):
        (data / f"chain-{size}.json").write_text(json.dumps(chain(size)))


if __name__ == "__main__":
    import sys

    write_all(Path(sys.argv[1]))
