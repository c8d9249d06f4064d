"""Where a document comes from: a file, or one given in memory (data, text, a stream).

:func:`read_source` turns what a caller hands the engine into the document's text, its name (what
errors and results call it) and, for a file, its path. Everything else a document goes through
(parsing within the limits, validation, located errors) is the same whichever it came as.

A document given in memory has no directory, so it cannot pull in a file beside it (a review's
``ratings_file``, a chain's registers): nothing in data handed to the engine, by a notebook or
over HTTP, can make it read a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits

__all__ = ["DATA_NAME", "TEXT_NAME", "DocumentSource", "Source", "read_source"]

DocumentSource = Union[str, "os.PathLike[str]", bytes, Mapping[str, Any], IO[str], IO[bytes]]
"""What the engine's methods take as a document: a path (``str`` or ``os.PathLike``), its text as
``bytes`` (UTF-8), its data as a mapping (as ``json.load`` or ``yaml.safe_load`` gives it; dates
may be ``datetime.date``), or an open file (text or binary). A ``str`` is always a path: text goes
in as bytes or ``io.StringIO(text)``."""

DATA_NAME = "<data>"
"""The name of a document given as a mapping."""
TEXT_NAME = "<text>"
"""The name of a document given as bytes or as a stream without a name."""


@dataclass(frozen=True)
class Source:
    """A document's text and where it came from."""

    name: str
    """The path as given, or :data:`DATA_NAME` / :data:`TEXT_NAME` / the stream's name."""
    path: Path | None
    """The file; None for a document given in memory."""
    text: str
    sha256: str
    """Of the file's (or the given) bytes; of the canonical JSON for data."""
    fmt: str
    """``json`` or ``yaml``."""
    from_data: bool = False
    """Given as a mapping: positions in its text mean nothing to the caller, only JSON paths do."""


def read_source(source: Any, limits: Limits) -> Source:
    """The document ``source`` (a :data:`DocumentSource`) as text, within ``limits``.

    :raises DocumentError: the file cannot be read, or the text is not UTF-8, empty or binary,
        or data holds a value JSON cannot hold.
    :raises TypeError: ``source`` is none of the accepted types (a programming error).
    """
    from stocktake.core.parsing import read_text

    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        text, digest = read_text(path, limits)
        return Source(str(path), path, text, digest, "json" if path.suffix.lower() == ".json" else "yaml")
    if isinstance(source, Mapping):
        return _from_data(source, limits)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(source), TEXT_NAME, limits)
    read = getattr(source, "read", None)
    if callable(read):
        stream_name = getattr(source, "name", None)
        name = stream_name if isinstance(stream_name, str) and stream_name else TEXT_NAME
        content = read(limits.max_bytes + 1)
        if isinstance(content, str):
            if len(content) > limits.max_bytes:
                raise DocumentError(f"a document of at most {limits.max_bytes:,} bytes",
                                    f"more than {limits.max_bytes:,} characters", file=name)
            content = content.encode("utf-8", "surrogatepass")
        if not isinstance(content, bytes):
            raise TypeError(f"the stream's read() gave {type(content).__name__}, not str or bytes")
        return _from_bytes(content, name, limits)
    raise TypeError(f"a document is a path, bytes, a mapping or an open file, not {type(source).__name__}")


def _from_bytes(raw: bytes, name: str, limits: Limits) -> Source:
    from stocktake.core.parsing import decode_text

    if len(raw) > limits.max_bytes:
        raise DocumentError(f"a document of at most {limits.max_bytes:,} bytes", f"{len(raw):,} bytes", file=name)
    text = decode_text(raw, name)
    return Source(name, None, text, hashlib.sha256(raw).hexdigest(), _format(name, text))


def _from_data(data: Mapping[str, Any], limits: Limits) -> Source:
    try:
        text = json.dumps(data, ensure_ascii=False, indent=1, default=_json_value, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise DocumentError("data JSON can hold (mappings with text keys, lists, text, numbers, "
                            "true/false/null, dates)", str(err), file=DATA_NAME) from None
    except RecursionError:
        raise DocumentError(f"data nested at most {limits.max_depth} deep", "deeper nesting",
                            file=DATA_NAME) from None
    canonical = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return Source(DATA_NAME, None, text, digest, "json", from_data=True)


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        raise TypeError(f"a {type(value).__name__} (write a list)")
    raise TypeError(f"a value of type {type(value).__name__}")


def _format(name: str, text: str) -> str:
    """JSON for a ``.json`` name or text that opens as JSON does; YAML otherwise (which reads
    most JSON too, but not every escape the same way)."""
    if name.lower().endswith(".json"):
        return "json"
    if not name.lower().endswith((".yaml", ".yml")) and text.lstrip()[:1] in ("{", "["):
        return "json"
    return "yaml"
