"""``python -m benchmarks.serve_judge DIR [--ledger]``: likelihood judgments over HTTP.

Starts ``stocktake serve`` as a process on 127.0.0.1 (stateless and anonymous, or with
``--ledger`` a fresh SQLite ledger in DIR, every decision recorded, a token per client), then:

1. 16 concurrent clients (a keep-alive connection each) each POST a 10-priority assessment to
   ``/v1/judge`` ``REQUESTS`` times; prints ``inner_s=`` (the whole load), ``throughput_per_s=``
   (answered decisions per second), ``p50_ms=`` and ``p99_ms=``;
2. one JSON Lines batch of ``BATCH`` priorities through ``/v1/judge/batch``, timed as
   ``batch_s=``, against ``cli_batch_s=``, the CLI judging the same file in the same run; the two
   outputs are compared byte for byte (``same_bytes=``) so the figure is of the same work.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.generate import assessment, write_priorities_jsonl
from benchmarks.serve_ratings import LISTENING

CLIENTS, REQUESTS, BATCH = 16, 50, 20_000
BATCH_QUERY = "period=2026-H2&as-of=2026-01-01"


def _load(host: str, port: int, body: bytes, token: str | None) -> tuple[float, list[float], int]:
    """Every client's requests at once: (elapsed, latencies of 200s, count of others)."""
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            for _ in range(REQUESTS):
                started = time.monotonic()
                connection.request("POST", "/v1/judge?name=assessment.json", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                took = time.monotonic() - started
                with lock:
                    if response.status == 200:
                        latencies.append(took)
                    else:
                        failed[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, sorted(latencies), failed[0]


def _batch(host: str, port: int, path: Path, token: str | None) -> tuple[float, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=600)
    headers = {"Content-Type": "application/x-ndjson", **({"Authorization": f"Bearer {token}"} if token else {})}
    started = time.monotonic()
    connection.request("POST", f"/v1/judge/batch?name={path.name}&{BATCH_QUERY}", body=path.read_bytes(),
                       headers=headers)
    response = connection.getresponse()
    out = response.read()
    took = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"batch: HTTP {response.status}: {out[:300]!r}")
    return took, out


def main() -> None:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    with_ledger = "--ledger" in sys.argv[2:]
    body = json.dumps(assessment(10)).encode()
    batch = write_priorities_jsonl(folder / "batch.jsonl", BATCH)
    command = [sys.executable, "-m", "stocktake"]
    token = None
    if with_ledger:
        from stocktake.server.tokens import create_token

        ledger = folder / "serve-judge.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        token = create_token(str(ledger), role="viewer", name="benchmark", actor="benchmark")
        command += ["--ledger", str(ledger)]
    server = subprocess.Popen([*command, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        found = None
        while found is None:
            line = server.stderr.readline()
            if not line:
                raise RuntimeError("the server stopped before it was listening")
            found = LISTENING.search(line)
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its log pipe drained
        host, port = found[1], int(found[2])
        elapsed, latencies, failed = _load(host, port, body, token)
        batch_s, served = _batch(host, port, batch, token)
    finally:
        server.terminate()
        server.wait(30)
    started = time.monotonic()
    cli = subprocess.run([sys.executable, "-m", "stocktake", "judge", batch.name, "--period", "2026-H2",
                          "--as-of", "2026-01-01", "--format", "jsonl"], cwd=folder, capture_output=True, check=True)
    cli_s = time.monotonic() - started

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000 if latencies else 0.0

    print(f"inner_s={elapsed:.3f} throughput_per_s={len(latencies) / elapsed:.1f} p50_ms={pct(0.5):.1f} "
          f"p99_ms={pct(0.99):.1f} answered={len(latencies)} failed={failed} batch_s={batch_s:.2f} "
          f"cli_batch_s={cli_s:.2f} same_bytes={served == cli.stdout}")


if __name__ == "__main__":
    main()
