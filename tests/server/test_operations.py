"""Operating a real server process: health, security headers, the request log, limits, a failing
plugin, recording in the ledger, SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import textwrap
import time
from pathlib import Path

import pytest
import serving
from cli_bytes import cli

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
YAML = "application/yaml"


def test_healthz_answers_with_every_security_header(server: serving.Server) -> None:
    answer = server.request("GET", "/healthz")
    assert answer.status == 200
    assert answer.json() == {"status": "ok"}
    policy = answer.header("Content-Security-Policy") or ""
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("Referrer-Policy") == "no-referrer"


def test_an_unknown_route_is_a_json_404_with_the_headers(server: serving.Server) -> None:
    answer = server.request("GET", "/no/such/place")
    assert answer.status == 404
    assert "error" in answer.json()
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert server.request("GET", "/v1/judge").status == 405


def test_one_json_log_line_per_request(server: serving.Server) -> None:
    judged = server.request("POST", "/v1/chain", (FIXTURES / "chain.yaml").read_bytes(), content_type=YAML)
    server.request("POST", "/v1/chain", b"kind: Nothing\n", content_type=YAML)
    server.request("GET", "/v1/rubrics/delivery-capacity-review")
    assert server.stop() == 0
    records = server.log_records()
    assert [(r["method"], r["route"], r["status"]) for r in records] == [
        ("GET", "/healthz", 200), ("POST", "/v1/chain", 200), ("POST", "/v1/chain", 400),
        ("GET", "/v1/rubrics/{rubric_id}", 200)]
    assert records[1]["decision_id"] == judged.header("Stocktake-Decision-Id")
    assert all(isinstance(r["ms"], float) and r["ms"] >= 0 and r["ts"] for r in records)
    assert "decision_id" in records[2]  # a refused decision has its id too
    lines = server.stderr_lines()
    assert lines[0].startswith("stocktake serving on http://127.0.0.1:")
    assert all(line.startswith(("stocktake", "{")) for line in lines), lines  # nothing else on stderr


def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(serve) -> None:
    server = serve(serve_args=["--max-body-mb", "1"])
    big = b"# " + b"x" * (1024 * 1024 + 10) + b"\n"
    # Declared: the headers alone are refused; the body is never sent (the server may close the
    # connection on its answer, so a client still writing a body can meet a broken pipe).
    connection = server.connection()
    connection.putrequest("POST", "/v1/chain")
    connection.putheader("Content-Type", YAML)
    connection.putheader("Content-Length", str(len(big)))
    connection.endheaders()
    declared = connection.getresponse()
    assert declared.status == 413 and "1,048,576 bytes" in json.loads(declared.read())["error"]["message"]
    connection.close()
    connection = server.connection()
    connection.request("POST", "/v1/chain", body=iter([big[:500_000], big[500_000:]]),
                       headers={"Content-Type": YAML}, encode_chunked=True)
    streamed = connection.getresponse()
    assert streamed.status == 413 and "error" in json.loads(streamed.read())
    connection.close()
    assert server.request("GET", "/healthz").status == 200


def test_a_request_past_the_time_limit_is_503(serve) -> None:
    server = serve(serve_args=["--request-timeout", "0.001"])
    answer = server.request("POST", "/v1/judge", (FIXTURES / "assessment.yaml").read_bytes(), content_type=YAML)
    assert answer.status == 503 and "--request-timeout" in answer.json()["error"]["message"]


FAILING_DETECTOR = '''
from stocktake import hookimpl

class Broken:
    id = "broken"
    version = "0.1"
    title = "Broken"
    description = "A detector that fails."
    def detect(self, chain):
        raise RuntimeError("the detector broke")

@hookimpl
def stocktake_register_chain_detectors(registry):
    registry.add_detector(Broken())
'''


def _failing_plugin(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "broken_detector.py").write_text(textwrap.dedent(FAILING_DETECTOR), encoding="utf-8")
    info = site / "broken_detector-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-detector\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[stocktake]\nbroken = broken_detector\n", encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def test_a_plugin_failure_is_a_200_with_the_failure_in_the_result(serve, tmp_path) -> None:
    env = _failing_plugin(tmp_path)
    (tmp_path / "chain.yaml").write_bytes((FIXTURES / "chain.yaml").read_bytes())
    expected = cli("chain", "chain.yaml", cwd=tmp_path, env=env)
    assert expected.returncode == 3
    server = serve(env=env)
    answer = server.request("POST", "/v1/chain?name=chain.yaml", (FIXTURES / "chain.yaml").read_bytes(),
                            content_type=YAML)
    assert answer.status == 200
    assert answer.body == expected.stdout
    assert answer.header("Stocktake-Plugin-Failures") == "1"
    assert [f["plugin"] for f in answer.json()["failures"]] == ["broken"]


def test_with_a_ledger_each_decision_is_recorded_with_its_id(serve, tmp_path) -> None:
    from stocktake.ledger import open_ledger

    server = serve(ledger=True, serve_args=["--allow-anonymous"])
    answer = server.request("POST", "/v1/judge?name=assessment.yaml", (FIXTURES / "assessment.yaml").read_bytes(),
                            content_type=YAML)
    assert answer.status == 200, answer.body
    decision, run_id = answer.header("Stocktake-Decision-Id"), answer.header("Stocktake-Run-Id")
    assert decision and run_id
    refused = server.request("POST", "/v1/judge", b"kind: Nothing\n", content_type=YAML)
    assert refused.status == 400 and refused.header("Stocktake-Run-Id") is None
    assert server.stop() == 0
    with open_ledger(str(server.ledger), create=False) as ledger:
        runs = ledger.runs()
        assert [r.run_id for r in runs] == [run_id]
        run = runs[0]
        assert run.options["decision_id"] == decision and run.options["via"] == "http"
        assert run.options["path"] == "assessment.yaml" and run.actor == "anonymous"
        assert ledger.blob(run.inputs[0]["sha256"]) == (FIXTURES / "assessment.yaml").read_bytes()
        assert ledger.verify().ok
    assert [r.get("run_id") for r in server.log_records() if r["route"] == "/v1/judge"] == [run_id, None]


def test_an_earlier_result_is_named_latest_or_by_its_ledger_run(serve) -> None:
    server = serve(ledger=True, serve_args=["--allow-anonymous"])
    example = REPO / "examples" / "northshire"
    first = server.request("POST", "/v1/judge?name=assessment-2026-h1.yaml",
                           (example / "assessment-2026-h1.yaml").read_bytes(), content_type=YAML)
    run_id = first.header("Stocktake-Run-Id")
    assert first.status == 200 and run_id
    later = (example / "assessment-2026-h2.yaml").read_bytes()
    by_latest = server.request("POST", "/v1/judge?previous=latest", later, content_type=YAML)
    by_run = server.request("POST", f"/v1/judge?previous=ledger:{run_id[:12]}", later, content_type=YAML)
    assert by_latest.status == 200 and by_run.status == 200, (by_latest.body[:500], by_run.body[:500])
    named = [i["path"] for i in by_run.json()["inputs"]]
    assert named == ["request", f"ledger:{run_id[:16]}"]
    assert by_latest.json()["inputs"] == by_run.json()["inputs"]


def test_without_a_ledger_a_non_loopback_host_is_refused(tmp_path) -> None:
    done = cli("serve", "--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    assert done.returncode == 2 and b"--allow-anonymous" in done.stderr


def test_sigterm_finishes_the_request_in_flight_then_exits_0(server: serving.Server) -> None:
    body = (FIXTURES / "chain.yaml").read_bytes()
    expected = server.request("POST", "/v1/chain", body, content_type=YAML).body
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    connection.putrequest("POST", "/v1/chain")
    connection.putheader("Content-Type", YAML)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body[:100])  # the request has begun: it is in flight
    _wait_for_line(server, "stocktake serving")  # (already there)
    _until_logged(server, 2)  # the first request's line: the server has been answering
    server.process.send_signal(15)
    _wait_for_line(server, "finishing the requests in flight")
    connection.send(body[100:])
    answer = connection.getresponse()
    assert answer.status == 200 and answer.read() == expected
    connection.close()
    assert server.stop() == 0
    assert server.stderr_lines()[-1] == "stocktake: stopped"


def _until_logged(server: serving.Server, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(server.log_records()) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def _wait_for_line(server: serving.Server, text: str) -> None:
    deadline = time.monotonic() + 60
    while not any(text in line for line in server.stderr_lines()):
        if time.monotonic() > deadline:
            pytest.fail(f"no line {text!r} in {server.stderr_lines()}")
        time.sleep(0.02)


def test_a_batch_over_the_line_limit_is_refused_at_the_first_line_too_many(serve, tmp_path) -> None:
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 40).read_bytes()
    for ledger in (False, True):  # streamed, and held for the ledger
        server = serve(ledger=ledger, serve_args=["--max-batch-lines", "25", "--allow-anonymous"])
        answer = server.request("POST", "/v1/judge/batch?period=P&as-of=2026-10-31", batch,
                                content_type="application/jsonl")
        assert answer.status == 400, answer.body[:300]
        error = answer.json()["error"]
        assert "--max-batch-lines" in error["message"] and error["errors"][0]["line"] == 26
        assert server.request("POST", "/v1/judge/batch?period=P&as-of=2026-10-31", b"\n".join(
            batch.splitlines()[:25]) + b"\n", content_type="application/jsonl").status == 200


def test_concurrent_decisions_are_each_recorded_once(serve) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from stocktake.ledger import open_ledger

    server = serve(ledger=True, serve_args=["--allow-anonymous"])
    body = (FIXTURES / "chain.yaml").read_bytes()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: server.request("POST", "/v1/chain", body, content_type=YAML), range(16)))
    assert {a.status for a in answers} == {200}
    assert len({a.body for a in answers}) == 1  # the same decision, sixteen times
    decisions = {a.header("Stocktake-Decision-Id") for a in answers}
    runs = {a.header("Stocktake-Run-Id") for a in answers}
    assert len(decisions) == 16 and len(runs) == 16
    assert server.stop() == 0
    with open_ledger(str(server.ledger), create=False) as ledger:
        assert {r.run_id for r in ledger.runs()} == runs
        assert {r.options["decision_id"] for r in ledger.runs()} == decisions
        assert ledger.verify().ok


@pytest.mark.parametrize(("method", "path", "status"), [
    ("POST", "/v1/chain?fromat=md", 400), ("POST", "/v1/chain?format=md&format=md", 400),
    ("POST", "/v1/chain?format=pdf", 400), ("GET", "/v1/rubrics/nope", 404), ("GET", "/v1/schemas/Nope", 404)])
def test_an_option_or_catalogue_error_is_logged_with_its_status_and_carries_the_headers(
        server: serving.Server, method: str, path: str, status: int) -> None:
    body = (FIXTURES / "chain.yaml").read_bytes() if method == "POST" else None
    answer = server.request(method, path, body, content_type=YAML if body else None)
    assert answer.status == status, answer.body
    assert answer.json()["error"]["message"] and answer.json()["error"]["exit_code"] == 2
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert "default-src 'none'" in (answer.header("Content-Security-Policy") or "")
    if method == "POST":
        assert len(answer.header("Stocktake-Decision-Id") or "") == 32
    assert server.stop() == 0
    assert [(r["route"], r["status"]) for r in server.log_records()][1:] == [(path.split("?")[0].replace(
        "rubrics/nope", "rubrics/{rubric_id}").replace("schemas/Nope", "schemas/{kind}"), status)]
    lines = server.stderr_lines()
    assert not any("Traceback" in line for line in lines), lines
    assert all(line.startswith(("stocktake", "{")) for line in lines), lines


def _answer_before_the_body(server: serving.Server, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Declare a 40 MB body, send only its first bytes: the answer must come without the rest."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        connection.putrequest("POST", path)
        for name, value in {"Content-Length": str(40 * 1024 * 1024), **headers}.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(b"# " + b"x" * 1000)
        answer = connection.getresponse()  # times out if the server waits for the whole body
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/v1/validate", "/v1/review", "/v1/judge", "/v1/chain", "/v1/report",
                                  "/v1/judge/batch", "/v1/judge/batch?format=json"])
def test_with_a_ledger_the_token_is_checked_before_the_body_is_read(serve, path) -> None:
    from stocktake.server.tokens import create_token

    server = serve(ledger=True)
    token = create_token(str(server.ledger), role="viewer", name="ana", actor="test")
    status, body = _answer_before_the_body(server, path, {"Content-Type": YAML})
    assert status == 401 and b"token" in body
    status, body = _answer_before_the_body(server, path, {"Content-Type": "text/html"})
    assert status == 401  # the media type is looked at after the caller
    status, body = _answer_before_the_body(server, path, {"Content-Type": "text/html",
                                                          "Authorization": f"Bearer {token}"})
    assert status == 415 and b"text/html" in body


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "forwarded-allow-ips"])
def test_x_forwarded_proto_is_believed_only_from_the_proxies_named(serve, trusted) -> None:
    server = serve(ledger=True, serve_args=["--forwarded-allow-ips", "127.0.0.1"] if trusted else [])
    answer = server.request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
    assert answer.status == 200
    cookie = answer.header("Set-Cookie") or ""
    assert cookie.startswith("stocktake_") and ("; secure" in cookie.lower()) is trusted, cookie


def test_a_decision_answered_503_is_never_recorded_even_when_the_time_runs_out_while_recording(serve) -> None:
    from stocktake.ledger import open_ledger

    server = serve(ledger=True, serve_args=["--allow-anonymous", "--request-timeout", "3"],
                   env={"STOCKTAKE_TEST_SLOW_RECORD": "5"})  # the time runs out while the run is recorded
    answer = server.request("POST", "/v1/chain", (FIXTURES / "chain.yaml").read_bytes(), content_type=YAML)
    assert answer.status in (200, 503), answer.body
    assert server.stop() == 0
    with open_ledger(str(server.ledger), create=False) as ledger:
        recorded = [r.run_id for r in ledger.runs()]
    if answer.status == 503:  # only if judging itself took the 3 s (a very busy machine)
        assert recorded == []
    else:
        assert recorded == [answer.header("Stocktake-Run-Id")]


def test_messages_over_http_name_no_server_path_and_no_cli_option(serve) -> None:
    stateless = serve()
    no_ledger = stateless.request("POST", "/v1/judge?previous=latest", (FIXTURES / "assessment.yaml").read_bytes(),
                                  content_type=YAML).json()["error"]["message"]
    assert "--ledger PATH" not in no_ledger and "give the file" not in no_ledger and "no ledger" in no_ledger
    server = serve(ledger=True, serve_args=["--allow-anonymous"])
    unknown = server.request("POST", "/v1/judge?previous=ledger:0000", (FIXTURES / "assessment.yaml").read_bytes(),
                             content_type=YAML).json()["error"]["message"]
    assert str(server.ledger) not in unknown and server.ledger.name not in unknown, unknown
    assert "the server's ledger has no run '0000'" in unknown and "stocktake ledger runs" not in unknown
    rubrics = server.request("GET", "/v1/rubrics").json()
    assert rubrics and all("path" not in r and r["sha256"] and r["source"] for r in rubrics)
    assert str(REPO) not in json.dumps(rubrics)
