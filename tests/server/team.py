"""A review team for the server tests: tokens made in the ledger for a moderator, an approver
and a review's reviewers, and the review started over the JSON API as the moderator starts it.

Imported by bare name (``import team``), as ``serving`` is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

RUBRIC = "delivery-capacity-review@1.0.0"


def make_tokens(ledger: Path, review: str, reviewers: list[dict[str, str]], *,
                staff: tuple[tuple[str, str], ...] = (("maria", "moderator"), ("aled", "approver"))) -> dict[str, str]:
    """Tokens by name: one per ``staff`` member (name, role) and one per reviewer of ``review``
    (named by the reviewer's id, bound to the review), as ``stocktake serve token create`` makes them."""
    from stocktake.server.tokens import create_token

    tokens = {name: create_token(str(ledger), role=role, name=name, actor="test") for name, role in staff}
    for r in reviewers:
        tokens[r["id"]] = create_token(str(ledger), role="reviewer", name=r["id"], review=review, actor="test")
    return tokens


def start_review(server: Any, token: str, review: str, reviewers: list[dict[str, str]], **extra: Any) -> Any:
    """Start ``review`` over the JSON API as the moderator whose ``token`` is given."""
    body = {"system": "Northshire", "rubric": RUBRIC, "date": "2026-06-30", "reviewers": reviewers,
            "id": review, **extra}
    response = server.request("POST", "/v1/reviews", body=body, token=token)
    assert response.status in (200, 201), response.body
    return response.json()


def rated_events(ledger: Path, review: str) -> list[Any]:
    """The review's ``rated`` events, read from the ledger itself (not through the server)."""
    from stocktake.ledger import open_ledger

    with open_ledger(str(ledger), create=False) as store:
        return [e for e in store.events(f"review:{review}") if e.kind == "rated"]
