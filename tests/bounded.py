"""Running ``stocktake`` as an attacker's input would: a fresh process with bounded address space
and time, so a class of attack that is not bounded fails its test instead of the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

MEMORY = 1024 ** 3
"""Bytes of address space each run may use (1 GiB)."""
SECONDS = 60
"""Wall-clock bound for each run."""


def _limit(memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def stocktake_bounded(*args: str, cwd: Path, memory: int = MEMORY, seconds: float = SECONDS,
                      stdin: bytes | None = None, env: dict[str, str] | None = None,
                      ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m stocktake ARGS`` in ``cwd`` under ``memory`` bytes of address space; a run past
    ``seconds`` raises :class:`subprocess.TimeoutExpired` (the test fails)."""
    result = subprocess.run([sys.executable, "-m", "stocktake", *args], cwd=cwd, capture_output=True,
                            timeout=seconds, preexec_fn=lambda: _limit(memory), input=stdin,
                            env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})})
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "replace"),
                                       result.stderr.decode("utf-8", "replace"))


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> bool:
    """True if ``result`` is a clean refusal: exit 2, one ``error:`` line on stderr holding every
    needle, no traceback."""
    lines = result.stderr.strip().splitlines()
    return (result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ")
            and "Traceback" not in result.stderr and all(n in lines[0] for n in needles))
