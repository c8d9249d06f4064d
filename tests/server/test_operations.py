"""Operating a real server process: health, security headers, the request log, limits, SIGTERM."""

from __future__ import annotations

import serving


def test_healthz_answers_with_every_security_header(server: serving.Server) -> None:
    answer = server.request("GET", "/healthz")
    assert answer.status == 200
    assert answer.json() == {"status": "ok"}
    policy = answer.header("Content-Security-Policy") or ""
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("Referrer-Policy") == "no-referrer"


def test_an_unknown_route_is_a_json_404_with_the_headers(server: serving.Server) -> None:
    answer = server.request("GET", "/no/such/place")
    assert answer.status == 404
    assert "error" in answer.json()
    assert answer.header("X-Content-Type-Options") == "nosniff"


def test_sigterm_ends_the_server_with_exit_0(server: serving.Server) -> None:
    assert server.request("GET", "/healthz").status == 200
    assert server.stop() == 0
