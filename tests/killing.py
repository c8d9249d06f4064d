"""Killing a writer inside its transaction: the tests of the ledger's durability start a process
with a pause hook set (it writes a marker file inside its transaction and waits there) and kill it
with SIGKILL once the marker shows, so what it wrote is neither committed nor rolled back by it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

POLL_S = 0.05


def kill_when_paused(writer: subprocess.Popen[bytes], marker: Path, *, wait_s: float = 60.0) -> None:
    """SIGKILL ``writer`` once ``marker`` exists (within ``wait_s``); fails, with the writer's
    stderr, if it ended or never got there. Returns once the writer is gone."""
    try:
        for _ in range(int(wait_s / POLL_S)):
            if marker.exists() or writer.poll() is not None:
                break
            time.sleep(POLL_S)
        assert marker.exists(), writer.stderr.read().decode() if writer.stderr else ""
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL
