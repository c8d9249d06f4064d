"""Measure workloads against their targets and floors: ``python -m benchmarks [--repeat N] [--json PATH]``.

Workloads run as fresh processes (what a user pays), interleaved round-robin so drift in this
machine's speed hits every workload alike. Prints one table: median and spread of wall time, peak
memory, the target and the ratio to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from stocktake.core.resources import data_dir


@dataclass
class Workload:
    name: str
    argv: list[str]
    target_s: float | None = None
    floor: str | None = None
    """Name of the workload this one is compared with."""
    repeat: int | None = None
    """Runs for this workload if fewer than the default (slow workloads)."""
    versus: str | None = None
    """A peer's workload: the name of ours its inner times are divided by (medians of this run)."""


def _stocktake() -> str:
    found = shutil.which("stocktake", path=str(Path(sys.executable).parent)) or shutil.which("stocktake")
    if not found:
        sys.exit("benchmarks: the stocktake command is not installed in this environment")
    return found


def workloads(data: Path) -> list[Workload]:
    # Data is generated in a child process: a driver grown large would inflate every workload's
    # peak memory (a child's resident size starts as its parent's until it execs).
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(data)], check=True)
    cmd = _stocktake()
    rubric = str(data_dir("rubrics") / "delivery-capacity-review.yaml")
    big_review, many, batch = data / "review-15x50.json", data / "reviews-1000", data / "priorities-100k.jsonl"
    report_input, judged = data / "assessment-1000.json", data / "assessment-1000-result.json"
    chains = {size: data / f"chain-{size}.json" for size in (100_000, 1_000_000)}
    return [
        Workload("floor: python -c pass", [sys.executable, "-c", "pass"]),
        Workload("floor: import click", [sys.executable, "-c", "import click"]),
        Workload("stocktake --help", [cmd, "--help"], floor="floor: import click"),
        Workload("stocktake --version", [cmd, "--version"], floor="floor: import click"),
        Workload("stocktake validate (15-component rubric)", [cmd, "validate", rubric], target_s=0.5),
        Workload("stocktake rubrics (list, validates all)", [cmd, "rubrics"], target_s=0.5),
        Workload("review CLI: 15 components x 50 reviewers", [cmd, "review", str(big_review), "-o", str(data / "out")],
                 target_s=0.5),
        Workload("review CLI: same, Markdown",
                 [cmd, "review", str(big_review), "--format", "md", "-o", str(data / "out")]),
        Workload("review API: 1,000 reviews x 5 reviewers", [sys.executable, "-m", "benchmarks.review_api", str(many)],
                 target_s=5.0, repeat=3),
        Workload("likelihood API: 100,000 priorities x 20 points", [sys.executable, "-m", "benchmarks.likelihood_api",
                 "100000"], target_s=1.0, repeat=1),
        Workload("report CLI: 1,000 judged priorities to HTML", [cmd, "report", str(judged), "-o", str(data / "out")],
                 target_s=2.0, repeat=5),
        Workload("report CLI: same from the assessment (judging too)",
                 [cmd, "report", str(report_input), "-o", str(data / "out")], repeat=3),
        Workload("report API: 1,000 priorities (inner: HTML only)",
                 [sys.executable, "-m", "benchmarks.report_api", str(report_input)], repeat=3),
        Workload("chain CLI: 100,000 actors", [cmd, "chain", str(chains[100_000]), "-o", str(data / "out")],
                 target_s=5.0, repeat=1),
        Workload("chain CLI: 1,000,000 actors", [cmd, "--max-file-mb", "1024", "chain", str(chains[1_000_000]),
                                                 "-o", str(data / "out")],
                 target_s=40.0, repeat=1),
        Workload("likelihood CLI: 100,000 priorities, JSON Lines in and out",
                 [cmd, "judge", str(batch), "--period", "2026-H2", "--as-of", "2026-01-01", "--format", "jsonl",
                  "-o", str(data / "out")], target_s=10.0, repeat=1),
        Workload("likelihood CLI: same, --jobs 2",
                 [cmd, "judge", str(batch), "--period", "2026-H2", "--as-of", "2026-01-01", "--format", "jsonl",
                  "--jobs", "2", "-o", str(data / "out")], target_s=10.0, repeat=1),
        *decision_workloads(),
        Workload("columnar: 100,000 priorities as a pandas DataFrame (inner: judged)",
                 [sys.executable, "-m", "benchmarks.columnar", "100000"], repeat=1),
        Workload("chain API: 12 levels x 3, every route (inner: ours)",
                 [sys.executable, "-m", "benchmarks.chain_paths", "12", "3"], repeat=1),
        Workload("ledger: 20 periods x 1,000 priorities + 5 reviews (inner: one period recorded)",
                 [sys.executable, "-m", "benchmarks.ledger_history", str(data / "ledger")], repeat=1),
        Workload("serve: 16 clients x 200 rating writes over HTTP (inner: the load)",
                 [sys.executable, "-m", "benchmarks.serve_ratings", str(data / "serve")], repeat=1),
        Workload("serve: 16 clients x 50 judgments over HTTP, stateless (inner: the load)",
                 [sys.executable, "-m", "benchmarks.serve_judge", str(data / "serve-judge")], repeat=1),
    ]


DECISION_ROWS = 20_000
OURS = "decision table: Stocktake, cold (inner: compile + 20,000 rows)"
OURS_ARGV = ["stocktake", str(DECISION_ROWS)]


def decision_workloads() -> list[Workload]:
    """The likelihood decision table over the same 20,000 rows of inputs in Stocktake and in each
    peer, one process each, interleaved with the rest (see benchmarks/likelihood_api.py)."""
    argv = [sys.executable, "-m", "benchmarks.likelihood_api", "--decisions"]
    return [Workload(OURS, [*argv, *OURS_ARGV], repeat=3)] + [
        Workload(f"decision table: {peer}, cold (inner: compile + 20,000 rows)",
                 [*argv, peer.replace("-", "_"), str(DECISION_ROWS)], repeat=3, versus=OURS)
        for peer in ("zen-engine", "rule-engine")]


def run_once(argv: list[str]) -> tuple[float, int, float | None]:
    """Wall seconds, peak RSS (KiB) and any ``inner_s=`` the child printed, for one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not a running maximum
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmarks: {argv} exited {proc.returncode}")
    inner = re.search(rb"inner_s=([0-9.]+)", out)
    missing = re.search(rb"missing=(\S+)", out)
    if missing:
        MISSING.add(missing.group(1).decode())
    for key, value in re.findall(rb"(\w+_(?:s|mb))=([0-9.]+)", out):
        REPORTED.setdefault(" ".join(argv[-2:]), {})[key.decode()] = float(value)
    return elapsed, usage.ru_maxrss, float(inner.group(1)) if inner else None


MISSING: set[str] = set()
"""Peers a workload found not installed."""

REPORTED: dict[str, dict[str, float]] = {}
"""Extra timings workloads print as ``name_s=...`` (their own phases, peers) and sizes as
``name_mb=...``, last run wins."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", metavar="TEXT", action="append",
                        help="run only workloads whose name contains TEXT, or any TEXT if given again "
                             "(floors always run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stocktake-bench-") as tmp:
        items = [w for w in workloads(Path(tmp))
                 if not args.only or any(text in w.name for text in args.only) or w.name.startswith("floor")]
        times: dict[str, list[float]] = {w.name: [] for w in items}
        inner: dict[str, list[float]] = {w.name: [] for w in items}
        peaks: dict[str, int] = {w.name: 0 for w in items}
        for w in items:  # warm-up (page cache, .pyc files); slow workloads warm themselves up
            if w.repeat is None:
                run_once(w.argv)
        for round_ in range(args.repeat):
            for w in items:
                if w.repeat is not None and round_ >= w.repeat:
                    continue
                elapsed, peak, inside = run_once(w.argv)
                times[w.name].append(elapsed)
                peaks[w.name] = max(peaks[w.name], peak)
                if inside is not None:
                    inner[w.name].append(inside)
    medians = {name: statistics.median(values) for name, values in times.items()}
    rows = []
    for w in items:
        values = times[w.name]
        row = {
            "workload": w.name,
            "median_s": round(medians[w.name], 4),
            "min_s": round(min(values), 4),
            "max_s": round(max(values), 4),
            "peak_rss_mib": round(peaks[w.name] / 1024, 1) if peaks[w.name] else None,
            "target_s": w.target_s,
            "vs_floor": round(medians[w.name] / medians[w.floor], 2) if w.floor else None,
            "floor": w.floor,
            "inner_median_s": round(statistics.median(inner[w.name]), 4) if inner[w.name] else None,
        }
        rows.append(row)
    header = (f"{'workload':44} {'median':>8} {'min..max':>15} {'peak MiB':>9} {'target':>7} "
              f"{'x floor':>8} {'inner':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        spread = f"{r['min_s']:.3f}..{r['max_s']:.3f}"
        print(f"{r['workload']:44} {r['median_s']:8.3f} {spread:>15} "
              f"{(r['peak_rss_mib'] or 0):9.1f} {(r['target_s'] or 0) or '-':>7} {r['vs_floor'] or '-':>8} "
              f"{r['inner_median_s'] or '-':>8}")
    if REPORTED:
        print("\nreported by the workloads themselves (seconds; peer_* are other approaches to the same work, "
              "with how many times slower than ours they were):")
        for source, values in REPORTED.items():
            ours = values.get("table_s") or values.get("inner_s")
            print(f"  {source}: " + ", ".join(
                f"{k}={v:.3f}" + (f" ({v / ours:,.0f}x)" if k.startswith("peer_") and ours else "")
                for k, v in sorted(values.items())))
    _peers(items, inner)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    print(f"\nup to {args.repeat} runs each, interleaved; 'inner' is the time the workload itself "
          f"reports (no start-up); {machine}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": rows, "reported": REPORTED}, indent=2) + "\n")


def _peers(items: list[Workload], inner: dict[str, list[float]]) -> None:
    """Each peer's inner median over ours, both from this run, with the method beside the ratio."""
    peers = [w for w in items if w.versus]
    if not peers and not MISSING:
        return
    print("\npeers, the same decision table over the same 20,000 rows, each cold (its compile step timed) and "
          "used the way its documentation recommends for many inputs (benchmarks/likelihood_api.py); "
          "the memo figures are the last run's; "
          "levels checked equal to ours; ratios are medians of this run:")
    for w in peers:
        ours, theirs = inner.get(w.versus or "", []), inner[w.name]
        if not theirs or not ours:
            continue
        base = statistics.median(ours)
        memo = REPORTED.get(" ".join(w.argv[-2:]), {}).get("memo_s")
        median = statistics.median(theirs)
        line = f"  {w.name}: {median:.3f} s, {median / base:,.1f}x ours ({base:.3f} s)"
        if memo:
            line += f"; given our memo (each distinct input decided once): {memo:.3f} s, {memo / base:,.1f}x"
        bare = REPORTED.get(" ".join(OURS_ARGV[-2:]), {}).get("nomemo_s")
        if bare:
            line += f"; no memo on either side: {median / bare:,.1f}x ours without its memo ({bare:.3f} s)"
        print(line)
    for name in sorted(MISSING):
        print(f"  {name}: not installed, not measured (pip install rule-engine zen-engine; make bench installs both)")


if __name__ == "__main__":
    main()
