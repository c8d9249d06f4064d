"""A review with tens of thousands of reviewers is scored in time linear in its ratings: the
engine's flags (disagreement first) never recompute a minimum or maximum per rating."""

from __future__ import annotations

import json

import pytest
from bounded import stocktake_bounded
from review_helpers import component, rating, review, write

from stocktake.testing import make_engine

LEVELS = ("G", "AG", "AR", "R")
ROLES = ("delivery-unit", "self-review", "independent")


def _crowd(count: int, levels: tuple[str, ...] = LEVELS) -> dict:
    """A review in which ``count`` reviewers each rate the same component, levels in turn."""
    reviewers = [{"id": f"r{i}", "name": f"Reviewer {i}", "role": ROLES[i % 3]} for i in range(count)]
    ratings = [rating("reform-strategy", f"r{i}", levels[i % len(levels)]) for i in range(count)]
    return review(ratings, reviewers=reviewers)


def test_forty_thousand_reviewers_on_one_item_are_scored_within_seconds(tmp_path):
    write(tmp_path / "crowd.json", _crowd(40_000))
    result = stocktake_bounded("review", "crowd.json", "-o", "out.json", cwd=tmp_path, seconds=15)
    assert result.returncode == 0, result.stderr
    judged = json.loads((tmp_path / "out.json").read_text())
    item = next(j for j in judged["judgments"] if j["subject"] == "component:reform-strategy")
    flag = next(f for f in item["flags"] if f["code"] == "disagreement")
    at = {level: ", ".join(sorted(f"r{i}" for i in range(40_000) if LEVELS[i % 4] == level)) for level in LEVELS}
    assert flag["message"] == f"Ratings span 4 levels, from G ({at['G']}) to R ({at['R']})."


@pytest.mark.parametrize(("levels", "expected"), [
    (("AG", "AG", "AG"), None),
    (("G", "AG"), None),
    (("G", "AR"), "Ratings span 3 levels, from G (r0, r10, r12, r14, r16, r18, r2, r4, r6, r8) "
                  "to AR (r1, r11, r13, r15, r17, r19, r3, r5, r7, r9)."),
    (("AG", "R", "AR"), "Ratings span 3 levels, from AG (r0, r12, r15, r18, r3, r6, r9) "
                        "to R (r1, r10, r13, r16, r19, r4, r7)."),
])
def test_the_disagreement_flag_names_the_reviewers_at_both_ends(levels, expected, tmp_path):
    result = make_engine().review(write(tmp_path / "crowd.json", _crowd(20, levels)))
    messages = [f.message for f in component(result, "reform-strategy").flags if f.code == "disagreement"]
    assert messages == ([expected] if expected else [])
