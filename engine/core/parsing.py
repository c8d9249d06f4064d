"""Read a YAML or JSON file into plain data, remembering where each value came from.

The readers are :mod:`stocktake.core.yaml_reader` and :mod:`stocktake.core.json_reader`; this
module reads files and dispatches on the format.

Positions are 1-based ``(line, column)`` keyed by the path of keys and indices to the value.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath

from stocktake.core.errors import DocumentError
from stocktake.core.files import binary_kind, open_input, read_bytes
from stocktake.core.json_reader import parse_json
from stocktake.core.parsed import DEFAULT_LIMITS, Limits, Parsed, PathKey
from stocktake.core.yaml_reader import parse_yaml

__all__ = ["DEFAULT_LIMITS", "Limits", "Parsed", "PathKey", "decode_text", "parse_text", "read_text", "sha256_of"]


def sha256_of(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks (opened as every input is)."""
    digest = hashlib.sha256()
    with open_input(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str]:
    """Read ``path`` as UTF-8 text (a UTF-8 byte-order mark is dropped); return it and its sha256.

    The hash is of the file's bytes, as results record it.

    Raises :class:`DocumentError` naming the file for a missing path, a directory, a file larger
    than the limit, an empty file, binary data or bytes that are not UTF-8 (with line and column).
    """
    raw = read_bytes(path, max_bytes=limits.max_bytes)
    return decode_text(raw, path), hashlib.sha256(raw).hexdigest()


def decode_text(raw: bytes, file: str | Path) -> str:
    """``raw`` as UTF-8 text (a byte-order mark dropped); errors as :func:`read_text`'s, naming ``file``."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if (binary := binary_kind(raw, PurePath(str(file)).name)) is not None:
        raise DocumentError(
            "a YAML or JSON document (validate, review, judge and chain read documents; a ratings "
            "table, CSV or XLSX, is named by the review's ratings_file)", binary, file=file)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DocumentError("UTF-8 text", "UTF-16 text (save the file as UTF-8)", file=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise DocumentError(
            "UTF-8 text", f"byte 0x{raw[err.start]:02x} that is not UTF-8",
            file=file, line=line, column=column,
        ) from None
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        raise DocumentError("text", "a NUL byte (a binary file?)", file=file, line=line)
    if not text.strip():
        raise DocumentError("a document", "an empty file", file=file)
    return text


def parse_text(text: str, *, fmt: str, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Parse ``text`` as ``"yaml"`` or ``"json"``.

    Raises :class:`DocumentError` (without a file; the caller adds it) on syntax errors and on
    anything the safe walk refuses.
    """
    if fmt == "json":
        return parse_json(text, limits)
    return parse_yaml(text, limits)
