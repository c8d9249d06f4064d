"""Opening the files a command reads: bounded, with one message per way a path can be wrong, and
remembered, so an output can refuse to replace one of them.

Every document, table and batch is read through :func:`read_bytes` or :func:`open_input`. Both read
at most ``max_bytes`` from any source (a regular file, a pipe, a device: ``/dev/zero`` reports size
0 and never ends), and record each regular file's identity (device and inode), which
:func:`was_read` answers for the output writer.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from stocktake.core.errors import DocumentError

__all__ = ["binary_kind", "forget_inputs", "open_input", "read_bytes", "was_read"]

_read: set[tuple[int, int]] = set()

_REASONS = {
    errno.ENOENT: "nothing at that path",
    errno.ENOTDIR: "nothing at that path (a part of it is not a directory)",
    errno.ELOOP: "a loop of symbolic links",
    errno.ENAMETOOLONG: "a name too long for the filesystem",
    errno.EACCES: "a file this user may not read",
    errno.EISDIR: "a directory",
}


def _refusal(err: OSError) -> str:
    return _REASONS.get(err.errno or 0, err.strerror or type(err).__name__)


@contextmanager
def open_input(path: Path, *, what: str = "an existing file") -> Iterator[BinaryIO]:
    """Open ``path`` for reading bytes; raise :class:`DocumentError` naming it if it cannot be.

    Refuses a directory, a name with a NUL byte, a missing path, a symbolic-link loop and a name
    too long. Pipes and devices are read like files (callers bound how much); a regular file is
    remembered for :func:`was_read`.
    """
    if "\x00" in str(path):
        raise DocumentError(what, "a name with a NUL byte", file=path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise DocumentError(what, _refusal(err), file=path) from None
    with handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError(what, "a directory", file=path)
        if stat.S_ISREG(info.st_mode):
            _read.add((info.st_dev, info.st_ino))
        yield handle


def read_bytes(path: Path, *, max_bytes: int, what: str = "an existing file") -> bytes:
    """All of ``path``'s bytes, refusing more than ``max_bytes`` (read no further than one byte
    past the limit, whatever the file claims its size is)."""
    with open_input(path, what=what) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise DocumentError(f"a file of at most {max_bytes:,} bytes", f"{size:,} bytes", file=path)
        # In blocks: one read of the limit would allocate all of it, whatever the file holds.
        blocks, held = [], 0
        while held <= max_bytes and (block := handle.read(min(1 << 20, max_bytes + 1 - held))):
            blocks.append(block)
            held += len(block)
        data = b"".join(blocks)
    if len(data) > max_bytes:
        raise DocumentError(f"a file of at most {max_bytes:,} bytes", f"more than {max_bytes:,} bytes", file=path)
    return data


_SIGNATURES = (
    (b"PK\x03\x04", "a zip file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (XLS or DOC)"),
    (b"%PDF-", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip file"),
)


def binary_kind(raw: bytes, name: str = "") -> str | None:
    """What kind of binary file ``raw`` (the start of it will do) is, in words, if it is one we
    can name: a spreadsheet, an old Office file, a PDF, an image, an archive; None otherwise.
    ``name`` tells zips apart (an ``.xlsx`` is a zip)."""
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            if kind == "a zip file" and (name.lower().endswith((".xlsx", ".xlsm")) or b"xl/" in raw[:4096]):
                return "a spreadsheet (XLSX)"
            if kind == "a zip file" and (name.lower().endswith(".docx") or b"word/" in raw[:4096]):
                return "a Word document (DOCX)"
            return kind
    return None


def was_read(path: Path) -> bool:
    """True if ``path`` (after following symbolic links) is a regular file this process read."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return False
    return (info.st_dev, info.st_ino) in _read


def forget_inputs() -> None:
    """Forget every file read so far (for a long-lived process between independent commands)."""
    _read.clear()
