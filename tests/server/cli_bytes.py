"""The CLI run as a process, for comparing its bytes with the server's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def cli(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m stocktake ARGS`` in ``cwd``; stdout and stderr as bytes (no STOCKTAKE_ settings leak in)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STOCKTAKE_")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "stocktake", *args], cwd=cwd, env=environment,
                          capture_output=True, check=False, timeout=300)


def error_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    """The CLI's error lines without their ``error: `` prefix."""
    return [line.removeprefix("error: ") for line in done.stderr.decode("utf-8").splitlines()
            if line.startswith("error: ")]
