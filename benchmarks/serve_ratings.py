"""``python -m benchmarks.serve_ratings DIR``: rating writes over HTTP against ``stocktake serve``.

Starts the server as a process on 127.0.0.1 with a fresh SQLite ledger in DIR, creates one review
with 16 reviewers (a token each), and has 16 concurrent clients (one per reviewer, a keep-alive
connection each) save one rating per request through the JSON API
(``PUT /v1/reviews/{id}/ratings/{reviewer}``) until each has written ``WRITES`` ratings or the
deadline passes. Every write is an event committed to the ledger before the server answers.

Prints ``inner_s=`` (the whole load), ``throughput_per_s=`` (acknowledged writes per second),
``p50_ms=`` and ``p99_ms=`` (latency of a write as a client sees it) and the counts. The tests
(tests/server/test_load.py, test_kill.py) drive the same clients and then check the ledger.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLIENTS, WRITES, DEADLINE_S = 16, 200, 120.0
RUBRIC = "delivery-capacity-review@1.0.0"
LEVELS = ("G", "AG", "AR", "R")
LISTENING = re.compile(r"stocktake serving on http://([0-9.]+):(\d+)")


@dataclass
class Ack:
    """A write the server acknowledged (2xx): who wrote which rating."""

    reviewer: str
    component: str
    level: str
    rationale: str


@dataclass
class LoadResult:
    acks: list[Ack] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        rate = len(self.acks) / self.elapsed_s if self.elapsed_s else 0.0
        return (f"inner_s={self.elapsed_s:.3f} throughput_per_s={rate:.1f} p50_ms={self.percentile(0.5) * 1000:.1f} "
                f"p99_ms={self.percentile(0.99) * 1000:.1f} acknowledged={len(self.acks)} failed={len(self.failures)}")


def _client(host: str, port: int, review: str, reviewer: str, token: str, components: list[str], writes: int,
            deadline: float, stop: threading.Event, result: LoadResult, lock: threading.Lock) -> None:
    """One reviewer's client: ``writes`` single-rating saves on one keep-alive connection, each
    with a rationale no other write has; stops at the deadline, when ``stop`` is set, or at the
    first failure (a refused or broken connection: the server is gone)."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for i in range(writes):
            if stop.is_set() or time.monotonic() > deadline:
                return
            ack = Ack(reviewer, components[i % len(components)], LEVELS[i % len(LEVELS)], f"{reviewer} write {i}")
            body = json.dumps({"ratings": [{"component": ack.component, "level": ack.level,
                                            "rationale": ack.rationale, "evidence": []}]})
            started = time.monotonic()
            try:
                connection.request("PUT", f"/v1/reviews/{review}/ratings/{reviewer}", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as err:
                with lock:
                    result.failures.append(f"{reviewer} write {i}: {err!r}")
                return
            took = time.monotonic() - started
            with lock:
                if 200 <= response.status < 300:
                    result.acks.append(ack)
                    result.latencies_s.append(took)
                else:
                    result.failures.append(f"{reviewer} write {i}: HTTP {response.status}")
    finally:
        connection.close()


def drive(url: str, review: str, tokens: dict[str, str], components: list[str], *, writes: int = WRITES,
          deadline_s: float = DEADLINE_S, stop: threading.Event | None = None,
          result: LoadResult | None = None, lock: threading.Lock | None = None) -> LoadResult:
    """Run one client per reviewer in ``tokens`` (reviewer id -> token) at once against the
    server at ``url``; returns what was acknowledged, what failed, and each write's latency
    (into ``result``, guarded by ``lock``, when given: another thread may watch it fill)."""
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    result, lock, stop = result or LoadResult(), lock or threading.Lock(), stop or threading.Event()
    deadline = time.monotonic() + deadline_s
    threads = [threading.Thread(target=_client, args=(host, int(port), review, reviewer, token, components, writes,
                                                      deadline, stop, result, lock), daemon=True)
               for reviewer, token in tokens.items()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline_s + 90)
    result.elapsed_s = time.monotonic() - started
    return result


def reviewers(count: int = CLIENTS) -> list[dict[str, str]]:
    """``count`` reviewers of the load's review, ids ``rv01``..., all of the joint team."""
    return [{"id": f"rv{n:02d}", "name": f"Reviewer {n}", "role": "delivery-unit"} for n in range(1, count + 1)]


def components() -> list[str]:
    """The ids of the built-in rubric's fifteen components."""
    from stocktake.api import Engine

    rubric_id, _, version = RUBRIC.partition("@")
    return [c.id for c in Engine().rubric(rubric_id, version).rubric.components()]


def _request(url: str, method: str, path: str, token: str, body: Any) -> Any:
    host, _, port = url.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=json.dumps(body),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:500]!r}")
        return json.loads(data)
    finally:
        connection.close()


def main() -> None:
    from stocktake.server.tokens import create_token

    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    ledger = str(folder / "serve-ratings.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(ledger + suffix).unlink(missing_ok=True)
    review = "load"
    moderator = create_token(ledger, role="moderator", name="moderator", actor="benchmark")
    tokens = {r["id"]: create_token(ledger, role="reviewer", name=r["id"], review=review, actor="benchmark")
              for r in reviewers()}
    server = subprocess.Popen([sys.executable, "-m", "stocktake", "--ledger", ledger, "serve", "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert server.stderr is not None
        url = ""
        while not url:
            line = server.stderr.readline()
            if not line:
                raise RuntimeError("the server stopped before it was listening")
            if found := LISTENING.search(line):
                url = f"http://{found[1]}:{found[2]}"
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its log pipe drained
        _request(url, "POST", "/v1/reviews", moderator, {"system": "Load", "rubric": RUBRIC, "date": "2026-06-30",
                                                         "reviewers": reviewers(), "id": review})
        print(drive(url, review, tokens, components()).summary())
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
