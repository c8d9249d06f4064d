"""Writing results: all or nothing, and never over what is not ours.

``open_output(path)`` decides how to write by what is at ``path`` (after following symbolic links):

- nothing, or a regular file: a temporary file beside it (in the same directory, so the rename is
  atomic) becomes it by rename only when the block completes, so a failure, Ctrl-C, ``SIGTERM`` or
  ``SIGHUP`` leaves the previous file or no file, never half of one. A replaced file keeps its
  permission bits (not set-user-id or set-group-id, which a write clears) and, where this process
  may set them, its owner and group; a new file gets ``0o666`` less the umask. Another hard link
  to the replaced file keeps the previous content.
- a symbolic link: written through to the file it points to (the temporary file is made beside
  that file and renamed onto it); the link itself stays. A link to nothing is refused rather than
  followed to create a file somewhere else (as ``cp`` does).
- a device, a FIFO (or anything else that is not a regular file): opened and written directly, with
  no temporary file and no rename (a FIFO waits for its reader, as a shell's ``>`` does).
- ``-`` or None: standard output, written directly.

Refused with :class:`~stocktake.core.errors.UsageError` (one line, exit 2), and the file left as it
was: an empty name, a directory (or a name ending in ``/``), one of this command's inputs (the same
file by device and inode, however it is named: see :func:`stocktake.core.files.was_read`; checked
when the output is opened and again just before the rename, because a stream reads its input while
it writes), a file this user may not write, a directory where the temporary file cannot be made, a
name longer than the filesystem allows. Failing writes (``no space left on device``, a
disk quota, a file size limit) are one-line errors too; a closed pipe raises
:class:`BrokenPipeError` for the caller to end quietly.

:func:`copy_part` copies the start of a part file (``--jobs``) into an output, by the kernel where it can.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, BinaryIO

from stocktake.core.errors import UsageError
from stocktake.core.files import was_read

__all__ = ["copy_part", "discard_standard_output", "is_write_failure", "json_text", "open_output",
           "write_failure", "write_output"]

_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file would be larger than the filesystem or this process's file size limit allows",
    errno.EIO: "an input/output error",
    errno.EROFS: "a read-only filesystem",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "its directory does not exist",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ELOOP: "a loop of symbolic links",
    errno.ENAMETOOLONG: "a name too long for the filesystem",
    errno.ENXIO: "nothing is reading it (a socket or a device that is not there)",
}
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})
"""Errors of writing itself: raised by the block's writes, they are ours to report."""


_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029]")
"""What JSON leaves raw that must not reach a terminal or split a line: DEL, the C1 controls
(U+009B is a terminal's CSI, U+0085 a line break) and the Unicode line and paragraph separators.
JSON escapes the C0 controls (ESC, BEL, ...) itself."""


def json_text(text: str) -> str:
    """JSON text with :data:`_RAW_IN_JSON` written as ``\\u`` escapes: the same values, and every
    character printable (they occur only inside strings). Text without one is returned as it is."""
    if text.isascii() and "\x7f" not in text:  # isascii reads a flag; the DEL test is a C search, not a regex
        return text
    if _RAW_IN_JSON.search(text) is None:
        return text
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _place(where: str | Path | None) -> str:
    return "standard output" if where is None else repr(str(where))


def write_failure(where: str | Path | None, err: OSError) -> UsageError:
    """The one-line error for ``err`` raised while writing ``where`` (None: standard output)."""
    reason = _REASONS.get(err.errno or 0) or (err.strerror or type(err).__name__).lower()
    return UsageError(f"cannot write to {_place(where)}: {reason}")


def is_write_failure(err: OSError) -> bool:
    """True for an error of writing itself (a full disk, a quota, a size limit), not a closed pipe."""
    return err.errno in _WRITE_ERRNOS and not isinstance(err, BrokenPipeError)


def discard_standard_output() -> None:
    """Point file descriptor 1 at the null device, so what is still buffered for a standard output
    that can no longer be written (a closed pipe, a full disk) is dropped at exit, silently."""
    with suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real file descriptor (a test runner's buffer): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)  # opened for writing, never replaced
    os.dup2(null, fd)
    os.close(null)


@contextmanager
def open_output(output: str | Path | None, *, binary: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[Any]:
    """A text (or ``binary``) stream that becomes ``output`` only if the block completes (standard
    output for None or ``-``). ``inputs`` names files the command will read but may not have read
    yet; they are refused as outputs like the files already read."""
    if output is None or str(output) == "-":
        with _standard_output(binary) as handle:
            yield handle
        return
    name = str(output)
    target, info = _resolve(name, [Path(p) for p in inputs])
    if info is not None and not stat.S_ISREG(info.st_mode):
        with _direct(name, binary) as handle:
            yield handle
        return
    with _replacing(target, name, info, binary) as handle:
        yield handle


def write_output(content: str | bytes, output: str | Path | None) -> None:
    """Write ``content`` (text, or bytes such as a workbook or a PDF) to ``output`` as
    :func:`open_output` does, or to standard output if it is None or ``-``."""
    with open_output(output, binary=isinstance(content, bytes)) as handle:
        handle.write(content)


def _is_input(path: Path, info: os.stat_result | None, inputs: list[Path]) -> bool:
    if was_read(path):
        return True
    if info is None:
        return False
    for item in inputs:
        try:
            other = os.stat(item)
        except (OSError, ValueError):
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            return True
    return False


def _refuse_input(name: str) -> UsageError:
    return UsageError(f"cannot write to {name!r}: it is one of this command's inputs "
                      "(write the result to another file)")


def _resolve(name: str, inputs: list[Path]) -> tuple[Path, os.stat_result | None]:
    """The file to write (symbolic links followed) and what is there now (None: nothing)."""
    if "\x00" in name:
        raise UsageError(f"cannot write to {name!r}: a name with a NUL byte")
    if not name:
        raise UsageError("cannot write to '': an empty name (give a file name, or - for standard output)")
    try:
        info: os.stat_result | None = os.stat(name)
    except FileNotFoundError:
        if os.path.islink(name):
            raise UsageError(f"cannot write to {name!r}: it is a symbolic link to {os.readlink(name)!r}, which "
                             "does not exist (create that file first, or write to another file)") from None
        info = None
    except OSError as err:
        raise write_failure(name, err) from None
    target = Path(os.path.realpath(name))
    if (info is not None and stat.S_ISDIR(info.st_mode)) or name.endswith(os.sep):
        raise UsageError(f"cannot write to {name!r}: it is a directory")
    if _is_input(target, info, inputs):
        raise _refuse_input(name)
    if info is not None and stat.S_ISREG(info.st_mode) and not os.access(target, os.W_OK):
        raise UsageError(f"cannot write to {name!r}: permission denied (the file is read-only for this user)")
    return target, info


@contextmanager
def _standard_output(binary: bool) -> Iterator[IO[Any]]:
    stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
    try:
        yield stream
        stream.flush()
    except OSError as err:
        if not is_write_failure(err):
            raise
        discard_standard_output()  # what is still buffered would fail again at exit
        raise write_failure(None, err) from None


@contextmanager
def _direct(name: str, binary: bool) -> Iterator[IO[Any]]:
    """Write a device or FIFO in place: it cannot be replaced, and must not be. Opened by the name
    given, so the kernel follows links such as ``/dev/stdout`` to a pipe, which have no path."""
    try:
        fd = os.open(name, os.O_WRONLY | os.O_NOCTTY)
    except OSError as err:
        raise write_failure(name, err) from None
    with _reporting_write_failures(name), _stream(fd, binary) as handle:
        yield handle


@contextmanager
def _replacing(target: Path, name: str, info: os.stat_result | None, binary: bool) -> Iterator[IO[Any]]:
    """Write a temporary file beside ``target`` and rename it onto ``target`` when the block ends."""
    tmp = _temporary_name(target, name)
    # The temporary name is known before the file exists, so an interrupt at any point after it is
    # created still finds it to remove.
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        except PermissionError:
            raise UsageError(f"cannot write to {name!r}: permission denied in its directory "
                             f"{str(target.parent)!r} (the result is written beside it, then renamed)") from None
        except OSError as err:
            raise write_failure(name, err) from None
        with _reporting_write_failures(name), _stream(fd, binary) as handle:
            if info is not None:
                _keep_permissions(handle.fileno(), info)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if was_read(target):  # a stream that read its input while writing the result
            raise _refuse_input(name)
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise write_failure(name, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _reporting_write_failures(where: str | None) -> Iterator[None]:
    """Errors of writing (raised by the block's writes, flushes and closes) as one-line errors; a
    closed pipe stays :class:`BrokenPipeError`, and other errors stay what they are."""
    try:
        yield
    except OSError as err:
        if not is_write_failure(err):
            raise
        raise write_failure(where, err) from None


def _stream(fd: int, binary: bool) -> IO[Any]:
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def _temporary_name(target: Path, name: str) -> Path:
    """``.NAME.PID.RANDOM.tmp`` beside ``target``, NAME shortened so the whole fits the filesystem's
    limit on a name's bytes."""
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    own = os.fsencode(target.name)
    if len(own) > limit:
        raise UsageError(f"cannot write to {name!r}: a name too long for the filesystem "
                         f"({len(own)} bytes, at most {limit})")
    suffix = f".{os.getpid()}.{secrets.token_hex(4)}.tmp".encode()
    room = max(limit - 1 - len(suffix), 1)
    return target.parent / os.fsdecode(b"." + own[:room] + suffix)


def _keep_permissions(fd: int, info: os.stat_result) -> None:
    """Give the temporary file the replaced file's mode and, where allowed, its owner and group."""
    os.fchmod(fd, stat.S_IMODE(info.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
    if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
        # Only root may give a file away; otherwise the new file is this user's, as an editor's save is.
        with suppress(OSError):
            os.fchown(fd, info.st_uid, info.st_gid)


def copy_part(part: BinaryIO, length: int, out: IO[str]) -> None:
    """Write the first ``length`` bytes of ``part`` (UTF-8 text) to ``out``: by ``os.sendfile`` to
    its file descriptor, or to its binary buffer, or (an ``out`` that is not UTF-8 bytes
    underneath, such as a ``StringIO``) as text."""
    if not length:
        return
    raw, encoding = getattr(out, "buffer", None), getattr(out, "encoding", None)
    if raw is None or not encoding or codecs.lookup(encoding).name != "utf-8" or os.name == "nt":
        out.write(part.read(length).decode("utf-8"))  # a part is a few times a range's bytes
        return
    out.flush()
    sent = _send(raw, part, length)
    part.seek(sent)
    raw.write(part.read(length - sent))


def _send(raw: Any, part: BinaryIO, length: int) -> int:
    """Bytes of ``part`` sent to ``raw``'s file descriptor by the kernel (0: ``raw`` has none, or
    cannot take them so, as a file opened for appending: the caller copies)."""
    try:
        fd, send = raw.fileno(), os.sendfile
        raw.flush()
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's buffer), or no sendfile
        return 0
    sent = 0
    while sent < length:
        try:
            done = send(fd, part.fileno(), sent, length - sent)
        except OSError as err:
            if sent == 0 and err.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSOCK):
                return 0
            raise
        if done == 0:
            break
        sent += done
    return sent
