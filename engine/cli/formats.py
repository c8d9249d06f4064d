"""The output format of a command: ``--format``, else the ``--output`` file's suffix, else the
command's default. One rule for every command that writes a result.

A suffix Stocktake knows (:data:`SUFFIXES`) names a format: ``-o report.html`` writes HTML. A known
suffix that the command cannot write, or that contradicts an explicit ``--format``, is a usage
error naming both (exit 2): JSON in a file called ``review.pdf`` is a mistake, not a choice. A
suffix Stocktake does not know (``.txt``, ``.out``, ``result.2026-h2``), no suffix and standard
output keep the default or the ``--format`` given.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import click

__all__ = ["BINARY", "SUFFIXES", "Formats"]

SUFFIXES: dict[str, str] = {
    ".json": "json", ".jsonl": "jsonl", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".csv": "csv", ".xlsx": "xlsx", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".pdf": "pdf",
}
"""File suffixes (compared ignoring case) and the format each names; a command offers some of them."""

BINARY = frozenset({"xlsx", "pdf"})
"""Formats that are not text: never written to a terminal."""


@dataclass(frozen=True)
class Formats:
    """The formats a command writes (its ``--format`` choices, in the order its help lists them)
    and the one it writes when neither ``--format`` nor the output's suffix says."""

    names: tuple[str, ...]
    default: str

    def option(self, help: str = "") -> Callable[[Any], Any]:
        """The command's ``--format`` option (``fmt``; None when not given, for :meth:`resolve`)."""
        suffixes = ", ".join(s for s, name in SUFFIXES.items() if name in self.names)
        words = f"Default: from the --output suffix ({suffixes}), else {self.default}."
        return click.option("--format", "fmt", type=click.Choice(self.names), default=None,
                            help=f"{help} {words}" if help else words)

    def resolve(self, fmt: str | None, output: str | None) -> str:
        """The format to write: ``fmt`` if given, else the one ``output``'s suffix names, else the
        default.

        :raises UsageError: the suffix names a format this command does not write, or one other
            than ``fmt``; or a binary format would be written to a terminal.
        """
        from stocktake.core.errors import UsageError

        to_file = output is not None and output != "-"
        suffix = PurePath(output).suffix.lower() if to_file and output else ""
        implied = SUFFIXES.get(suffix)
        if implied is not None and fmt is not None and implied != fmt:
            raise UsageError(f"--format {fmt} contradicts --output {output!r}, whose suffix {suffix} means {implied}: "
                             f"drop --format, or name the file with a suffix for {fmt}")
        if implied is not None and implied not in self.names:
            known = ", ".join(s for s, name in SUFFIXES.items() if name in self.names)
            raise UsageError(f"cannot write {implied} (--output {output!r}, suffix {suffix}): this command writes "
                             f"{', '.join(self.names)}; name the file with one of their suffixes ({known})")
        chosen = fmt or implied or self.default
        if chosen in BINARY and not to_file and sys.stdout is not None and sys.stdout.isatty():
            raise UsageError(f"{chosen} is a binary file, not for a terminal: write it with --output FILE.{chosen} "
                             "or redirect standard output")
        return chosen
