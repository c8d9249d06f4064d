"""The stateless /v1 API of a real server process gives the CLI's bytes for the same document, and
the CLI's located messages (as JSON, 4xx) for a bad one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import serving
from cli_bytes import cli, error_lines

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "northshire"
FIXTURES = REPO / "tests" / "fixtures"
YAML = "application/yaml"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One flat directory of documents (the CLI reads them by bare name, as the server names them)."""
    here = tmp_path_factory.mktemp("documents")
    for source in [EXAMPLE / "assessment-2026-h1.yaml", EXAMPLE / "assessment-2026-h2.yaml",
                   EXAMPLE / "chains" / "reading.yaml", FIXTURES / "exhibit-1b7.yaml", FIXTURES / "assessment.yaml",
                   FIXTURES / "chain.yaml"]:
        shutil.copy(source, here / source.name)
    return here


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    started = serving.Server.start(tmp_path_factory.mktemp("server"))
    yield started
    started.kill()


CASES = [
    ("/v1/judge", "assessment-2026-h2.yaml", ["judge"], {}),
    ("/v1/judge", "assessment-2026-h2.yaml", ["judge", "--format", "md"], {"format": "md"}),
    ("/v1/judge", "assessment-2026-h2.yaml", ["judge", "--format", "html"], {"format": "html"}),
    ("/v1/judge", "assessment-2026-h2.yaml", ["judge", "--format", "jsonl"], {"format": "jsonl"}),
    ("/v1/judge", "assessment.yaml", ["judge", "--format", "csv"], {"format": "csv"}),
    ("/v1/judge", "assessment.yaml", ["judge", "--format", "xlsx", "-o", "-"], {"format": "xlsx"}),
    ("/v1/judge", "assessment.yaml", ["judge", "--rules", "likelihood-default"], {"rules": "likelihood-default"}),
    ("/v1/review", "exhibit-1b7.yaml", ["review"], {}),
    ("/v1/review", "exhibit-1b7.yaml", ["review", "--format", "md"], {"format": "md"}),
    ("/v1/review", "exhibit-1b7.yaml", ["review", "--format", "xlsx"], {"format": "xlsx"}),
    ("/v1/review", "exhibit-1b7.yaml", ["review", "--strategy", "independent-led"], {"strategy": "independent-led"}),
    ("/v1/chain", "reading.yaml", ["chain"], {}),
    ("/v1/chain", "chain.yaml", ["chain", "--format", "mermaid"], {"format": "mermaid"}),
    ("/v1/chain", "chain.yaml", ["chain", "--format", "dot"], {"format": "dot"}),
]


def _query(options: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(options)


@pytest.mark.parametrize(("route", "name", "args", "options"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{'-'.join(c[2][1:]) or 'json'}" for c in CASES])
def test_a_route_answers_the_cli_bytes_for_the_same_document(server, documents, route, name, args, options):
    expected = cli(args[0], name, *args[1:], cwd=documents)
    assert expected.returncode == 0, expected.stderr
    answer = server.request("POST", f"{route}?{_query({'name': name, **options})}",
                            (documents / name).read_bytes(), content_type=YAML)
    assert answer.status == 200, answer.body[:2000]
    assert answer.body == expected.stdout
    assert len(answer.header("Stocktake-Decision-Id") or "") == 32


def test_a_document_sent_as_json_gives_the_cli_bytes_for_the_json_file(server, documents, tmp_path):
    import yaml

    data = yaml.safe_load((documents / "chain.yaml").read_text(encoding="utf-8"))
    (tmp_path / "chain.json").write_text(json.dumps(data, default=str), encoding="utf-8")
    expected = cli("chain", "chain.json", cwd=tmp_path)
    answer = server.request("POST", "/v1/chain?name=chain.json", (tmp_path / "chain.json").read_bytes(),
                            content_type="application/json")
    assert answer.status == 200 and answer.body == expected.stdout


def test_the_report_of_several_documents_is_the_cli_report(server, documents):
    names = ["assessment.yaml", "exhibit-1b7.yaml", "chain.yaml"]
    for fmt in ("md", "json", "html"):
        expected = cli("report", *names, "--format", fmt, cwd=documents)
        assert expected.returncode == 0, expected.stderr
        body = {"documents": [{"name": n, "text": (documents / n).read_text(encoding="utf-8")} for n in names]}
        answer = server.request("POST", f"/v1/report?format={fmt}", body)
        assert answer.status == 200, answer.body[:2000]
        assert answer.body == expected.stdout, fmt


def test_the_batch_streams_the_cli_json_lines(server, tmp_path):
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "batch.jsonl", 700)  # several runs of 256 lines
    expected = cli("judge", "batch.jsonl", "--period", "2026-H2", "--as-of", "2026-10-31", "--format", "jsonl",
                   cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    answer = server.request("POST", "/v1/judge/batch?period=2026-H2&as-of=2026-10-31", batch.read_bytes(),
                            content_type="application/jsonl")
    assert answer.status == 200
    assert answer.header("Transfer-Encoding") == "chunked"  # streamed, not held
    assert answer.body == expected.stdout


def test_a_client_that_sends_the_whole_batch_before_reading_gets_its_answer(server, tmp_path):
    """Most clients (http.client here, requests, urllib) send the whole body before they read the
    answer: the server must go on reading and judging while nothing is read, however much it has
    judged, not wait on the client as the client waits on it. 16,000 lines are ~33 MB in and
    ~130 MB out, far more than the sockets' buffers hold (a few MB each way on loopback)."""
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "batch.jsonl", 16_000)
    answer = server.request("POST", "/v1/judge/batch?period=2026-H2&as-of=2026-10-31", batch.read_bytes(),
                            content_type="application/jsonl", timeout_s=120)
    assert answer.status == 200
    lines = answer.body.splitlines()
    assert len(lines) == 16_000
    assert json.loads(lines[-1])["id"] == "p015999"


def test_a_bad_batch_line_is_the_cli_located_message(server, tmp_path):
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "request.jsonl", 600)
    lines = batch.read_text(encoding="utf-8").splitlines()
    for number in (5, 500):  # in the first run of lines: a 400; after output began: the last line
        bad = [*lines]
        bad[number - 1] = bad[number - 1].replace("{", '{"surplus": 1, ', 1)
        batch.write_text("\n".join(bad) + "\n", encoding="utf-8")
        expected = error_lines(cli("judge", "request.jsonl", "--period", "P", "--as-of", "2026-10-31",
                                   "--format", "jsonl", cwd=tmp_path))
        answer = server.request("POST", "/v1/judge/batch?period=P&as-of=2026-10-31", batch.read_bytes(),
                                content_type="application/jsonl")
        if number == 5:
            assert answer.status == 400
            error = answer.json()["error"]
        else:
            assert answer.status == 200
            error = json.loads(answer.body.splitlines()[-1])["error"]
        assert error["message"] == "; ".join(expected)
        assert error["errors"][0]["line"] == number and error["errors"][0]["file"] == "request.jsonl"


BAD = [
    ("/v1/judge", "kind: DeliveryAssessment\nschema_version: 1\nperiod: 2026-H2\ndate: 2026-13-01\npriorities: []\n",
     ["judge"]),
    ("/v1/review", "kind: CapacityReview\nschema_version: 1\nsurplus: [1, 2\n", ["review"]),
    ("/v1/chain", "kind: DeliveryAssessment\nschema_version: 1\n", ["chain"]),
    ("/v1/validate", "kind: Rubric\nschema_version: 1\nid: x\n", ["validate"]),
]


@pytest.mark.parametrize(("route", "text", "args"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_the_cli_located_message_as_json_with_400(server, tmp_path, route, text, args):
    (tmp_path / "request").write_text(text, encoding="utf-8")
    done = cli(*args, "request", cwd=tmp_path)
    assert done.returncode == 2
    answer = server.request("POST", route, text, content_type=YAML)
    assert answer.status == 400
    error = answer.json()["error"]
    assert error["exit_code"] == 2
    assert error["message"].split("; ") == error_lines(done)
    assert error["errors"] and all(e["file"] == "request" for e in error["errors"])
    assert all(e["line"] for e in error["errors"]), "located by line, as the CLI locates it"


def test_a_review_sent_in_a_request_cannot_pull_in_a_ratings_file(server, tmp_path):
    (tmp_path / "ratings.csv").write_text("component,reviewer,level\n", encoding="utf-8")
    text = (FIXTURES / "exhibit-1b7.yaml").read_text(encoding="utf-8").replace("ratings:", "ratings_file: ratings.csv\nx:")
    answer = server.request("POST", "/v1/review", text, content_type=YAML)
    assert answer.status == 400
    error = answer.json()["error"]
    assert any(e["path"] == "$.ratings_file" and e["file"] == "request" for e in error["errors"])
    assert "no directory" in error["message"]


def test_validate_answers_the_cli_line(server, documents):
    expected = cli("validate", "chain.yaml", cwd=documents).stdout.decode().strip()
    answer = server.request("POST", "/v1/validate?name=chain.yaml", (documents / "chain.yaml").read_bytes())
    assert answer.status == 200
    assert answer.json() == {"ok": True, "kind": "DeliveryChain", "message": expected}


@pytest.mark.parametrize(("route", "query"), [
    ("/v1/review", "baseline=/etc/passwd"), ("/v1/review", "baseline=../capacity-review-2024.yaml"),
    ("/v1/judge", "previous=assessment-2026-h1.yaml"), ("/v1/judge", "rules=../rules.yaml"),
    ("/v1/judge", "rules=/etc/passwd"), ("/v1/judge", "name=../../etc/passwd"), ("/v1/judge", "name=/etc/x.yaml"),
    ("/v1/judge", "severity-rules=x.yaml"), ("/v1/judge", "surplus=1"), ("/v1/judge", "format=pdf"),
])
def test_nothing_in_a_request_names_a_file_on_the_server(server, documents, route, query):
    name = "exhibit-1b7.yaml" if route == "/v1/review" else "assessment-2026-h2.yaml"
    answer = server.request("POST", f"{route}?{query}", (documents / name).read_bytes(), content_type=YAML)
    assert answer.status == 400
    assert answer.json()["error"]["exit_code"] == 2


def test_a_document_naming_a_rule_set_file_is_refused(server, documents):
    text = (documents / "assessment.yaml").read_text(encoding="utf-8")
    answer = server.request("POST", "/v1/judge", "rules: rules.yaml\n" + text, content_type=YAML)
    assert answer.status == 400, answer.body
    assert "rule set" in answer.json()["error"]["message"] or "rules" in answer.json()["error"]["message"]


def test_a_body_of_another_media_type_is_415(server, documents):
    answer = server.request("POST", "/v1/judge", b"a=1", content_type="application/x-www-form-urlencoded")
    assert answer.status == 415 and "error" in answer.json()


@pytest.mark.parametrize(("path", "args"), [
    ("/v1/rubrics", ["rubrics", "--format", "json"]), ("/v1/rulesets", ["rules", "--format", "json"]),
    ("/v1/plugins", ["plugins", "--format", "json"]), ("/v1/schemas/Rubric", ["schema", "Rubric"]),
    ("/v1/rubrics/delivery-capacity-review", ["rubrics", "show", "delivery-capacity-review", "--format", "json"]),
])
def test_the_catalogues_are_the_cli_json(server, tmp_path, path, args):
    expected = cli(*args, cwd=tmp_path)
    assert expected.returncode == 0
    answer = server.request("GET", path)
    assert answer.status == 200
    if path == "/v1/rubrics":  # the server's file paths are not served: the CLI's listing without "path"
        from stocktake.render import dump_json

        listed = [{k: v for k, v in entry.items() if k != "path"} for entry in json.loads(expected.stdout)]
        assert answer.body == dump_json(listed).encode("utf-8")
    else:
        assert answer.body == expected.stdout


def test_version_health_and_schemas_list(server):
    from stocktake._version import __version__

    assert server.request("GET", "/v1/version").json()["version"] == __version__
    assert server.request("GET", "/v1/health").json()["status"] == "ok"
    kinds = [item["kind"] for item in server.request("GET", "/v1/schemas").json()]
    assert "CapacityReview" in kinds and "DeliveryReport" in kinds
    assert server.request("GET", "/v1/schemas/NoSuchKind").status == 404


def test_the_openapi_document_has_the_routes_and_the_published_schemas(server):
    answer = server.request("GET", "/v1/openapi.json")
    assert answer.status == 200
    document = json.loads(answer.body)
    assert document["openapi"].startswith("3.1")
    for path in ("/v1/validate", "/v1/review", "/v1/judge", "/v1/judge/batch", "/v1/chain", "/v1/report",
                 "/v1/rubrics", "/v1/schemas/{kind}", "/v1/health", "/v1/reviews", "/v1/reviews/{review_id}/events"):
        assert path in document["paths"], path
    components = document["components"]["schemas"]
    for published in sorted((REPO / "schemas").glob("*.schema.json")):
        schema = json.loads(published.read_text(encoding="utf-8"))
        kind = schema.get("title")
        component = components[kind]
        assert component["properties"].keys() == schema["properties"].keys(), kind
        for name in schema.get("$defs", {}):
            assert f"{kind}.{name}" in components
    refs = [ref for ref in _refs(document) if ref.startswith("#/")]
    for ref in refs:  # every reference resolves inside the document
        target = document
        for part in ref[2:].split("/"):
            target = target[part]


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("previous", ["latest", "ledger:0123abcd", "result.json"])
def test_a_streamed_batch_without_a_ledger_takes_no_earlier_result(server, tmp_path, previous):
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 3).read_bytes()
    answer = server.request("POST", f"/v1/judge/batch?period=P&as-of=2026-10-31&previous={previous}", batch,
                            content_type="application/jsonl")
    assert answer.status == 400 and answer.json()["error"]["exit_code"] == 2


@pytest.mark.parametrize("ledger", [False, True], ids=["streamed", "held"])
def test_the_batch_reads_the_media_types_the_readme_and_openapi_name(serve, tmp_path, ledger):
    from benchmarks.generate import write_priorities_jsonl
    from stocktake.server.inputs import BATCH_TYPES

    server = serve(ledger=ledger, serve_args=["--allow-anonymous"])
    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 3).read_bytes()
    documented = set(server.request("GET", "/v1/openapi.json").json()["paths"]["/v1/judge/batch"]["post"][
        "requestBody"]["content"])
    assert documented == set(BATCH_TYPES) and "application/json" in documented
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for media in [*sorted(BATCH_TYPES), None]:
        assert media is None or f"`{media}`" in readme, media
        answer = server.request("POST", "/v1/judge/batch?period=P&as-of=2026-10-31", batch, content_type=media)
        assert answer.status == 200, (media, answer.body[:300])
    for refused in ("application/yaml", "text/html", "application/x-www-form-urlencoded"):
        answer = server.request("POST", "/v1/judge/batch?period=P&as-of=2026-10-31", batch, content_type=refused)
        assert answer.status == 415, refused


def test_the_openapi_document_names_itself_and_every_format_a_route_answers(server):
    from stocktake.server.compute import MEDIA_TYPES

    paths = server.request("GET", "/v1/openapi.json").json()["paths"]
    assert "/v1/openapi.json" in paths and "get" in paths["/v1/openapi.json"]
    for path, formats in [("/v1/review", ("json", "md", "html", "csv", "xlsx")),
                          ("/v1/judge", ("json", "jsonl", "md", "html", "csv", "xlsx")),
                          ("/v1/chain", ("json", "md", "html", "dot", "mermaid", "csv", "xlsx")),
                          ("/v1/report", ("html", "md", "json", "pdf"))]:
        operation = paths[path]["post"]
        answered = set(operation["responses"]["200"]["content"])
        assert answered == {MEDIA_TYPES[f] for f in formats}, path
        assert next(p for p in operation["parameters"] if p["name"] == "format")["schema"]["enum"] == list(formats)
