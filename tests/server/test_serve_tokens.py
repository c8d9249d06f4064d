"""``stocktake serve token``: tokens made on the command line open a server with a ledger; without
one its stateless routes answer 401 (health, version and the OpenAPI document stay open)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import serving
from cli_bytes import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
YAML = "application/yaml"


def test_a_token_from_the_command_line_opens_the_stateless_api(serve, tmp_path) -> None:
    ledger = tmp_path / "ledger.db"
    made = cli("--ledger", str(ledger), "--as", "admin-ops", "serve", "token", "create", "--role", "viewer",
               "--name", "dashboard", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.decode().strip()
    assert re.fullmatch(r"stk_[A-Za-z0-9_-]{32}", token) and made.stdout.decode() == token + "\n"
    server: serving.Server = serve(ledger=ledger)
    body = (FIXTURES / "chain.yaml").read_bytes()
    refused = server.request("POST", "/v1/chain", body, content_type=YAML)
    assert refused.status == 401 and refused.header("WWW-Authenticate") == "Bearer"
    assert server.request("GET", "/v1/rubrics").status == 401
    for open_path in ("/v1/health", "/v1/version", "/v1/openapi.json", "/healthz"):
        assert server.request("GET", open_path).status == 200, open_path
    assert server.request("POST", "/v1/chain", body, content_type=YAML, token=token + "x").status == 401
    judged = server.request("POST", "/v1/chain", body, content_type=YAML, token=token)
    assert judged.status == 200 and judged.header("Stocktake-Run-Id")

    listed = cli("serve", "token", "list", "--ledger", str(ledger), "--format", "json", cwd=tmp_path)
    (entry,) = json.loads(listed.stdout)
    assert entry["name"] == "dashboard" and entry["role"] == "viewer" and token not in listed.stdout.decode()
    revoked = cli("serve", "token", "revoke", "--ledger", str(ledger), entry["id"], "--reason", "rotated",
                  cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert server.request("POST", "/v1/chain", body, content_type=YAML, token=token).status == 401
    assert server.stop() == 0

    from stocktake.ledger import open_ledger

    with open_ledger(str(ledger), create=False) as opened:
        assert [run.actor for run in opened.runs()] == ["dashboard"]


def test_token_commands_need_a_ledger(tmp_path) -> None:
    done = cli("serve", "token", "list", cwd=tmp_path)
    assert done.returncode == 2 and b"--ledger" in done.stderr


def test_a_token_for_a_review_not_yet_created_is_made_with_a_warning(tmp_path) -> None:
    """The token is still made (reviews are often created after their team's tokens) and stdout
    is only the token, so scripts keep working; stderr says the review does not exist yet."""
    ledger = tmp_path / "ledger.db"
    made = cli("--ledger", str(ledger), "serve", "token", "create", "--role", "reviewer", "--name", "sam",
               "--review", "eastvale-2O26", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"stk_[A-Za-z0-9_-]{32}\n", made.stdout.decode())
    assert "no review 'eastvale-2O26' yet" in made.stderr.decode()


def test_the_openapi_document_describes_the_workflow_bodies() -> None:
    from stocktake.server.openapi import openapi_document

    document = json.loads(openapi_document())
    create = document["paths"]["/v1/reviews"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create == {"$ref": "#/components/schemas/Workflow.ReviewCreate"}
    assert "Workflow.ReviewCreate" in document["components"]["schemas"]
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in document["components"]["schemas"], ref
