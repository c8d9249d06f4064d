"""A one-line progress display on stderr, for long batches run at a terminal.

Shown only when stderr is a terminal and ``CI`` is not set: piped output, logs and CI stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Call with (items done, bytes read, bytes in total); redraws at most five times a second."""

    def __init__(self, stream: TextIO, verb: str, noun: str) -> None:
        self.stream, self.verb, self.noun = stream, verb, noun
        self.start = self.last = time.monotonic()
        self.drawn = False

    @classmethod
    @contextmanager
    def on_stderr(cls, verb: str, noun: str) -> Iterator[Progress | None]:
        """A progress display if stderr is a terminal (and not under CI), else None."""
        if not sys.stderr.isatty() or os.environ.get("CI"):
            yield None
            return
        progress = cls(sys.stderr, verb, noun)
        try:
            yield progress
        finally:
            progress.close()

    def __call__(self, done: int, read: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        share = f"{100 * read / total:3.0f}% " if total else ""
        self.stream.write(f"\r{share}{self.verb} {done:,} {self.noun} ({rate:,.0f}/s)")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
