"""Errors the user can fix, and the exit codes they map to.

Every error a user can fix derives from :class:`StocktakeError` and renders as one line. The CLI
maps these to exit codes in exactly one place (``stocktake.cli``); anything else is a bug and keeps its
traceback. None of these derive from ``ValueError`` on purpose: pydantic wraps ``ValueError``
raised inside validators, and a :class:`DocumentError` must keep its own location.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

__all__ = [
    "DATE_WRITTEN",
    "MAX_QUOTED",
    "DocumentError",
    "DocumentErrors",
    "ExitCode",
    "ManyErrors",
    "PluginError",
    "StocktakeError",
    "UsageError",
    "json_path",
    "one_line",
]

PathPart = str | int


class ExitCode(IntEnum):
    """Process exit codes of the ``stocktake`` command (part of the public contract)."""

    OK = 0
    """Done."""
    BUG = 1
    """An internal error: a bug in Stocktake. The traceback is shown."""
    USER_ERROR = 2
    """Usage or invalid input: one message naming the file, the place, expected and found."""
    PLUGIN_FAILED = 3
    """A plugin failed: it could not be loaded, or it failed during the run."""


DATE_WRITTEN = "a date written YYYY-MM-DD, e.g. 2026-09-30"
"""What a date must look like, as every message about one says it."""

MAX_QUOTED = 200
"""Longest part of a message (a file name, a key, a value found) shown whole; longer ones are cut
with an ellipsis and their length."""
MAX_LINE = 2_000
"""Longest error line printed."""

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
"""Controls (C0, DEL, C1), zero-width and bidirectional marks, line and paragraph separators, a
byte-order mark and lone surrogates: nothing that moves the cursor, reorders text or cannot be
encoded reaches a terminal."""
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Only the control characters (C0, DEL, C1): what a document's own text may not print raw."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str, unsafe: re.Pattern[str] = _UNSAFE, keep: str = "") -> str:
    """``text`` with each character ``unsafe`` matches, except those in ``keep``, written as Python
    writes it in a string (``\\n``, ``\\x1b``, ``\\u202e``). Text with none is returned as it is."""
    if unsafe.search(text) is None:
        return text
    return unsafe.sub(lambda match: match.group() if match.group() in keep else _escape(match.group()), text)


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` safe to print as one line of a terminal: the characters above written visibly
    (:func:`visible`); cut at ``limit`` characters with an ellipsis and the full length."""
    return visible(_cut(text, limit))


def _cut(text: str, limit: int) -> str:
    return f"{text[:limit]}... ({len(text):,} characters)" if len(text) > limit else text


class StocktakeError(Exception):
    """An error the user can fix. Shown as one line, without a traceback unless ``--debug``."""

    exit_code: ExitCode = ExitCode.USER_ERROR

    def lines(self, limit: int | None = None) -> list[str]:
        """The message as printed: one line per problem, each made safe by :func:`one_line` (no
        character in it can start another line or reach the terminal raw). ``limit``: the most
        problems of one document shown (see :class:`DocumentErrors`); None, all."""
        return [one_line(str(self))]


class ManyErrors(StocktakeError):
    """Several independent problems (one per file, say), reported together, one line each."""

    def __init__(self, errors: Sequence[StocktakeError]) -> None:
        self.errors = list(errors)
        self.exit_code = max((e.exit_code for e in self.errors), default=ExitCode.USER_ERROR)
        super().__init__("; ".join(str(e) for e in self.errors))

    def lines(self, limit: int | None = None) -> list[str]:
        return [line for err in self.errors for line in err.lines(limit)]


class UsageError(StocktakeError):
    """The command was called wrongly (an unknown name, a missing option, ...)."""


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def json_path(parts: Sequence[PathPart]) -> str:
    """Render a path into a document as a JSON path: ``$.sections[0].components[2].id``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            out.append(f".{_cut(part, MAX_QUOTED)}")
        else:
            out.append("[" + repr(_cut(part, MAX_QUOTED)) + "]")
    return "".join(out)


class DocumentError(StocktakeError):
    """A document (a file the user wrote) is invalid.

    ``path`` is the location inside the document as a sequence of keys and indices; ``file``,
    ``line`` and ``column`` (1-based) are filled in by the loader once it knows them.
    """

    def __init__(
        self,
        expected: str,
        found: str,
        *,
        path: Sequence[PathPart] = (),
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        on_key: bool = False,
    ) -> None:
        self.expected = expected
        self.on_key = on_key
        """True if the problem is the key at the end of ``path`` rather than its value."""
        self.found = found
        self.path = tuple(path)
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        super().__init__(str(self))

    @property
    def errors(self) -> list[DocumentError]:
        """Every problem this error reports: itself (:class:`DocumentErrors` holds several), so
        callers read ``err.errors`` whether one problem was found or many."""
        return [self]

    def located(
        self, file: str | Path | None, line: int | None = None, column: int | None = None
    ) -> DocumentError:
        """Return a copy of this error that names the file and, if known, line and column."""
        err = DocumentError(
            self.expected,
            self.found,
            path=self.path,
            file=file,
            line=line if line is not None else self.line,
            column=column if column is not None else self.column,
            on_key=self.on_key,
        )
        err.__cause__ = self.__cause__
        return err

    def at(self, *prefix: PathPart) -> DocumentError:
        """Return a copy whose path is prefixed with ``prefix`` (for errors from nested parts)."""
        err = DocumentError(
            self.expected, self.found, path=(*prefix, *self.path), file=self.file, on_key=self.on_key
        )
        err.__cause__ = self.__cause__
        return err

    @property
    def where(self) -> str:
        place = one_line(self.file, MAX_QUOTED) if self.file is not None else "<document>"
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return place

    def __str__(self) -> str:
        expected, found = one_line(self.expected, MAX_LINE // 2), one_line(self.found, MAX_QUOTED)
        return f"{self.where}: {json_path(self.path)}: expected {expected}, found {found}"

    def __reduce__(self) -> Any:
        # Keyword-only fields: rebuild from all of them (errors cross process boundaries in --jobs).
        return (_document_error, (self.expected, self.found, self.path, self.file, self.line, self.column,
                                  self.on_key))


class DocumentErrors(DocumentError):
    """Every problem found in one document, in file order (the document's own by line and
    column, then those of tables it pulled in). It reads as its first problem (``expected``,
    ``found``, ``path``, ``line`` ...), so code that handles one :class:`DocumentError` handles it;
    :attr:`errors` holds them all."""

    def __init__(self, errors: Sequence[DocumentError]) -> None:
        if not errors:
            raise ValueError("DocumentErrors needs at least one error")
        self._errors = list(errors)
        first = self._errors[0]
        super().__init__(first.expected, first.found, path=first.path, file=first.file, line=first.line,
                         column=first.column, on_key=first.on_key)

    @property
    def errors(self) -> list[DocumentError]:
        return self._errors

    def located(
        self, file: str | Path | None, line: int | None = None, column: int | None = None
    ) -> DocumentError:
        """A copy in which each error that names no file names ``file`` (``line`` and ``column``
        apply only to one error)."""
        return DocumentErrors([err if err.file is not None else err.located(file) for err in self.errors])

    def at(self, *prefix: PathPart) -> DocumentError:
        return DocumentErrors([err.at(*prefix) for err in self.errors])

    def __str__(self) -> str:
        return "; ".join(str(err) for err in self.errors)

    def lines(self, limit: int | None = None) -> list[str]:
        """One line per error; past ``limit`` of them, one line saying how many more there are."""
        shown = self.errors if limit is None else self.errors[:max(limit, 1)]
        out = [line for err in shown for line in err.lines()]
        if len(shown) < len(self.errors):
            more = len(self.errors) - len(shown)
            where = one_line(self.errors[0].file, MAX_QUOTED) if self.errors[0].file is not None else "<document>"
            out.append(f"{where}: and {more:,} more error{'s' if more > 1 else ''} (--max-errors to see more)")
        return out

    def __reduce__(self) -> Any:
        return (DocumentErrors, (self.errors,))


def _document_error(expected: str, found: str, path: Sequence[PathPart], file: str | None, line: int | None,
                    column: int | None, on_key: bool) -> DocumentError:
    return DocumentError(expected, found, path=path, file=file, line=line, column=column, on_key=on_key)


class PluginError(StocktakeError):
    """A plugin could not be loaded or broke its contract.

    The message always names the plugin, its distribution and its version, so the user knows what
    to upgrade, report or disable.
    """

    exit_code = ExitCode.PLUGIN_FAILED

    def __init__(
        self, message: str, *, plugin: str, distribution: str | None, version: str | None
    ) -> None:
        self.plugin = plugin
        self.distribution = distribution
        self.version = version
        self.message = message
        super().__init__(str(self))

    @property
    def origin(self) -> str:
        if self.distribution:
            return f"plugin {self.plugin!r} (distribution {self.distribution} {self.version})"
        return f"plugin {self.plugin!r} (registered in-process, no distribution)"

    def __str__(self) -> str:
        return (
            f"{self.origin}: {self.message} "
            f"(to run without it: --disable-plugin {self.plugin})"
        )
