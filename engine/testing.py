"""Test harness for plugin and rubric authors (Stocktake's own tests use it too).

* :func:`make_engine` builds an engine with a fresh plugin manager holding only the plugins you
  name (and, unless told otherwise, Stocktake's built-ins), so tests never see whatever else is
  installed.
* :func:`load_cases` reads YAML case files: documents that must load, or must fail at a given
  place with a given message. Run each with :meth:`DocumentCase.check`::

      import pytest
      from stocktake.testing import load_cases, make_engine

      CASES = load_cases("tests/cases/*.yaml")

      @pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
      def test_case(case, tmp_path):
          case.check(make_engine(my_plugin), tmp_path)

A case file::

    cases:
      - name: unknown level code
        format: yaml            # or json; how `text` is written to disk
        text: |                 # the document, verbatim (or `file:` relative to this file)
          kind: Rubric
          ...
        expect:                 # or `expect: valid`
          line: 12              # each key optional; strings match as substrings
          column: 7
          path: $.sections[0].components[0].descriptors.Amber
          expected: a level of scale
          found: "'Amber'"
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from stocktake.api import Engine
from stocktake.core.errors import DocumentError, StocktakeError, json_path
from stocktake.hooks.specs import PROJECT

__all__ = ["DocumentCase", "builtin_plugins", "load_cases", "make_engine"]

DISTRIBUTION = "stocktake"


def builtin_plugins() -> list[tuple[str, object]]:
    """Stocktake's own plugins, loaded from its distribution's entry points."""
    dist = metadata.distribution(DISTRIBUTION)
    return [(ep.name, ep.load()) for ep in sorted(dist.entry_points, key=lambda e: e.name)
            if ep.group == PROJECT]


def make_engine(
    *plugins: object,
    builtins: bool = True,
    rubric_paths: Iterable[str | Path] = (),
    disabled: Iterable[str] = (),
) -> Engine:
    """An engine with a fresh plugin manager: the built-ins (unless ``builtins=False``) and ``plugins``.

    Each plugin is a module or object, or a ``(name, plugin)`` pair; without a name, the module
    name (or class name) is used. No other installed plugin is loaded.
    """
    named: list[tuple[str, object]] = builtin_plugins() if builtins else []
    for plugin in plugins:
        if isinstance(plugin, tuple):
            named.append(plugin)
        else:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            named.append((name, plugin))
    return Engine(
        plugins=named, load_entry_points=False, rubric_paths=rubric_paths, disabled_plugins=disabled
    )


@dataclass
class DocumentCase:
    """One document and what loading it must give."""

    name: str
    source: Path
    """The case file this case came from."""
    text: str | None = None
    file: Path | None = None
    fmt: str = "yaml"
    expect: dict[str, Any] | None = field(default=None)
    """None: the document must be valid; else the expected error's parts."""

    @property
    def id(self) -> str:
        return f"{self.source.stem}: {self.name}"

    def write(self, directory: Path) -> Path:
        """The document as a file: the case's own file, or ``text`` written into ``directory``."""
        if self.file is not None:
            return self.file
        slug = "".join(ch if ch.isalnum() else "-" for ch in self.name.lower()).strip("-")
        path = directory / f"{slug or 'case'}.{self.fmt}"
        path.write_bytes((self.text or "").encode("utf-8"))
        return path

    def check(self, engine: Engine, directory: Path) -> Any:
        """Load the document with ``engine``; fail with an ``AssertionError`` unless it behaves.

        Returns the loaded model for a valid case, the error for an invalid one.
        """
        path = self.write(directory)
        try:
            doc = engine.load(path)
        except StocktakeError as err:
            if self.expect is None:
                raise AssertionError(f"{self.id}: expected a valid document, got: {err}") from err
            self._match(err)
            return err
        if self.expect is not None:
            raise AssertionError(f"{self.id}: expected an error {self.expect}, but it loaded")
        return doc.model

    def _match(self, err: StocktakeError) -> None:
        message = str(err)
        if len(message.splitlines()) != 1:
            raise AssertionError(f"{self.id}: error is not one line: {message!r}")
        assert self.expect is not None
        if not isinstance(err, DocumentError):
            for text in self.expect.values():
                if str(text) not in message:
                    raise AssertionError(f"{self.id}: {text!r} not in {message!r}")
            return
        actual = {
            "line": err.line, "column": err.column, "path": json_path(err.path),
            "expected": err.expected, "found": err.found, "message": message,
        }
        for key, want in self.expect.items():
            got = actual.get(key)
            ok = got == want if key in ("line", "column") or key == "path" else str(want) in str(got)
            if not ok:
                raise AssertionError(f"{self.id}: {key}: expected {want!r}, got {got!r} ({message})")


def load_cases(pattern: str | Path) -> list[DocumentCase]:
    """Read every case from the YAML case files matching ``pattern`` (a path or glob)."""
    import yaml

    cases: list[DocumentCase] = []
    for name in sorted(glob.glob(str(pattern))):
        source = Path(name)
        data = yaml.load(source.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for i, raw in enumerate(data.get("cases", [])):
            unknown = set(raw) - {"name", "text", "file", "format", "expect"}
            if unknown or "name" not in raw or ("text" in raw) == ("file" in raw):
                raise ValueError(
                    f"{source}: case {i}: needs 'name' and exactly one of 'text' or 'file' "
                    f"(unknown keys: {sorted(unknown)})"
                )
            expect = raw.get("expect", "valid")
            cases.append(DocumentCase(
                name=raw["name"],
                source=source,
                text=raw.get("text"),
                file=(source.parent / raw["file"]) if "file" in raw else None,
                fmt=raw.get("format", "yaml"),
                expect=None if expect == "valid" else dict(expect),
            ))
    if not cases:
        raise ValueError(f"no cases found in {pattern}")
    return cases
