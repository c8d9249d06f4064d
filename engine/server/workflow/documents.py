"""A review's state as the documents the command line reads: the ``CapacityReview`` (submitted
ratings, agreed judgments, evidence) and its ratings table (the template's rows, filled in).

``stocktake review`` on the YAML written here scores exactly as the service's ``scored()``: the
service scores these same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from stocktake.rubric.model import Rubric
    from stocktake.server.workflow.model import ReviewState

__all__ = ["review_data", "review_yaml", "table_of"]


_REVIEWER = ("id", "name", "role", "organisation")
_EVIDENCE = ("id", "kind", "source", "date", "summary")


def _clean(item: dict[str, Any], order: tuple[str, ...] = ()) -> dict[str, Any]:
    """``item`` without its empty optional fields (as a person would write it), the fields in
    ``order`` first (as the schema lists them)."""
    keys = [*(k for k in order if k in item), *(k for k in item if k not in order)]
    return {key: item[key] for key in keys if item[key] not in (None, "", [])}


def review_data(state: ReviewState, rubric: Rubric) -> dict[str, Any]:
    """The ``CapacityReview`` of ``state`` as plain data: the submitted reviewers' ratings (in the
    team's order, then the rubric's), the agreed judgments (in the rubric's order)."""
    order = {item.id: n for n, item in enumerate(rubric.items())}
    ratings = []
    for reviewer in (r["id"] for r in state.reviewers):
        if reviewer not in state.submitted:
            continue
        mine = state.ratings.get(reviewer, {})
        for component in sorted(mine, key=lambda c: order.get(c, len(order))):
            rating = mine[component]
            if rating["level"] is not None:
                ratings.append(_clean({"component": component, "reviewer": reviewer, "level": rating["level"],
                                       "rationale": rating["rationale"], "evidence": rating["evidence"]}))
    judgments = [{"component": component, "level": agreed["level"], "reason": agreed["reason"],
                  "agreed_by": agreed["agreed_by"]}
                 for component, agreed in sorted(state.agreed.items(), key=lambda kv: order.get(kv[0], len(order)))]
    rubric_id, _, version = state.rubric.partition("@")
    data: dict[str, Any] = {"kind": "CapacityReview", "schema_version": 1,
                            "rubric": {"id": rubric_id, "version": version}, "system": state.system,
                            "date": state.date}
    if state.title:
        data["title"] = state.title
    data["reviewers"] = [_clean(r, _REVIEWER) for r in state.reviewers]
    if state.evidence:
        data["evidence"] = [_clean(e, _EVIDENCE) for e in state.evidence]
    if ratings:
        data["ratings"] = ratings
    if judgments:
        data["judgments"] = judgments
    return data


def review_yaml(data: dict[str, Any], review_id: str) -> str:
    """The review as YAML, headed by a comment naming where it came from."""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return f"# Capacity review {review_id}, as the review workflow holds it (submitted ratings only).\n{body}"


def table_of(data: dict[str, Any], rubric: Rubric, fmt: str) -> bytes:
    """The ratings table of the review ``data``: the ratings template of its team, each row filled
    with that reviewer's rating (read back unchanged as the review's ``ratings_file``)."""
    from stocktake.review.template import Team, ratings_template

    team = Team([(r["id"], r["name"]) for r in data["reviewers"]],
                [(e["id"], f"{e['kind']}: {e['source']}") for e in data.get("evidence", [])])
    filled = {(r["component"], r["reviewer"]): (r["level"], r.get("rationale", ""), ", ".join(r.get("evidence", [])))
              for r in data.get("ratings", [])}
    out = ratings_template(rubric, team, layout="rows", fmt=fmt, ratings=filled)
    return out.encode("utf-8") if isinstance(out, str) else out
