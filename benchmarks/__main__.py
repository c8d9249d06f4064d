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
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from engine.resources import data_dir


@dataclass
class Workload:
    name: str
    argv: list[str]
    target_s: float | None = None
    floor: str | None = None
    """Name of the workload this one is compared with."""


def _stocktake() -> str:
    found = shutil.which("stocktake", path=str(Path(sys.executable).parent)) or shutil.which("stocktake")
    if not found:
        sys.exit("benchmarks: the stocktake command is not installed in this environment")
    return found


def workloads() -> list[Workload]:
    cmd = _stocktake()
    rubric = str(data_dir("rubrics") / "delivery-capacity-review.yaml")
    return [
        Workload("floor: python -c pass", [sys.executable, "-c", "pass"]),
        Workload("floor: import click", [sys.executable, "-c", "import click"]),
        Workload("stocktake --help", [cmd, "--help"], floor="floor: import click"),
        Workload("stocktake --version", [cmd, "--version"], floor="floor: import click"),
        Workload("stocktake validate (15-component rubric)", [cmd, "validate", rubric], target_s=0.5),
        Workload("stocktake rubrics (list, validates all)", [cmd, "rubrics"], target_s=0.5),
    ]


def run_once(argv: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run as a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not a running maximum
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmarks: {argv} exited {proc.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    items = workloads()
    times: dict[str, list[float]] = {w.name: [] for w in items}
    peaks: dict[str, int] = {w.name: 0 for w in items}
    for w in items:  # warm-up: page cache, .pyc files
        run_once(w.argv)
    for _ in range(args.repeat):
        for w in items:
            elapsed, peak = run_once(w.argv)
            times[w.name].append(elapsed)
            peaks[w.name] = max(peaks[w.name], peak)
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
        }
        rows.append(row)
    header = f"{'workload':44} {'median':>8} {'min..max':>15} {'peak MiB':>9} {'target':>7} {'x floor':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        spread = f"{r['min_s']:.3f}..{r['max_s']:.3f}"
        print(f"{r['workload']:44} {r['median_s']:8.3f} {spread:>15} "
              f"{(r['peak_rss_mib'] or 0):9.1f} {(r['target_s'] or 0) or '-':>7} {r['vs_floor'] or '-':>8}")
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    print(f"\n{args.repeat} runs each, interleaved; {machine}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
