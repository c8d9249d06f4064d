"""Writing results: all or nothing.

A file is written to a temporary sibling and renamed into place, so a failure (or Ctrl-C) leaves
the previous file or no file, never half of one. ``-`` means standard output.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stocktake.core.errors import UsageError

__all__ = ["open_output", "write_output"]


@contextmanager
def open_output(output: str | Path | None, *, binary: bool = False) -> Iterator[Any]:
    """A text (or ``binary``) stream that becomes ``output`` only if the block completes (stdout
    for None or ``-``)."""
    if output is None or str(output) == "-":
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
            return
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"cannot write to {str(target)!r}: it is a directory")
    # The temporary name is known before the file exists, so an interrupt at any point after it is
    # created still finds it to remove.
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as err:
            raise UsageError(f"cannot write to {str(target)!r}: {err.strerror}") from None
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_output(text: str, output: str | Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to standard output if it is None or ``-``."""
    with open_output(output) as handle:
        handle.write(text)
