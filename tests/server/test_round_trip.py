"""The accepted review, downloaded, is the CapacityReview the CLI reads: ``stocktake review`` on
the downloaded review.yaml scores the same as the server's scored review, and so does the same
document reading its ratings from the downloaded ratings table instead (``ratings_file``)."""

from __future__ import annotations

import json
import subprocess
import sys

import serving
import team
import yaml

REVIEW = "round-trip"
CREW = [{"id": "dana", "name": "Dana Unit", "role": "delivery-unit"},
        {"id": "sam", "name": "Sam Self", "role": "self-review"},
        {"id": "ira", "name": "Ira Independent", "role": "independent"}]
LEVELS = ("G", "AG", "AR", "R")


def _components() -> list[str]:
    from stocktake.api import Engine

    return [c.id for c in Engine().rubric("delivery-capacity-review", "1.0.0").rubric.components()]


def _ok(response) -> None:
    assert 200 <= response.status < 300, (response.status, response.body[:800])


def _run_review(server, tokens: dict[str, str]) -> None:
    """Rate (each reviewer differently, one component left unrated by all), agree one component,
    submit and accept, all through the JSON API."""
    ids = _components()
    for n, reviewer in enumerate(CREW):
        token = tokens[reviewer["id"]]
        _ok(server.request("POST", f"/v1/reviews/{REVIEW}/evidence", token=token, body={
            "id": f"E-{reviewer['id']}", "kind": "document", "source": "Delivery plan", "date": "2026-04-01"}))
        rows = [{"component": c, "level": LEVELS[(i + n) % 4], "rationale": f"{reviewer['id']} on {c}",
                 "evidence": [f"E-{reviewer['id']}"]} for i, c in enumerate(ids[:-1])]
        _ok(server.request("PUT", f"/v1/reviews/{REVIEW}/ratings/{reviewer['id']}", token=token,
                           body={"ratings": rows}))
        _ok(server.request("POST", f"/v1/reviews/{REVIEW}/ratings/{reviewer['id']}/submit", token=token, body={}))
    _ok(server.request("PUT", f"/v1/reviews/{REVIEW}/agreed/{ids[0]}", token=tokens["maria"],
                       body={"level": "AR", "reason": "Agreed in moderation."}))
    _ok(server.request("POST", f"/v1/reviews/{REVIEW}/submit", token=tokens["maria"], body={"reason": ""}))
    _ok(server.request("POST", f"/v1/reviews/{REVIEW}/accept", token=tokens["aled"], body={"reason": "Checked."}))


def _cli_review(path) -> dict:
    done = subprocess.run([sys.executable, "-m", "stocktake", "review", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_downloaded_review_scores_as_the_server_scored_it(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    tokens = team.make_tokens(ledger, REVIEW, CREW)
    server = serving.Server.start(tmp_path, ledger=ledger)
    try:
        team.start_review(server, tokens["maria"], REVIEW, CREW)
        _run_review(server, tokens)
        scored = server.request("GET", f"/v1/reviews/{REVIEW}/scored", token=tokens["aled"])
        document = server.request("GET", f"/v1/reviews/{REVIEW}/review.yaml", token=tokens["aled"])
        table = server.request("GET", f"/v1/reviews/{REVIEW}/ratings.csv", token=tokens["aled"])
    finally:
        server.stop()
    for response in (scored, document, table):
        _ok(response)
    (tmp_path / "review.yaml").write_bytes(document.body)
    theirs, ours = scored.json(), _cli_review(tmp_path / "review.yaml")
    assert ours["judgments"] == theirs["judgments"]
    assert ours["summary"] == theirs["summary"]
    assert any(j["override"] for j in ours["judgments"])

    # The same document with its ratings in the downloaded table instead.
    data = yaml.safe_load(document.body)
    data.pop("ratings")
    data["ratings_file"] = "ratings.csv"
    (tmp_path / "ratings.csv").write_bytes(table.body)
    (tmp_path / "from-table.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    from_table = _cli_review(tmp_path / "from-table.yaml")
    assert from_table["judgments"] == theirs["judgments"]
